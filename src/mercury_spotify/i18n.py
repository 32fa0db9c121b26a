"""Message catalogues (gettext) and locale-aware formats for English and Brazilian Portuguese.

Catalogues live in ``locale/<lang>/LC_MESSAGES/mercury.po``; the compiled ``.mo`` beside each is
what gettext reads. After editing a ``.po`` file, run ``python -m mercury_spotify.i18n compile``.
"""

from __future__ import annotations

import gettext
import locale
import os
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "mercury"
SUPPORTED = ("en", "pt-BR")


def resolve_language(configured: str | None = None) -> str:
    """Pick ``en`` or ``pt-BR`` from ``MERCURY_LANG``, then ``configured``, then the locale."""
    for candidate in (os.environ.get("MERCURY_LANG"), configured):
        if candidate:
            return normalize_language(candidate)
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            return normalize_language(value)
    system_locale = locale.getlocale()[0]
    return normalize_language(system_locale or "en")


def normalize_language(value: str) -> str:
    """Map a language tag or locale name (``pt_BR.UTF-8``, ``pt``, ``en_US``) to a supported one."""
    return "pt-BR" if value.strip().lower().replace("_", "-").startswith("pt") else "en"


@lru_cache(maxsize=4)
def translations(lang: str) -> gettext.NullTranslations:
    """The gettext catalogue for ``lang``; English is the source language."""
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang.replace("-", "_")], fallback=True)


def gettext_for(lang: str | None = None):
    """Return a ``_`` function that translates into ``lang`` (default: the resolved language)."""
    return translations(lang or resolve_language()).gettext


def _(message: str) -> str:
    """Translate ``message`` into the current language (read on every call, so tests can switch)."""
    return translations(resolve_language()).gettext(message)


def install_global_domain(lang: str) -> None:
    """Make Mercury's catalogue the process-wide gettext domain, for click's own messages.

    click translates "Usage:", "Options" and its errors through the standard ``gettext.gettext``,
    which reads the global domain and takes the language from ``LANGUAGE``.
    """
    gettext.bindtextdomain(DOMAIN, LOCALE_DIR)
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = lang.replace("-", "_")


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it yet (it is translated when shown)."""
    return message


def babel_locale(lang: str) -> str:
    """The Babel locale name for a supported language."""
    return "pt_BR" if lang == "pt-BR" else "en_US"


def format_number(value: float | int, lang: str, decimals: int = 0) -> str:
    """Format a number with the language's separators (pt-BR: ``1.234,5``)."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=babel_locale(lang))


def format_day(value, lang: str) -> str:
    """Format a date as ``dd/mm/yyyy`` (pt-BR) or ``yyyy-mm-dd`` (en)."""
    return value.strftime("%d/%m/%Y") if lang == "pt-BR" else value.isoformat()


def compile_catalogues() -> list[Path]:
    """Compile every ``.po`` file into the ``.mo`` beside it; return the files written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"):
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog)
        written.append(mo_path)
    return written


if __name__ == "__main__":
    for path in compile_catalogues():
        print(path)
