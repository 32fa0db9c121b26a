"""The import and build give the same warehouse on DuckDB and on PostgreSQL."""

from __future__ import annotations

import pytest

from mercury_spotify.pipeline import figures
from mercury_spotify.pipeline.importer import import_paths
from mercury_spotify.transform.build import build_warehouse
from tests.conftest import make_settings, warehouse_snapshot

# Figures of the demo export (1 year, 8 plays a day, seed 2026) as DuckDB computes them.
EXPECTED_IMPORT = {
    "files_read": 8,
    "records": 6083,
    "rejected": 0,
    "duplicates": 251,
    "new_plays": 2957,
    "merged_with_other_source": 2875,
    "not_counted_as_streams": {"zero_ms": 152, "under_threshold": 1407, "incognito": 32},
}


def test_import_figures(settings, demo_export):
    report = import_paths(settings, demo_export)
    summary = report.as_dict()
    for name, expected in EXPECTED_IMPORT.items():
        assert summary[name] == expected, name
    assert report.build_failures == []
    assert figures.play_count(settings) == EXPECTED_IMPORT["new_plays"]


def test_reimport_changes_nothing(settings, demo_export):
    import_paths(settings, demo_export)
    before = warehouse_snapshot(settings)
    again = import_paths(settings, demo_export)
    assert again.files_read == 0
    assert again.new_plays == 0
    assert warehouse_snapshot(settings) == before


def test_build_without_data(settings):
    result = build_warehouse(settings)
    assert result.ok, result.failures
    assert figures.play_count(settings) == 0


@pytest.mark.postgres
def test_backends_build_identical_warehouses(tmp_path, postgres_database, demo_export):
    duckdb_settings = make_settings(tmp_path / "duck", "duckdb://" + str(tmp_path / "duck" / "mercury.duckdb"))
    postgres_settings = make_settings(tmp_path / "pg", postgres_database)
    duckdb_report = import_paths(duckdb_settings, demo_export)
    postgres_report = import_paths(postgres_settings, demo_export)

    duckdb_summary = {key: value for key, value in duckdb_report.as_dict().items() if key != "run_id"}
    postgres_summary = {key: value for key, value in postgres_report.as_dict().items() if key != "run_id"}
    assert postgres_summary == duckdb_summary

    duckdb_snapshot = warehouse_snapshot(duckdb_settings)
    postgres_snapshot = warehouse_snapshot(postgres_settings)
    assert sorted(postgres_snapshot) == sorted(duckdb_snapshot)
    for table, rows in duckdb_snapshot.items():
        assert postgres_snapshot[table] == rows, table
