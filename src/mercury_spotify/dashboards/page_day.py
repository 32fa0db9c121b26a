"""The day page: one day against the day before."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from mercury_spotify.dashboards import charts, formats
from mercury_spotify.dashboards.cards import day as cards
from mercury_spotify.dashboards.catalog import DAY
from mercury_spotify.dashboards.page_historical import date_format
from mercury_spotify.dashboards.page_parts import (
    Filters,
    card_header,
    measure_note,
    run_card,
    show_chart,
    show_table,
)
from mercury_spotify.dashboards.reader import Reader
from mercury_spotify.dashboards.ui_text import ui

DAY_KEY = "day_picked"

# KPI columns of the day summary and the decimals each is shown with.
KPIS = (("minutes", 1), ("streams", 0), ("tracks", 0), ("artists", 0), ("skip_rate", 1))


def change_text(current, previous, lang: str, decimals: int, is_share: bool) -> str:
    """Format the change from ``previous`` to ``current``: absolute, then relative in percent.

    Shares change in percentage points (``p.p.``); a relative change needs a previous value
    above zero.
    """
    if formats.is_missing(current) or formats.is_missing(previous):
        return ui("no_change_base", lang) if formats.is_missing(previous) else "–"
    difference = current - previous
    if is_share:
        absolute = formats.signed(difference * 100, lang, decimals) + " p.p."
    else:
        absolute = formats.signed(difference, lang, decimals)
    if previous == 0:
        return f"{absolute} ({ui('no_change_base', lang)})"
    relative = formats.signed(difference / previous * 100, lang, 1) + "%"
    return f"{absolute} ({relative})"


def _step(days: int, first_day: dt.date, last_day: dt.date) -> None:
    current = st.session_state.get(DAY_KEY, last_day)
    st.session_state[DAY_KEY] = min(max(current + dt.timedelta(days=days), first_day), last_day)


def _latest(last_day: dt.date) -> None:
    st.session_state[DAY_KEY] = last_day


def render(reader: Reader, filters: Filters, first_day: dt.date, last_day: dt.date) -> None:
    """Draw the page; the day defaults to ``last_day``, the latest day with plays."""
    lang = filters.lang
    st.title(DAY.title.get(lang))
    st.caption(DAY.description.get(lang))

    picked = st.session_state.get(DAY_KEY)
    if picked is None or not first_day <= picked <= last_day:
        st.session_state[DAY_KEY] = last_day

    picker, previous_button, next_button, latest_button = st.columns([3, 1, 1, 1], vertical_alignment="bottom")
    with picker:
        chosen = st.date_input(ui("day", lang), min_value=first_day, max_value=last_day,
                               format=date_format(lang), key=DAY_KEY)
    previous_button.button(ui("previous", lang), on_click=_step, args=(-1, first_day, last_day),
                           disabled=chosen <= first_day, key="day_previous", width="stretch")
    next_button.button(ui("next", lang), on_click=_step, args=(1, first_day, last_day),
                       disabled=chosen >= last_day, key="day_next", width="stretch")
    latest_button.button(ui("latest", lang), on_click=_latest, args=(last_day,),
                         disabled=chosen == last_day, key="day_latest", width="stretch")

    st.markdown(f"### {formats.day_with_weekday(chosen, lang)}")
    values = {**filters.values(), "day": chosen}

    _summary(reader, values, lang)

    card_header(cards.MINUTES_PER_HOUR, lang)
    frame = run_card(reader, cards.MINUTES_PER_HOUR, values)
    show_chart(cards.MINUTES_PER_HOUR, charts.hour_pairs(cards.MINUTES_PER_HOUR, frame, lang))

    left, right = st.columns(2)
    for slot, card, label_columns in ((left, cards.TOP_TRACKS_OF_DAY, ["track_name", "artist_name"]),
                                      (right, cards.TOP_ARTISTS_OF_DAY, ["artist_name"])):
        with slot:
            card_header(card, lang)
            frame = run_card(reader, card, values)
            if frame.empty:
                st.info(ui("no_plays_day", lang))
            else:
                show_chart(card, charts.ranked_bars(card, frame, lang, label_columns))

    card_header(cards.FIRST_LISTENS, lang)
    show_table(cards.FIRST_LISTENS, run_card(reader, cards.FIRST_LISTENS, values), lang,
               empty_key="no_first_listens")

    card_header(cards.PLAYS_OF_DAY, lang)
    show_table(cards.PLAYS_OF_DAY, run_card(reader, cards.PLAYS_OF_DAY, values), lang,
               empty_key="no_plays_day", scrolling=True)


def _summary(reader: Reader, values: dict, lang: str) -> None:
    card = cards.DAY_SUMMARY
    card_header(card, lang)
    frame = run_card(reader, card, values).set_index("which_day")
    today, before = frame.loc["day"], frame.loc["previous_day"]
    has_previous = before["minutes"] > 0 or before["streams"] > 0
    slots = st.columns(len(KPIS))
    for slot, (name, decimals) in zip(slots, KPIS, strict=True):
        column = card.column(name)
        is_share = column.unit == "share"
        shown = formats.share(today[name], lang) if is_share else formats.number(today[name], lang, decimals)
        delta = change_text(today[name], before[name], lang, decimals, is_share) if has_previous else None
        slot.metric(
            column.label.get(lang),
            shown,
            delta=delta,
            delta_color="off" if is_share else "normal",
            help=f"{measure_note(column.measure, lang)}; {ui('vs_previous', lang)}",
        )
    if not has_previous:
        st.caption(ui("no_change_base", lang).capitalize() + ".")
