"""Every user-facing message has a Brazilian Portuguese translation, and the .mo is current."""

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import mercury_spotify
from mercury_spotify.i18n import LOCALE_DIR, format_day, format_number

PACKAGE_DIR = Path(mercury_spotify.__file__).parent
PO_PATH = LOCALE_DIR / "pt_BR" / "LC_MESSAGES" / "mercury.po"


def catalogue():
    with PO_PATH.open("rb") as handle:
        return read_po(handle)


def test_every_message_is_translated():
    translated = {message.id for message in catalogue() if message.id and message.string}
    keywords = {"_": None, "N_": None}
    found = {message for _file, _line, message, _comments, _context in
             extract_from_dir(str(PACKAGE_DIR), keywords=keywords) if isinstance(message, str)}
    missing = sorted(found - translated)
    assert missing == [], "add these to mercury.po and run: python -m mercury_spotify.i18n"


def test_compiled_catalogue_is_current():
    compiled = io.BytesIO()
    write_mo(compiled, catalogue())
    assert (PO_PATH.with_suffix(".mo")).read_bytes() == compiled.getvalue(), (
        "run: python -m mercury_spotify.i18n")


def test_placeholders_match():
    import re

    for message in catalogue():
        if message.id and message.string:
            assert set(re.findall(r"\{[^}]*\}", message.id)) == set(re.findall(r"\{[^}]*\}", message.string)), message.id


def test_number_and_date_formats():
    import datetime as dt

    assert format_number(1234.5, "pt-BR", decimals=1) == "1.234,5"
    assert format_number(1234.5, "en", decimals=1) == "1,234.5"
    assert format_day(dt.date(2024, 3, 9), "pt-BR") == "09/03/2024"
    assert format_day(dt.date(2024, 3, 9), "en") == "2024-03-09"
