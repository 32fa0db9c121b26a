"""The three dashboards and their parameters: the single definition every renderer reads."""

from __future__ import annotations

from mercury_spotify.dashboards.cards import day, health, historical
from mercury_spotify.dashboards.definition import Card, Dashboard, Parameter, Text

PARAMETERS: dict[str, Parameter] = {
    parameter.name: parameter
    for parameter in (
        Parameter("start_date", Text("From", "De"), "date"),
        Parameter("end_date", Text("To", "Até"), "date"),
        Parameter("day", Text("Day", "Dia"), "date"),
        Parameter("listener", Text("Listener (empty: everyone)", "Ouvinte (vazio: todos)"), "text"),
        Parameter("include_incognito", Text("Include incognito plays (1 = yes, 0 = no)",
                                            "Incluir reproduções anônimas (1 = sim, 0 = não)"), "number"),
    )
}

HISTORICAL = Dashboard(
    id="historical",
    title=Text("Historical", "Histórico"),
    description=Text("Your listening over the chosen dates.", "Sua escuta no período escolhido."),
    parameters=historical.RANGE_PARAMETERS,
    cards=historical.CARDS,
)

DAY = Dashboard(
    id="day",
    title=Text("Day", "Dia"),
    description=Text("One day compared with the day before.", "Um dia comparado com o dia anterior."),
    parameters=day.DAY_PARAMETERS,
    cards=day.CARDS,
)

HEALTH = Dashboard(
    id="health",
    title=Text("Health", "Saúde"),
    description=Text("Runs, data freshness, gaps, rejected records and the enrichment backlog.",
                     "Execuções, atualidade dos dados, lacunas, registros rejeitados e "
                     "pendências de enriquecimento."),
    parameters=(),
    cards=health.CARDS,
)

DASHBOARDS: tuple[Dashboard, ...] = (HISTORICAL, DAY, HEALTH)

# Queries the built-in pages need to fill their controls; they are not cards of any dashboard.
LISTENERS_SQL = """select listener_id, display_name
from dw.dim_listener
order by listener_id"""

DATA_BOUNDS_SQL = """select
    min(d.full_date) as first_day,
    max(d.full_date) as last_day,
    count(*) as plays
from dw.fact_play as f
inner join dw.dim_date as d on d.date_key = f.date_key
inner join dw.dim_listener as l on l.listener_key = f.listener_key
where ({{listener}} = '' or l.listener_id = {{listener}})
  and (not coalesce(f.incognito, false) or {{include_incognito}} = 1)"""


def dashboard(dashboard_id: str) -> Dashboard:
    """Return the dashboard with id ``dashboard_id``."""
    for candidate in DASHBOARDS:
        if candidate.id == dashboard_id:
            return candidate
    raise KeyError(f"no dashboard {dashboard_id!r}; expected one of "
                   + ", ".join(item.id for item in DASHBOARDS))


def all_cards() -> list[Card]:
    """Return every card of every dashboard."""
    return [card for item in DASHBOARDS for card in item.cards]
