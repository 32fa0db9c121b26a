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
    "records": 6046,
    "rejected": 0,
    "duplicates": 251,
    "new_plays": 2920,
    "merged_with_other_source": 2875,
    "not_counted_as_streams": {"zero_ms": 151, "under_threshold": 1397, "incognito": 30},
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


def test_nul_character_in_name(settings, tmp_path):
    from mercury_spotify.sources.export.synthetic import write_json
    from tests.conftest import _query_rows

    record = {"ts": "2024-05-01T10:00:00Z", "ms_played": 200000, "spotify_track_uri": "spotify:track:" + "a" * 22,
              "master_metadata_track_name": "Wa\u0000ve", "master_metadata_album_artist_name": "Tom Jobim",
              "master_metadata_album_album_name": "Wave", "platform": "android", "conn_country": "BR",
              "reason_start": "clickrow", "reason_end": "trackdone", "shuffle": False, "skipped": False,
              "offline": False, "offline_timestamp": None, "incognito_mode": False}
    path = tmp_path / "Streaming_History_Audio_2024.json"
    write_json(path, [record])

    report = import_paths(settings, [path])
    assert report.records == 1
    assert report.new_plays == 1
    _columns, names = _query_rows(settings, "select track_name from raw.export_play")
    expected = "Wave" if settings.backend == "postgres" else "Wa\u0000ve"
    assert names == [(expected,)]
