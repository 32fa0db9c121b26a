"""The health page: runs, data by source, gaps, rejected records, backlog, tests and size."""

from __future__ import annotations

import streamlit as st

from mercury_spotify.dashboards import formats
from mercury_spotify.dashboards.cards import health as cards
from mercury_spotify.dashboards.catalog import HEALTH
from mercury_spotify.dashboards.page_parts import Filters, card_header, run_card, show_table
from mercury_spotify.dashboards.reader import Reader
from mercury_spotify.dashboards.ui_text import ui


def render(reader: Reader, filters: Filters) -> None:
    """Draw the page; the sidebar filters do not apply because health counts every play."""
    lang = filters.lang
    st.title(HEALTH.title.get(lang))
    st.caption(HEALTH.description.get(lang))

    size_slot, rows_slot = st.columns([1, 2])
    with size_slot:
        card_header(cards.DATABASE_SIZE, lang)
        size = run_card(reader, cards.DATABASE_SIZE, {})
        st.metric(cards.DATABASE_SIZE.column("size_bytes").label.get(lang),
                  formats.size(size.iloc[0]["size_bytes"], lang))
    with rows_slot:
        card_header(cards.TABLE_ROWS, lang)
        show_table(cards.TABLE_ROWS, run_card(reader, cards.TABLE_ROWS, {}), lang)

    card_header(cards.LAST_RUNS, lang)
    show_table(cards.LAST_RUNS, run_card(reader, cards.LAST_RUNS, {}), lang)

    card_header(cards.FAILING_TESTS, lang)
    _failing_tests(reader, lang)

    card_header(cards.FRESHNESS, lang)
    show_table(cards.FRESHNESS, run_card(reader, cards.FRESHNESS, {}), lang)

    left, right = st.columns(2)
    with left:
        card_header(cards.POSSIBLE_GAPS, lang)
        show_table(cards.POSSIBLE_GAPS, run_card(reader, cards.POSSIBLE_GAPS, {}), lang, empty_key="no_gaps")
    with right:
        card_header(cards.REJECTED_RECORDS, lang)
        show_table(cards.REJECTED_RECORDS, run_card(reader, cards.REJECTED_RECORDS, {}), lang,
                   empty_key="no_rejected")

    card_header(cards.ENRICHMENT_BACKLOG, lang)
    show_table(cards.ENRICHMENT_BACKLOG, run_card(reader, cards.ENRICHMENT_BACKLOG, {}), lang)


def _failing_tests(reader: Reader, lang: str) -> None:
    frame = run_card(reader, cards.FAILING_TESTS, {})
    if frame.empty:
        st.info(ui("no_build", lang))
        return
    build = frame.iloc[0]
    when = formats.timestamp(build["started_at"], lang)
    status = formats.code("run_status", build["status"], lang)
    failures = [item.strip() for item in (build["failures"] or "").split(";") if item.strip()]
    if not failures:
        st.success(f"{ui('no_failures', lang)} ({when}, {status})")
        return
    st.error(f"{when}, {status}")
    st.markdown("\n".join(f"- `{failure}`" for failure in failures))
