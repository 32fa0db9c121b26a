"""A fixture warehouse built by the real import pipeline (landing and dbt) from a small export."""

from __future__ import annotations

from pathlib import Path

import pytest

from mercury_spotify.config import load_settings
from mercury_spotify.pipeline.importer import import_paths
from tests.dashboards.fixture_export import ANA_PLAYS, BEN_PLAYS, REJECTED_RECORD, ZONE, write_export


def build_fixture_warehouse(home: Path):
    """Import Ana's and Ben's exports into a new home and return Ana's settings."""
    export = home / "export"
    url = "duckdb://" + str((home / "mercury.duckdb").resolve())
    base = load_settings(home=home, warehouse=url).with_overrides(default_timezone=ZONE)

    ana = base.with_overrides(listener="ana")
    report = import_paths(ana, [write_export(export / "ana", ANA_PLAYS, "Streaming_History_Audio_2026.json",
                                             extra=[REJECTED_RECORD])])
    assert report.build_failures == []

    ben = base.with_overrides(listener="ben")
    report = import_paths(ben, [write_export(export / "ben", BEN_PLAYS, "Streaming_History_Audio_2026.json")])
    assert report.build_failures == []
    return ana


@pytest.fixture(scope="session")
def fixture_settings(tmp_path_factory, monkeypatch_session):
    """Settings of a warehouse holding the fixture export, built once per test session."""
    home = tmp_path_factory.mktemp("fixture-home")
    monkeypatch_session.setenv("MERCURY_HOME", str(home))
    monkeypatch_session.delenv("MERCURY_WAREHOUSE", raising=False)
    return build_fixture_warehouse(home)


@pytest.fixture(scope="session")
def monkeypatch_session():
    """A monkeypatch that lasts the whole session."""
    patcher = pytest.MonkeyPatch()
    yield patcher
    patcher.undo()
