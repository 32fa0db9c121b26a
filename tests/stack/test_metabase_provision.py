"""The Metabase provisioner against a stand-in for Metabase's REST API (not a real Metabase)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import subprocess
import sys

import pytest

from mercury_spotify.dashboards.catalog import DASHBOARDS, PARAMETERS
from mercury_spotify.dashboards.definition import METABASE_DISPLAY, Text
from mercury_spotify.dashboards.metabase.client import MetabaseAuthError, MetabaseClient
from mercury_spotify.dashboards.metabase.provision import ProvisionOptions, provision
from tests.stack.metabase_standin import MetabaseStandIn, serve

TODAY = dt.date(2026, 12, 4)
ALL_CARDS = [card for dashboard in DASHBOARDS for card in dashboard.cards]


@pytest.fixture
def standin():
    state = MetabaseStandIn()
    server = serve(state)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def options(**changes) -> ProvisionOptions:
    base = ProvisionOptions(admin_email="admin@example.org", admin_password="admin-secret-1",
                            reader_password="reader-secret-1")
    return dataclasses.replace(base, **changes)


def run(standin, dashboards=DASHBOARDS, **changes):
    return provision(MetabaseClient(standin.url), options(**changes), dashboards=dashboards,
                     parameters=PARAMETERS, today=TODAY)


def snapshot(standin) -> dict:
    """Every object the stand-in holds, for comparing two runs."""
    import copy

    return copy.deepcopy({"databases": standin.databases, "collections": standin.collections,
                          "cards": standin.cards, "dashboards": standin.dashboards,
                          "dashcards": standin.dashcards})


def test_first_run_creates_everything(standin):
    report = run(standin)

    assert standin.admin == {"email": "admin@example.org", "password": "admin-secret-1"}
    assert len(standin.databases) == 1
    database = next(iter(standin.databases.values()))
    assert database["engine"] == "postgres"
    assert database["details"]["user"] == "mercury_reader"
    assert database["details"]["password"] == "reader-secret-1"
    assert database["details"]["host"] == "warehouse"

    mercury = [item for item in standin.collections.values() if item["name"] == "Mercury"]
    assert len(mercury) == 1
    assert len(standin.cards) == len(ALL_CARDS)
    assert {card["name"] for card in standin.cards.values()} == {card.title.en for card in ALL_CARDS}
    assert all(card["collection_id"] == mercury[0]["id"] for card in standin.cards.values())
    assert len(standin.dashboards) == len(DASHBOARDS)
    assert {item["name"] for item in standin.dashboards.values()} == {"Historical", "Day", "Health"}
    assert len(standin.dashcards) == len(ALL_CARDS)
    assert report.count("created") == 1 + 1 + 1 + len(ALL_CARDS) + len(DASHBOARDS)


def test_cards_are_native_questions_with_tags(standin):
    run(standin)
    by_name = {card["name"]: card for card in standin.cards.values()}
    for definition in ALL_CARDS:
        card = by_name[definition.title.en]
        native = card["dataset_query"]["native"]
        assert native["query"] == definition.sql_for("postgres")
        assert set(native["template-tags"]) == set(definition.parameters)
        assert card["display"] == METABASE_DISPLAY[definition.chart]
        for name in definition.parameters:
            assert native["template-tags"][name]["type"] == PARAMETERS[name].metabase_type


def test_day_filter_wired_to_every_card(standin):
    run(standin)
    day = next(item for item in standin.dashboards.values() if item["name"] == "Day")
    date_filters = [item for item in day["parameters"] if item["type"] == "date/single"]
    assert [item["slug"] for item in date_filters] == ["day"]
    assert date_filters[0]["default"] == TODAY.isoformat()

    dashcards = [item for item in standin.dashcards.values() if item["dashboard_id"] == day["id"]]
    assert len(dashcards) == len(next(d for d in DASHBOARDS if d.id == "day").cards)
    for item in dashcards:
        targets = {mapping["parameter_id"]: mapping["target"] for mapping in item["parameter_mappings"]}
        assert targets[date_filters[0]["id"]] == ["variable", ["template-tag", "day"]]


def test_health_dashboard_has_no_filters(standin):
    run(standin)
    health = next(item for item in standin.dashboards.values() if item["name"] == "Health")
    assert health["parameters"] == []


def test_second_run_changes_nothing(standin):
    run(standin)
    before = snapshot(standin)
    writes_before = len(standin.writes())

    report = run(standin)

    assert snapshot(standin) == before
    assert standin.writes()[writes_before:] == []
    assert report.count("created") == 0
    assert report.count("updated") == 0


def test_listing_without_descriptions(standin):
    standin.items_with_description = False
    run(standin)
    before = snapshot(standin)

    report = run(standin)

    assert snapshot(standin) == before
    assert report.count("created") == 0


def test_hand_made_card_adopted_by_name(standin):
    run(standin)
    card = next(item for item in standin.cards.values() if item["name"] == ALL_CARDS[0].title.en)
    card["description"] = "edited by hand"
    count = len(standin.cards)

    run(standin)

    assert len(standin.cards) == count
    assert card["description"].endswith(f"[mercury:card:{ALL_CARDS[0].id}]")


def test_changed_definition_updates_in_place(standin):
    run(standin)
    card_ids_before = set(standin.cards)
    dashcard_ids_before = set(standin.dashcards)

    first = DASHBOARDS[0]
    changed_card = dataclasses.replace(first.cards[0], title=Text("Totals, renamed", "Totais, renomeado"),
                                       sql=first.cards[0].sql + "\n-- changed")
    changed = (dataclasses.replace(first, cards=(changed_card, *first.cards[1:])), *DASHBOARDS[1:])
    report = run(standin, dashboards=changed)

    assert set(standin.cards) == card_ids_before
    assert set(standin.dashcards) == dashcard_ids_before
    updated = [card for card in standin.cards.values() if card["name"] == "Totals, renamed"]
    assert len(updated) == 1
    assert updated[0]["dataset_query"]["native"]["query"].endswith("-- changed")
    assert report.count("created") == 0
    assert ("updated", "card", changed_card.id) in report.actions


def test_removed_card_leaves_dashboard(standin):
    run(standin)
    first = DASHBOARDS[0]
    shorter = (dataclasses.replace(first, cards=first.cards[:-1]), *DASHBOARDS[1:])
    run(standin, dashboards=shorter)

    dashboard = next(item for item in standin.dashboards.values() if item["name"] == first.title.en)
    on_dashboard = [item for item in standin.dashcards.values() if item["dashboard_id"] == dashboard["id"]]
    assert len(on_dashboard) == len(first.cards) - 1


def test_language_change_renames_same_objects(standin):
    run(standin)
    ids_before = (set(standin.cards), set(standin.dashboards))

    run(standin, lang="pt-BR")

    assert (set(standin.cards), set(standin.dashboards)) == ids_before
    assert {item["name"] for item in standin.dashboards.values()} == {"Histórico", "Dia", "Saúde"}
    assert {card["name"] for card in standin.cards.values()} == {card.title.pt_br for card in ALL_CARDS}


def test_existing_metabase_logs_in(standin):
    standin.admin = {"email": "admin@example.org", "password": "admin-secret-1"}
    run(standin)
    assert ("POST", "/api/setup") not in standin.requests
    assert ("POST", "/api/session") in standin.requests


def test_wrong_admin_password_rejected(standin):
    standin.admin = {"email": "admin@example.org", "password": "another"}
    with pytest.raises(MetabaseAuthError):
        run(standin)
    assert standin.cards == {}


def test_no_password_in_report_or_repr(standin):
    report = run(standin)
    text = repr(report.actions) + repr(options())
    assert "reader-secret-1" not in text
    assert "admin-secret-1" not in text


def test_layout_fits_grid(standin):
    run(standin)
    for item in standin.dashcards.values():
        assert item["col"] + item["size_x"] <= 24
    for dashboard in standin.dashboards.values():
        cells = set()
        for item in (d for d in standin.dashcards.values() if d["dashboard_id"] == dashboard["id"]):
            for row in range(item["row"], item["row"] + item["size_y"]):
                for col in range(item["col"], item["col"] + item["size_x"]):
                    assert (row, col) not in cells, f"dashcards overlap at {(row, col)}"
                    cells.add((row, col))


def test_every_placeholder_declared():
    for card in ALL_CARDS:
        used = set(re.findall(r"\{\{\s*([a-z_]+)\s*\}\}", card.sql_for("postgres")))
        assert used == set(card.parameters), card.id


def test_standin_enforces_shapes(standin):
    """The stand-in rejects what Metabase rejects, so the tests above can fail."""
    from mercury_spotify.dashboards.metabase.client import MetabaseError

    run(standin)
    client = MetabaseClient(standin.url)
    client.session_id = next(iter(standin.sessions))
    database_id = next(iter(standin.databases))
    with pytest.raises(MetabaseError, match="missing required keys"):
        client.post("/api/card", {"name": "x", "dataset_query": {"database": database_id, "type": "native",
                                                                 "native": {"query": "select 1"}}})
    with pytest.raises(MetabaseError, match="unknown keys"):
        client.post("/api/collection", {"name": "x", "color": "#509EE3"})
    with pytest.raises(MetabaseError, match="unknown keys"):
        client.post("/api/dashboard", {"name": "x", "dashcards": []})
    dashboard_id = next(iter(standin.dashboards))
    client.put(f"/api/dashboard/{dashboard_id}", {"dashcards": []})
    assert not [item for item in standin.dashcards.values() if item["dashboard_id"] == dashboard_id]


def provision_command(standin, **environment) -> subprocess.CompletedProcess:
    env = {**os.environ, "MERCURY_LANG": "en", **environment}
    return subprocess.run([sys.executable, "-m", "mercury_spotify", "metabase", "provision", "--url", standin.url,
                           "--admin-email", "admin@example.org"], env=env, capture_output=True, text=True,
                          timeout=300)


def test_command_reads_passwords_from_environment(standin):
    result = provision_command(standin, METABASE_ADMIN_PASSWORD="admin-secret-1",
                               MERCURY_READER_PASSWORD="reader-secret-1")
    assert result.returncode == 0, result.stderr
    assert f"{len(ALL_CARDS) + len(DASHBOARDS) + 3} created" in result.stdout
    assert "secret-1" not in result.stdout + result.stderr

    again = provision_command(standin, METABASE_ADMIN_PASSWORD="admin-secret-1",
                              MERCURY_READER_PASSWORD="reader-secret-1")
    assert again.returncode == 0, again.stderr
    assert "0 created, 0 updated" in again.stdout


def test_command_without_password_fails(standin):
    result = provision_command(standin, METABASE_ADMIN_PASSWORD="", MERCURY_READER_PASSWORD="reader-secret-1")
    assert result.returncode == 1
    assert "METABASE_ADMIN_PASSWORD" in result.stderr
    assert standin.requests == []
