"""Each dashboard page rendered headless by Streamlit's AppTest on the fixture warehouse.

With two listeners in the fixture, the pages start with everyone's plays (Ana's and Ben's),
without incognito plays. On 2026-03-10 that is 1,065 s of Ana's plus Ben's 90 s, so 19.25
minutes and 5 streams. On 2026-03-09 it is 440 s (7.33 minutes) and 2 streams.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import mercury_spotify.dashboards

APP = str(Path(mercury_spotify.dashboards.__path__[0]) / "app.py")


@pytest.fixture
def app_env(fixture_settings, monkeypatch):
    monkeypatch.setenv("MERCURY_HOME", str(fixture_settings.home))
    monkeypatch.setenv("MERCURY_WAREHOUSE", fixture_settings.warehouse_url)
    monkeypatch.setenv("MERCURY_LANG", "en")
    return fixture_settings


def open_page(page: str, lang: str | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.query_params["page"] = page
    if lang:
        app.query_params["lang"] = lang
    app.run()
    assert not app.exception, [item.value for item in app.exception]
    return app


def metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def deltas(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.delta for metric in app.metric}


def charts(app: AppTest) -> list[dict]:
    return [json.loads(element.proto.spec) for element in app.get("vega_lite_chart")]


def test_historical_page_totals(app_env):
    app = open_page("historical")
    assert app.title[0].value == "Historical"
    assert metrics(app) == {"Hours played": "0.5", "Streams": "9", "Distinct tracks": "4",
                            "Distinct artists": "3", "Distinct albums": "3"}
    assert len(charts(app)) == 9


def test_historical_listener_and_incognito(app_env):
    app = open_page("historical")
    app.sidebar.selectbox(key="listener_en").set_value("ana").run()
    assert metrics(app)["Streams"] == "8"
    app.sidebar.toggle(key="include_incognito").set_value(True).run()
    assert metrics(app)["Streams"] == "9"


def test_historical_range_follows_listener(app_env):
    app = open_page("historical")
    app.sidebar.selectbox(key="listener_en").set_value("ben").run()
    assert not app.exception
    assert app.date_input(key="historical_range").value == (dt.date(2026, 3, 10), dt.date(2026, 3, 10))
    assert metrics(app)["Streams"] == "1"


def test_historical_date_range(app_env):
    app = open_page("historical")
    app.date_input(key="historical_range").set_value((dt.date(2026, 3, 9), dt.date(2026, 3, 9))).run()
    assert metrics(app)["Streams"] == "2"
    assert "2026-03-09 – 2026-03-09" in app.markdown[0].value


def test_historical_chart_tooltips_translated(app_env):
    app = open_page("historical", lang="pt-BR")
    spec = next(chart for chart in charts(app) if chart.get("mark", {}).get("type") == "rect")
    titles = [item["title"] for item in spec["encoding"]["tooltip"]]
    assert titles == ["Dia da semana", "Hora", "Horas ouvidas", "Streams"]
    assert spec["config"]["locale"]["number"]["decimal"] == ","


def test_day_page_defaults_to_latest_day(app_env):
    app = open_page("day")
    assert app.date_input(key="day_picked").value == dt.date(2026, 3, 10)
    assert metrics(app)["Minutes played"] == "19.3"
    assert metrics(app)["Streams"] == "5"
    assert deltas(app)["Minutes played"] == "+11.9 (+162.5%)"
    assert deltas(app)["Streams"] == "+3 (+150.0%)"
    assert len(charts(app)) == 3


def test_day_page_previous_button(app_env):
    app = open_page("day")
    app.button(key="day_previous").click().run()
    assert app.date_input(key="day_picked").value == dt.date(2026, 3, 9)
    assert metrics(app)["Minutes played"] == "7.3"
    assert metrics(app)["Streams"] == "2"
    assert deltas(app)["Streams"] == ""
    assert any(item.value == "No plays the day before." for item in app.caption)


def test_day_page_date_picker(app_env):
    app = open_page("day")
    app.date_input(key="day_picked").set_value(dt.date(2026, 2, 20)).run()
    assert metrics(app)["Minutes played"] == "5.0"
    assert metrics(app)["Streams"] == "2"
    app.button(key="day_next").click().run()
    assert app.date_input(key="day_picked").value == dt.date(2026, 2, 21)
    assert metrics(app)["Streams"] == "0"


def test_day_page_first_listens_table(app_env):
    app = open_page("day")
    first_listens = app.table[0].value
    assert first_listens.index.tolist() == ["08:10"]
    assert first_listens.iloc[0].tolist()[:2] == ["Wave", "Tom Jobim"]


def test_language_switch(app_env):
    app = open_page("day")
    app.sidebar.selectbox(key="listener_en").set_value("ana").run()
    app.sidebar.radio(key="lang").set_value("pt-BR").run()
    assert app.sidebar.selectbox(key="listener_pt-BR").value == "ana"
    app.sidebar.selectbox(key="listener_pt-BR").set_value("").run()
    assert app.title[0].value == "Dia"
    assert metrics(app)["Minutos ouvidos"] == "19,3"
    assert deltas(app)["Minutos ouvidos"] == "+11,9 (+162,5%)"
    assert any(item.value == "### ter. 10/03/2026" for item in app.markdown)


def test_language_from_environment(app_env, monkeypatch):
    monkeypatch.setenv("MERCURY_LANG", "pt-BR")
    app = open_page("historical")
    assert app.title[0].value == "Histórico"
    assert metrics(app)["Horas ouvidas"] == "0,5"


def test_health_page(app_env):
    app = open_page("health")
    assert app.title[0].value == "Health"
    assert list(metrics(app)) == ["Size"]
    tables = [table.value for table in app.table]
    runs = tables[1]
    assert runs.index.tolist() == ["Build", "Import"]
    rejected = next(table for table in tables if table.index.name == "Reason")
    assert rejected.index.tolist() == ["ms_played_negative"]
    assert any("passed every data test" in item.value for item in app.success)


def test_page_switch_in_sidebar(app_env):
    app = open_page("historical")
    app.sidebar.radio(key="page").set_value("health").run()
    assert app.title[0].value == "Health"


def test_empty_warehouse_explains_import(app_env, monkeypatch, tmp_path):
    monkeypatch.setenv("MERCURY_WAREHOUSE", "duckdb://" + str(tmp_path / "mercury.duckdb"))
    app = open_page("historical")
    assert app.title[0].value == "No listening history yet"
    assert "mercury import" in app.markdown[0].value
    assert "mercury demo" in app.markdown[0].value
    assert not (tmp_path / "mercury.duckdb").exists()


def test_older_build_asks_for_rebuild(app_env, monkeypatch, tmp_path):
    import duckdb

    path = tmp_path / "mercury.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema dw")
    con.execute("create table dw.fact_play as select 1 as play_key")
    con.close()
    monkeypatch.setenv("MERCURY_WAREHOUSE", "duckdb://" + str(path))
    app = open_page("historical")
    assert "mercury build" in app.warning[0].value
