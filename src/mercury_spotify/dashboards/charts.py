"""Altair charts for the cards, with translated axes and tooltips in the page's number format.

Tooltips show preformatted text (``<column>_text``) instead of raw numbers, so a tooltip reads
exactly like the rest of the page in either language.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd

from mercury_spotify.dashboards import formats
from mercury_spotify.dashboards.definition import Card
from mercury_spotify.dashboards.ui_text import ui

CHART_HEIGHT = 320


def with_text_columns(card: Card, frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Return a copy of ``frame`` with a formatted ``<column>_text`` beside each declared column."""
    shown = frame.copy()
    for column in card.columns:
        if column.name in shown.columns:
            shown[column.name + "_text"] = [formats.cell(column, value, lang) for value in shown[column.name]]
    return shown


def _tooltip(card: Card, lang: str, names: list[str]) -> list[alt.Tooltip]:
    return [alt.Tooltip(f"{name}_text:N", title=card.column(name).label.get(lang)) for name in names]


def _finish(chart: alt.Chart, lang: str) -> alt.Chart:
    return chart.properties(height=CHART_HEIGHT).configure(locale=formats.vega_locale(lang))


def _month_axis(card: Card, lang: str, months: tuple[dt.date, dt.date]) -> alt.X:
    """Build a month axis over the chosen range, so a single month does not fill the whole width."""
    first = dt.date(months[0].year, months[0].month, 1)
    # The last month's bar spans the whole month, so the axis ends where the next month starts.
    after_last = dt.date(months[1].year + months[1].month // 12, months[1].month % 12 + 1, 1)
    return alt.X("month:T", timeUnit="yearmonth", title=card.column("month").label.get(lang),
                 scale=alt.Scale(domain=[first.isoformat(), after_last.isoformat()]),
                 axis=alt.Axis(format="%b %Y", labelAngle=-45))


def month_bars(card: Card, frame: pd.DataFrame, lang: str, value: str, tooltip: list[str],
               months: tuple[dt.date, dt.date]) -> alt.Chart:
    """Draw bars per month between the months of ``months``: ``month`` on x, ``value`` on y."""
    data = with_text_columns(card, frame, lang)
    data["month"] = pd.to_datetime(data["month"])
    chart = alt.Chart(data).mark_bar().encode(
        x=_month_axis(card, lang, months),
        y=alt.Y(f"{value}:Q", title=card.column(value).label.get(lang)),
        tooltip=_tooltip(card, lang, ["month", *tooltip]),
    )
    return _finish(chart, lang)


def month_line(card: Card, frame: pd.DataFrame, lang: str, value: str, tooltip: list[str],
               months: tuple[dt.date, dt.date]) -> alt.Chart:
    """Draw a line per month with a point on each month, for shares such as the skip rate."""
    data = with_text_columns(card, frame, lang)
    data["month"] = pd.to_datetime(data["month"])
    chart = alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=60)).encode(
        x=_month_axis(card, lang, months),
        y=alt.Y(f"{value}:Q", title=card.column(value).label.get(lang), axis=alt.Axis(format="%")),
        tooltip=_tooltip(card, lang, ["month", *tooltip]),
    )
    return _finish(chart, lang)


def ranked_bars(card: Card, frame: pd.DataFrame, lang: str, label_columns: list[str]) -> alt.Chart:
    """Draw horizontal bars of minutes or hours, largest first, labelled with the streams too."""
    value = "minutes" if "minutes" in frame.columns else "hours"
    data = with_text_columns(card, frame, lang)
    names = data[label_columns[0]].map(lambda item: formats.cell(card.column(label_columns[0]), item, lang))
    if len(label_columns) > 1:
        names = names + " — " + data[label_columns[1]].fillna("–").astype(str)
    data["name"] = names
    unit = "min" if value == "minutes" else "h"
    data["bar_label"] = [
        f"{text} {unit} · {streams} {card.column('streams').label.get(lang).lower()}"
        for text, streams in zip(data[value + "_text"], data["streams_text"], strict=True)
    ]
    # Room on the right for the text beside the longest bar.
    largest = float(data[value].max()) if len(data) else 0.0
    base = alt.Chart(data).encode(
        y=alt.Y("name:N", sort=None, title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X(f"{value}:Q", title=card.column(value).label.get(lang),
                scale=alt.Scale(domain=[0, largest * 2 or 1], nice=False)),
        tooltip=_tooltip(card, lang, [*label_columns, value, "streams"]),
    )
    bars = base.mark_bar()
    labels = base.mark_text(align="left", dx=4).encode(text="bar_label:N")
    height = max(CHART_HEIGHT, 28 * len(data))
    return alt.layer(bars, labels).properties(height=height).configure(locale=formats.vega_locale(lang))


def weekday_hour_heatmap(card: Card, frame: pd.DataFrame, lang: str) -> alt.Chart:
    """Draw weekdays (rows, Monday first) by local hour (columns), coloured by hours played."""
    data = with_text_columns(card, frame, lang)
    order = formats.weekday_names(lang)
    chart = alt.Chart(data).mark_rect().encode(
        x=alt.X("hour:O", title=ui("hour", lang), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("iso_day_of_week_text:O", title=ui("weekday", lang), sort=order),
        color=alt.Color("hours:Q", title=card.column("hours").label.get(lang),
                        scale=alt.Scale(scheme="greens")),
        tooltip=_tooltip(card, lang, ["iso_day_of_week", "hour", "hours", "streams"]),
    )
    return _finish(chart, lang)


def share_donut(card: Card, frame: pd.DataFrame, lang: str, category: str) -> alt.Chart:
    """Draw a donut of each category's share."""
    data = with_text_columns(card, frame, lang)
    chart = alt.Chart(data).mark_arc(innerRadius=70).encode(
        theta=alt.Theta("share:Q"),
        color=alt.Color(f"{category}_text:N", title=card.column(category).label.get(lang)),
        tooltip=_tooltip(card, lang, [category, "share", "hours", "streams"]),
    )
    return _finish(chart, lang)


def hour_pairs(card: Card, frame: pd.DataFrame, lang: str) -> alt.Chart:
    """Draw minutes per local hour, the chosen day and the day before side by side."""
    data = with_text_columns(card, frame, lang)
    day_labels = [formats.code("which_day", key, lang) for key in ("day", "previous_day")]
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("hour:O", title=ui("hour", lang), axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("which_day_text:N", sort=day_labels),
        y=alt.Y("minutes:Q", title=card.column("minutes").label.get(lang)),
        color=alt.Color("which_day_text:N", title=card.column("which_day").label.get(lang),
                        sort=day_labels, legend=alt.Legend(orient="top")),
        tooltip=_tooltip(card, lang, ["which_day", "full_date", "hour", "minutes", "streams"]),
    )
    return _finish(chart, lang)
