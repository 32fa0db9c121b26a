"""The dashboards, defined once for every renderer: cards, their SQL, parameters and charts.

The built-in Streamlit pages render these definitions now, and a Metabase provisioner can turn
each card into a native SQL question, so both show the same numbers.

Parameters are written in the SQL as ``{{name}}``, which is exactly the template-tag syntax of
Metabase's native queries, so a provisioner copies the SQL unchanged and declares one template
tag per ``Parameter`` (``metabase_type`` gives its type). The built-in renderer binds the same
names through the database driver (``bind_sql``), never by pasting values into the text. Every
parameter is required, so no card uses Metabase's optional ``[[ ... ]]`` clauses:

- ``listener`` is a listener id, or ``''`` for every listener;
- ``include_incognito`` is ``1`` to count incognito plays and ``0`` to leave them out, because
  Metabase has no boolean template tag;
- dates are calendar days in the listener's local time.

The SQL is the common subset of DuckDB and PostgreSQL: ``count(*) filter (where ...)``,
``make_date``, ``date - integer``, and division by a decimal literal so that integers never
divide as integers on PostgreSQL. A card that cannot be portable (the database size) carries
one query per backend in ``dialect_sql`` instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Measures: what a figure counts or sums. Every figure on a dashboard names its measure.
STREAMS = "streams"  # plays of at least the stream threshold (30 s by default), counted
LISTENING_TIME = "listening_time"  # ms_played summed, shown in hours or minutes
PLAYS = "plays"  # every play with a known skip flag (skip rate)
NO_MEASURE = "none"  # health and lists, which neither count streams nor sum listening time

MEASURES = (STREAMS, LISTENING_TIME, PLAYS, NO_MEASURE)

# Chart types the renderers know, with the Metabase visualization each maps to.
METABASE_DISPLAY = {
    "kpi": "scalar",
    "line": "line",
    "bar": "bar",
    "grouped_bar": "bar",
    "horizontal_bar": "row",
    "heatmap": "table",
    "donut": "pie",
    "table": "table",
}

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")


@dataclass(frozen=True)
class Text:
    """A piece of user-facing text in English and Brazilian Portuguese."""

    en: str
    pt_br: str

    def get(self, lang: str) -> str:
        """Return the text in ``lang`` (``en`` or ``pt-BR``)."""
        return self.pt_br if lang == "pt-BR" else self.en


@dataclass(frozen=True)
class Parameter:
    """A value a card's SQL needs, written ``{{name}}`` in it."""

    name: str
    label: Text
    metabase_type: str  # "date", "text" or "number": the Metabase template-tag type


@dataclass(frozen=True)
class Column:
    """One result column of a card: its label, unit and measure, for axes, tooltips and tables.

    ``unit`` sets how the renderer formats a value: ``hours``, ``minutes``, ``count``,
    ``share`` (a fraction shown as a percentage), ``date``, ``month``, ``timestamp``,
    ``local_time``, ``bytes``, ``flag`` or ``text``.
    """

    name: str
    label: Text
    unit: str = "text"
    measure: str = NO_MEASURE


@dataclass(frozen=True)
class Card:
    """One query and how to show it."""

    id: str
    title: Text
    description: Text
    sql: str
    chart: str
    measure: str
    columns: tuple[Column, ...]
    parameters: tuple[str, ...] = ()
    dialect_sql: dict[str, str] = field(default_factory=dict)

    def sql_for(self, backend: str) -> str:
        """Return the card's SQL for ``duckdb`` or ``postgres``: the portable text unless overridden."""
        return self.dialect_sql.get(backend, self.sql)

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"card {self.id} has no column {name!r}")


@dataclass(frozen=True)
class Dashboard:
    """A page of cards that share parameters."""

    id: str
    title: Text
    description: Text
    parameters: tuple[str, ...]
    cards: tuple[Card, ...]

    def card(self, card_id: str) -> Card:
        """Return the card with id ``card_id``."""
        for card in self.cards:
            if card.id == card_id:
                return card
        raise KeyError(f"dashboard {self.id} has no card {card_id!r}")


def placeholders(sql: str) -> list[str]:
    """Return the parameter names that a SQL text uses, in order of first use."""
    names: list[str] = []
    for match in _PLACEHOLDER.finditer(sql):
        if match.group(1) not in names:
            names.append(match.group(1))
    return names


def bind_sql(sql: str, backend: str) -> str:
    """Rewrite ``{{name}}`` placeholders in the driver's named-parameter style.

    DuckDB takes ``$name``; psycopg takes ``%(name)s``, and then a literal ``%`` must be doubled.
    """
    if backend == "duckdb":
        return _PLACEHOLDER.sub(lambda match: "$" + match.group(1), sql)
    if backend == "postgres":
        escaped = sql.replace("%", "%%")
        return _PLACEHOLDER.sub(lambda match: f"%({match.group(1)})s", escaped)
    raise ValueError(f"unknown backend {backend!r}; expected 'duckdb' or 'postgres'")
