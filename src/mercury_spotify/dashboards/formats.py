"""Locale-aware text for dashboard values: numbers, shares, dates, months, weekdays and codes.

English uses ``1,234.5`` and ISO dates; Brazilian Portuguese uses ``1.234,5`` and ``dd/mm/aaaa``.
Weekdays run Monday to Sunday in both, as ISO weekday numbers do.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from babel.dates import format_date, get_day_names, get_month_names, get_period_names
from babel.numbers import format_decimal

from mercury_spotify.dashboards.definition import Column, Text
from mercury_spotify.i18n import babel_locale, format_day

# Codes stored in the warehouse and the words shown for them.
CODE_LABELS: dict[str, dict[str, Text]] = {
    "content_type": {
        "track": Text("Music", "Música"),
        "episode": Text("Podcasts", "Podcasts"),
        "audiobook": Text("Audiobooks", "Audiolivros"),
        "video": Text("Videos", "Vídeos"),
        "unknown": Text("Unknown", "Desconhecido"),
    },
    "platform": {
        "android": Text("Android", "Android"),
        "ios": Text("iOS", "iOS"),
        "windows": Text("Windows", "Windows"),
        "macos": Text("macOS", "macOS"),
        "linux": Text("Linux", "Linux"),
        "web": Text("Web player", "Player web"),
        "tv": Text("TV", "TV"),
        "speaker": Text("Speaker", "Caixa de som"),
        "console": Text("Game console", "Videogame"),
        "car": Text("Car", "Carro"),
        "other": Text("Other", "Outro"),
        "unknown": Text("Unknown", "Desconhecida"),
    },
    "run_kind": {
        "import": Text("Import", "Importação"),
        "sync": Text("Sync", "Sincronização"),
        "enrich": Text("Enrichment", "Enriquecimento"),
        "build": Text("Build", "Build"),
        "backup": Text("Backup", "Backup"),
    },
    "run_status": {
        "running": Text("running", "em andamento"),
        "succeeded": Text("succeeded", "sucesso"),
        "failed": Text("failed", "falhou"),
        "partial": Text("partial", "parcial"),
    },
    "source": {
        "extended": Text("Extended export", "Exportação estendida"),
        "account": Text("Account data", "Dados da conta"),
        "api": Text("Web API", "Web API"),
    },
    "catalogue_item": {
        "track": Text("Tracks", "Faixas"),
        "artist": Text("Artists", "Artistas"),
        "album": Text("Albums", "Álbuns"),
    },
    "which_day": {
        "day": Text("Chosen day", "Dia escolhido"),
        "previous_day": Text("Day before", "Dia anterior"),
    },
}

FLAG_LABELS = {True: Text("yes", "sim"), False: Text("no", "não")}


def is_missing(value) -> bool:
    """Return True for None, NaN and NaT."""
    if value is None or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def number(value, lang: str, decimals: int = 0) -> str:
    """Format a number with the language's separators, or a dash when there is no value."""
    if is_missing(value):
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    # Round half up first, as people do; Babel alone would round half to even (19.25 -> 19.2).
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return format_decimal(rounded, format=pattern, locale=babel_locale(lang))


def share(value, lang: str, decimals: int = 1) -> str:
    """Format a fraction as a percentage: ``12.5%`` in English, ``12,5%`` in Portuguese."""
    if is_missing(value):
        return "–"
    return number(value * 100, lang, decimals) + "%"


def signed(value, lang: str, decimals: int = 0) -> str:
    """Format a change with its sign: ``+12`` or ``-3,5``."""
    if is_missing(value):
        return "–"
    text = number(abs(value), lang, decimals)
    if value > 0:
        return "+" + text
    if value < 0:
        return "-" + text
    return text


def day(value, lang: str) -> str:
    """Format a calendar day: ``2026-11-30`` or ``30/11/2026``."""
    if is_missing(value):
        return "–"
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        value = value.date()
    return format_day(value, lang)


def day_with_weekday(value: dt.date, lang: str) -> str:
    """Format a day with its weekday name: ``Mon 2026-11-30`` or ``seg. 30/11/2026``."""
    return f"{weekday_names(lang)[value.isoweekday() - 1]} {day(value, lang)}"


def month(value, lang: str) -> str:
    """Format a month: ``Nov 2026`` or ``nov. 2026``."""
    if is_missing(value):
        return "–"
    if isinstance(value, pd.Timestamp):
        value = value.date()
    return format_date(value, "MMM yyyy", locale=babel_locale(lang))


def local_time(value) -> str:
    """Format the clock time of a local timestamp as ``HH:MM``."""
    if is_missing(value):
        return "–"
    return value.strftime("%H:%M")


def timestamp(value, lang: str) -> str:
    """Format a UTC instant as day and time, with the zone named."""
    if is_missing(value):
        return "–"
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc)
    return f"{day(value, lang)} {value.strftime('%H:%M')} UTC"


def size(value, lang: str) -> str:
    """Format a size in bytes in the largest binary unit that keeps it at 1 or more."""
    if is_missing(value):
        return "–"
    amount = float(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if amount < 1024 or unit == "GiB":
            return f"{number(amount, lang, 0 if unit == 'B' else 1)} {unit}"
        amount /= 1024
    raise AssertionError("unreachable")


def weekday_names(lang: str) -> list[str]:
    """Return the abbreviated weekday names, Monday first."""
    names = get_day_names("abbreviated", locale=babel_locale(lang))
    return [names[index] for index in range(7)]


def code(kind: str, value, lang: str) -> str:
    """Translate a code such as a content type or platform; an unknown code is shown as is."""
    if is_missing(value):
        return "–"
    label = CODE_LABELS.get(kind, {}).get(str(value))
    return label.get(lang) if label else str(value)


def flag(value, lang: str) -> str:
    """Format a flag as yes or no in the language, or a dash when the source did not record it."""
    if is_missing(value):
        return "–"
    return FLAG_LABELS[bool(value)].get(lang)


def cell(column: Column, value, lang: str) -> str:
    """Format any result value as text, by the unit that its column declares."""
    unit = column.unit
    if unit == "hours":
        return number(value, lang, 1)
    if unit == "minutes":
        return number(value, lang, 1)
    if unit == "count":
        return number(value, lang)
    if unit == "share":
        return share(value, lang)
    if unit == "date":
        return day(value, lang)
    if unit == "month":
        return month(value, lang)
    if unit == "local_time":
        return local_time(value)
    if unit == "timestamp":
        return timestamp(value, lang)
    if unit == "bytes":
        return size(value, lang)
    if unit == "flag":
        return flag(value, lang)
    if unit == "weekday":
        return "–" if is_missing(value) else weekday_names(lang)[int(value) - 1]
    if unit in CODE_LABELS:
        return code(unit, value, lang)
    return "–" if is_missing(value) else str(value)


def vega_locale(lang: str) -> dict:
    """Build Vega-Lite's ``config.locale`` number and time formats, so chart axes match the page."""
    locale_name = babel_locale(lang)
    months = get_month_names("wide", locale=locale_name)
    short_months = get_month_names("abbreviated", locale=locale_name)
    days = get_day_names("wide", locale=locale_name)
    short_days = get_day_names("abbreviated", locale=locale_name)
    periods = get_period_names(locale=locale_name)
    # d3 lists weekdays from Sunday; Babel numbers them from Monday (0).
    sunday_first = [6, 0, 1, 2, 3, 4, 5]
    portuguese = lang == "pt-BR"
    return {
        "number": {
            "decimal": "," if portuguese else ".",
            "thousands": "." if portuguese else ",",
            "grouping": [3],
            "currency": ["R$ ", ""] if portuguese else ["$", ""],
        },
        "time": {
            "dateTime": "%A, %e de %B de %Y %X" if portuguese else "%a %b %e %X %Y",
            "date": "%d/%m/%Y" if portuguese else "%Y-%m-%d",
            "time": "%H:%M:%S",
            "periods": [periods.get("am", "AM"), periods.get("pm", "PM")],
            "days": [days[index] for index in sunday_first],
            "shortDays": [short_days[index] for index in sunday_first],
            "months": [months[index] for index in range(1, 13)],
            "shortMonths": [short_months[index] for index in range(1, 13)],
        },
    }
