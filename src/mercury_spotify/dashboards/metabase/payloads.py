"""The Metabase objects one dashboard definition turns into: questions, filters and dashcards.

Each card becomes a native SQL question whose text is the card's PostgreSQL SQL unchanged,
because ``{{name}}`` placeholders are Metabase's template-tag syntax. Every id Mercury chooses
(template tags, dashboard filters) is derived from names, so a second run produces identical
payloads and the provisioner can tell "unchanged" from "changed" by comparing them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid

from mercury_spotify.dashboards.definition import METABASE_DISPLAY, NO_MEASURE, Card, Dashboard, Parameter

GRID_COLUMNS = 24  # Metabase's dashboard grid is 24 columns wide
# Width and height in grid cells, by chart type; every other chart is half the width.
CARD_SIZES = {"kpi": (12, 4), "table": (24, 8), "heatmap": (24, 8)}
DEFAULT_CARD_SIZE = (12, 6)

# Metabase filter widget type for each template-tag type of a simple variable.
FILTER_TYPES = {"date": "date/single", "text": "category", "number": "number/="}

# Values a filter starts with. Every parameter is required by the SQL, so each needs one.
# NOTE: the fixed range bounds stand in for "all data" because a single-date filter cannot hold
# a relative date; the day filter starts at the day of the first provisioning (then kept).
# Whether Metabase passes the empty listener default as '' rather than as "no value" is not yet
# checked against a running Metabase.
DEFAULT_VALUES = {
    "start_date": "2008-01-01",  # Spotify opened in 2008; no history starts earlier
    "end_date": "2099-12-31",
    "listener": "",  # every listener
    "include_incognito": "0",
}

MARKER_PREFIX = "mercury:"
_ID_NAMESPACE = uuid.UUID("6d657263-7572-7900-0000-000000000000")


def marker(kind: str, object_id: str) -> str:
    """The tag written at the end of an object's description, so a rename never loses it."""
    return f"[{MARKER_PREFIX}{kind}:{object_id}]"


def with_marker(description: str, kind: str, object_id: str) -> str:
    """``description`` followed by the object's marker on its own line."""
    return f"{description}\n\n{marker(kind, object_id)}"


def has_marker(item: dict, kind: str, object_id: str) -> bool:
    """True when a Metabase object's description carries the marker of ``kind``/``object_id``."""
    return (item.get("description") or "").rstrip().endswith(marker(kind, object_id))


def template_tag_id(card_id: str, parameter: str) -> str:
    """A stable UUID for one template tag of one card."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"{card_id}/{parameter}"))


def filter_id(dashboard_id: str, parameter: str) -> str:
    """A stable eight-character id for one dashboard filter, in the style Metabase generates."""
    return hashlib.sha256(f"{dashboard_id}/{parameter}".encode()).hexdigest()[:8]


def default_value(parameter: Parameter, today: dt.date) -> str:
    """The value a filter or template tag starts with."""
    return DEFAULT_VALUES.get(parameter.name, today.isoformat())


def template_tags(card: Card, parameters: dict[str, Parameter], lang: str, today: dt.date) -> dict:
    """The ``template-tags`` of a card's native query: one required variable per parameter."""
    tags = {}
    for name in card.parameters:
        parameter = parameters[name]
        tags[name] = {
            "id": template_tag_id(card.id, name),
            "name": name,
            "display-name": parameter.label.get(lang),
            "type": parameter.metabase_type,
            "required": True,
            "default": default_value(parameter, today),
        }
    return tags


def card_parameters(card: Card, parameters: dict[str, Parameter], lang: str, today: dt.date) -> list[dict]:
    """The question's own parameter list, one per template tag."""
    return [
        {
            "id": template_tag_id(card.id, name),
            "type": FILTER_TYPES[parameters[name].metabase_type],
            "target": ["variable", ["template-tag", name]],
            "name": parameters[name].label.get(lang),
            "slug": name,
            "default": default_value(parameters[name], today),
        }
        for name in card.parameters
    ]


def visualization_settings(card: Card, lang: str) -> dict:
    """Axes, the shown figure and translated column titles for the card's chart."""
    dimensions = [column.name for column in card.columns if column.measure == NO_MEASURE]
    metrics = [column.name for column in card.columns if column.measure != NO_MEASURE]
    settings: dict = {
        "column_settings": {
            json.dumps(["name", column.name]): {"column_title": column.label.get(lang)}
            for column in card.columns
        },
    }
    display = METABASE_DISPLAY[card.chart]
    if display in ("line", "bar", "row") and dimensions and metrics:
        settings["graph.dimensions"] = dimensions[:2] if card.chart == "grouped_bar" else dimensions[:1]
        settings["graph.metrics"] = metrics
    elif display == "pie" and dimensions and metrics:
        settings["pie.dimension"] = dimensions[0]
        settings["pie.metric"] = metrics[0]
    elif display == "scalar" and metrics:
        settings["scalar.field"] = metrics[0]
    return settings


def card_payload(card: Card, database_id: int, collection_id: int, parameters: dict[str, Parameter],
                 lang: str, today: dt.date) -> dict:
    """The body of ``POST /api/card`` (and ``PUT /api/card/:id``) for one card."""
    return {
        "name": card.title.get(lang),
        "description": with_marker(card.description.get(lang), "card", card.id),
        "collection_id": collection_id,
        "display": METABASE_DISPLAY[card.chart],
        "visualization_settings": visualization_settings(card, lang),
        "parameters": card_parameters(card, parameters, lang, today),
        "dataset_query": {
            "database": database_id,
            "type": "native",
            "native": {
                "query": card.sql_for("postgres"),
                "template-tags": template_tags(card, parameters, lang, today),
            },
        },
    }


def dashboard_filters(dashboard: Dashboard, parameters: dict[str, Parameter], lang: str,
                      defaults: dict[str, object]) -> list[dict]:
    """The dashboard's filters, one per parameter; ``defaults`` maps filter ids to kept values."""
    filters = []
    for name in dashboard.parameters:
        parameter = parameters[name]
        identifier = filter_id(dashboard.id, name)
        filters.append({
            "id": identifier,
            "name": parameter.label.get(lang),
            "slug": name,
            "type": FILTER_TYPES[parameter.metabase_type],
            "default": defaults[identifier],
        })
    return filters


def layout(dashboard: Dashboard) -> list[tuple[int, int, int, int]]:
    """``(row, col, size_x, size_y)`` for each card, filled left to right in definition order."""
    positions = []
    row = col = row_height = 0
    for card in dashboard.cards:
        width, height = CARD_SIZES.get(card.chart, DEFAULT_CARD_SIZE)
        if col + width > GRID_COLUMNS:
            row += row_height
            col = row_height = 0
        positions.append((row, col, width, height))
        col += width
        row_height = max(row_height, height)
    return positions


def dashcards(dashboard: Dashboard, card_ids: dict[str, int], existing: list[dict]) -> list[dict]:
    """The full ``dashcards`` list for ``PUT /api/dashboard/:id``.

    A dashcard that already shows a card keeps its id; a new one gets a negative id, which tells
    Metabase to create it. Dashcards missing from the list are deleted by that PUT.
    """
    existing_by_card = {item.get("card_id"): item["id"] for item in existing}
    result = []
    for number, (card, (row, col, size_x, size_y)) in enumerate(zip(dashboard.cards, layout(dashboard),
                                                                    strict=True), start=1):
        metabase_card_id = card_ids[card.id]
        result.append({
            "id": existing_by_card.get(metabase_card_id, -number),
            "card_id": metabase_card_id,
            "row": row,
            "col": col,
            "size_x": size_x,
            "size_y": size_y,
            "series": [],
            "visualization_settings": {},
            "parameter_mappings": [
                {
                    "parameter_id": filter_id(dashboard.id, name),
                    "card_id": metabase_card_id,
                    "target": ["variable", ["template-tag", name]],
                }
                for name in card.parameters if name in dashboard.parameters
            ],
        })
    return result
