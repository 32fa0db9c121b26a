"""The historical page: totals and charts over a date range."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from mercury_spotify.dashboards import charts, formats
from mercury_spotify.dashboards.cards import historical as cards
from mercury_spotify.dashboards.catalog import HISTORICAL
from mercury_spotify.dashboards.page_parts import Filters, card_header, measure_note, run_card, show_chart
from mercury_spotify.dashboards.reader import Reader
from mercury_spotify.dashboards.ui_text import ui


def date_format(lang: str) -> str:
    """Return the date-input format of the language."""
    return "DD/MM/YYYY" if lang == "pt-BR" else "YYYY-MM-DD"


def render(reader: Reader, filters: Filters, first_day: dt.date, last_day: dt.date) -> None:
    """Draw the page for the plays between ``first_day`` and ``last_day`` (the data's bounds)."""
    lang = filters.lang
    st.title(HISTORICAL.title.get(lang))
    st.caption(HISTORICAL.description.get(lang))

    picked = st.date_input(
        ui("date_range", lang),
        value=(first_day, last_day),
        min_value=first_day,
        max_value=last_day,
        format=date_format(lang),
        help=ui("date_range_help", lang),
        key="historical_range",
    )
    # While a range is being picked, the widget returns only its first day.
    if isinstance(picked, (tuple, list)) and len(picked) == 2:
        start_date, end_date = picked
    else:
        start_date, end_date = first_day, last_day
    values = {**filters.values(), "start_date": start_date, "end_date": end_date}

    _summary(reader, values, lang)

    left, right = st.columns(2)
    with left:
        card_header(cards.HOURS_PER_MONTH, lang)
        frame = run_card(reader, cards.HOURS_PER_MONTH, values)
        show_chart(cards.HOURS_PER_MONTH,
                   charts.month_bars(cards.HOURS_PER_MONTH, frame, lang, "hours", ["hours", "streams"],
                                      (start_date, end_date)))
    with right:
        card_header(cards.NEW_ARTISTS_PER_MONTH, lang)
        frame = run_card(reader, cards.NEW_ARTISTS_PER_MONTH, values)
        show_chart(cards.NEW_ARTISTS_PER_MONTH,
                   charts.month_bars(cards.NEW_ARTISTS_PER_MONTH, frame, lang, "new_artists", ["new_artists"],
                                      (start_date, end_date)))

    card_header(cards.WEEKDAY_HOUR, lang)
    frame = run_card(reader, cards.WEEKDAY_HOUR, values)
    show_chart(cards.WEEKDAY_HOUR, charts.weekday_hour_heatmap(cards.WEEKDAY_HOUR, frame, lang))

    for card, label_columns in ((cards.TOP_ARTISTS, ["artist_name"]),
                                (cards.TOP_TRACKS, ["track_name", "artist_name"]),
                                (cards.TOP_ALBUMS, ["album_name", "artist_name"])):
        card_header(card, lang)
        frame = run_card(reader, card, values)
        show_chart(card, charts.ranked_bars(card, frame, lang, label_columns))

    left, right = st.columns(2)
    with left:
        card_header(cards.HOURS_BY_PLATFORM, lang)
        frame = run_card(reader, cards.HOURS_BY_PLATFORM, values)
        show_chart(cards.HOURS_BY_PLATFORM,
                   charts.ranked_bars(cards.HOURS_BY_PLATFORM, frame, lang, ["platform_family"]))
    with right:
        card_header(cards.CONTENT_SHARE, lang)
        frame = run_card(reader, cards.CONTENT_SHARE, values)
        show_chart(cards.CONTENT_SHARE, charts.share_donut(cards.CONTENT_SHARE, frame, lang, "content_type"))

    card_header(cards.SKIP_RATE_PER_MONTH, lang)
    frame = run_card(reader, cards.SKIP_RATE_PER_MONTH, values)
    show_chart(cards.SKIP_RATE_PER_MONTH,
               charts.month_line(cards.SKIP_RATE_PER_MONTH, frame, lang, "skip_rate", ["skip_rate", "plays"],
                                  (start_date, end_date)))


def _summary(reader: Reader, values: dict, lang: str) -> None:
    card = cards.SUMMARY
    card_header(card, lang)
    row = run_card(reader, card, values).iloc[0]
    metrics = st.columns(5)
    for slot, name, decimals in zip(metrics, ("hours", "streams", "tracks", "artists", "albums"),
                                    (1, 0, 0, 0, 0), strict=True):
        column = card.column(name)
        slot.metric(column.label.get(lang), formats.number(row[name], lang, decimals),
                    help=measure_note(column.measure, lang))
    st.markdown(f"**{ui('plays_between', lang)}** {formats.day(row['first_day'], lang)} – "
                f"{formats.day(row['last_day'], lang)}")
