"""The dashboard definition is complete and consistent for both renderers."""

from __future__ import annotations

import pytest

from mercury_spotify.dashboards.catalog import DASHBOARDS, PARAMETERS, all_cards, dashboard
from mercury_spotify.dashboards.definition import MEASURES, METABASE_DISPLAY, bind_sql, placeholders

CARDS = all_cards()


def test_card_ids_unique():
    ids = [card.id for card in CARDS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("card", CARDS, ids=lambda card: card.id)
def test_card_texts_in_both_languages(card):
    assert card.title.en and card.title.pt_br
    assert card.description.en and card.description.pt_br
    for column in card.columns:
        assert column.label.en and column.label.pt_br


@pytest.mark.parametrize("card", CARDS, ids=lambda card: card.id)
def test_card_parameters_match_sql(card):
    for backend in ("duckdb", "postgres"):
        assert set(placeholders(card.sql_for(backend))) == set(card.parameters)
    assert set(card.parameters) <= set(PARAMETERS)


@pytest.mark.parametrize("card", CARDS, ids=lambda card: card.id)
def test_card_chart_and_measure_known(card):
    assert card.chart in METABASE_DISPLAY
    assert card.measure in MEASURES
    assert all(column.measure in MEASURES for column in card.columns)


@pytest.mark.parametrize("card", CARDS, ids=lambda card: card.id)
def test_card_sql_reads_warehouse_only(card):
    text = card.sql_for("duckdb").lower() + card.sql_for("postgres").lower()
    for word in ("insert ", "update ", "delete ", "drop ", "create ", "alter "):
        assert word not in text


def test_dashboards_cover_their_cards_parameters():
    for item in DASHBOARDS:
        for card in item.cards:
            assert set(card.parameters) <= set(item.parameters)


def test_dashboard_lookup():
    assert dashboard("day").title.pt_br == "Dia"
    with pytest.raises(KeyError):
        dashboard("weekly")


def test_bind_sql_duckdb():
    assert bind_sql("select {{day}} - 1, {{ day }}", "duckdb") == "select $day - 1, $day"


def test_bind_sql_postgres_escapes_percent():
    assert bind_sql("select '5%' || {{listener}}", "postgres") == "select '5%%' || %(listener)s"


def test_placeholders_in_order():
    assert placeholders("{{b}} {{a}} {{b}}") == ["b", "a"]
