"""Pieces every dashboard page uses: the filters in force, card headers, tables and charts."""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd
import streamlit as st

from mercury_spotify.dashboards import formats
from mercury_spotify.dashboards.definition import NO_MEASURE, Card
from mercury_spotify.dashboards.reader import Reader
from mercury_spotify.dashboards.ui_text import ui


@dataclass(frozen=True)
class Filters:
    """Filters set in the sidebar for every page."""

    lang: str
    listener: str  # '' for everyone
    include_incognito: bool

    def values(self) -> dict[str, object]:
        """Return the shared parameter values in the form that the card SQL expects."""
        return {"listener": self.listener, "include_incognito": 1 if self.include_incognito else 0}


def measure_note(measure: str, lang: str) -> str:
    """Describe in words what a figure measures: streams counted or listening time summed."""
    return ui(f"measure_{measure}", lang)


def card_header(card: Card, lang: str) -> None:
    """Show the card's title, then what it measures and its description."""
    st.subheader(card.title.get(lang), anchor=card.id)
    note = measure_note(card.measure, lang)
    caption = card.description.get(lang)
    st.caption(f"**{note[0].upper() + note[1:]}.** {caption}" if card.measure != NO_MEASURE else caption)


def show_chart(card: Card, chart: alt.Chart) -> None:
    """Draw an Altair chart with the card's id as its key."""
    st.altair_chart(chart, key=f"chart_{card.id}")


def text_table(card: Card, frame: pd.DataFrame, lang: str, columns: list[str] | None = None) -> pd.DataFrame:
    """Return the rows as formatted text under translated headers."""
    names = columns or [column.name for column in card.columns]
    table = pd.DataFrame({
        card.column(name).label.get(lang): [formats.cell(card.column(name), value, lang)
                                            for value in frame[name]]
        for name in names
    })
    return table


def show_table(card: Card, frame: pd.DataFrame, lang: str, columns: list[str] | None = None,
               empty_key: str = "no_rows", scrolling: bool = False) -> None:
    """Show a card's rows as a table, or a sentence when there are none."""
    if frame.empty:
        st.info(ui(empty_key, lang))
        return
    table = text_table(card, frame, lang, columns)
    if scrolling:
        st.dataframe(table, hide_index=True, key=f"table_{card.id}")
    else:
        st.table(table.set_index(table.columns[0]))


def run_card(reader: Reader, card: Card, values: dict[str, object]) -> pd.DataFrame:
    """Run the card with the values of the parameters it declares."""
    return reader.run_card(card, {name: values[name] for name in card.parameters})
