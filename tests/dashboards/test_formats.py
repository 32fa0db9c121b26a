"""Numbers, dates and weekdays in the format of each language."""

from __future__ import annotations

import datetime as dt

from mercury_spotify.dashboards import formats
from mercury_spotify.dashboards.page_day import change_text


def test_number_portuguese():
    assert formats.number(1234.5, "pt-BR", 1) == "1.234,5"


def test_number_english():
    assert formats.number(1234.5, "en", 1) == "1,234.5"


def test_share_portuguese():
    assert formats.share(0.125, "pt-BR") == "12,5%"


def test_day_formats():
    assert formats.day(dt.date(2026, 3, 9), "pt-BR") == "09/03/2026"
    assert formats.day(dt.date(2026, 3, 9), "en") == "2026-03-09"


def test_weekdays_start_on_monday():
    assert formats.weekday_names("en")[0] == "Mon"
    assert formats.weekday_names("pt-BR")[0] == "seg."
    assert formats.weekday_names("pt-BR")[6] == "dom."


def test_month_portuguese():
    assert formats.month(dt.date(2026, 2, 1), "pt-BR") == "fev. 2026"


def test_size_units():
    assert formats.size(14_680_064, "pt-BR") == "14,0 MiB"
    assert formats.size(512, "en") == "512 B"


def test_codes_translated():
    assert formats.code("content_type", "episode", "pt-BR") == "Podcasts"
    assert formats.code("platform", "speaker", "en") == "Speaker"
    assert formats.code("platform", "new-device", "en") == "new-device"


def test_missing_values_as_dash():
    assert formats.number(None, "en") == "–"
    assert formats.share(float("nan"), "en") == "–"


def test_change_text_absolute_and_relative():
    assert change_text(81.5, 129.9, "pt-BR", 1, False) == "-48,4 (-37,3%)"
    assert change_text(26, 20, "en", 0, False) == "+6 (+30.0%)"


def test_change_text_share_in_points():
    assert change_text(0.4, 0.3, "en", 1, True) == "+10.0 p.p. (+33.3%)"


def test_change_text_without_previous_day():
    assert change_text(10, None, "en", 0, False) == "no plays the day before"


def test_vega_locale_portuguese():
    locale = formats.vega_locale("pt-BR")
    assert locale["number"]["decimal"] == ","
    assert locale["time"]["shortMonths"][1] == "fev."
    assert locale["time"]["shortDays"][0] == "dom."
