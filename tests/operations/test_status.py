"""``mercury status`` on both backends."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mercury_spotify.cli import main
from mercury_spotify.errors import WarehouseError
from mercury_spotify.operations.status import SECTIONS, StatusSection, collect_status, register_section, render_status
from mercury_spotify.pipeline import figures
from mercury_spotify.pipeline.importer import import_paths
from mercury_spotify.sources.export.synthetic import write_json
from mercury_spotify.warehouse import runs
from mercury_spotify.warehouse.store import open_writer


def _bad_records_file(folder):
    good = {"ts": "2024-05-01T10:00:00Z", "ms_played": 200000, "spotify_track_uri": "spotify:track:" + "a" * 22,
            "master_metadata_track_name": "Wave", "master_metadata_album_artist_name": "Tom Jobim",
            "master_metadata_album_album_name": "Wave", "platform": "android", "reason_start": "clickrow",
            "reason_end": "trackdone", "shuffle": False, "skipped": False, "offline": False,
            "offline_timestamp": None, "incognito_mode": False, "episode_name": None,
            "episode_show_name": None, "spotify_episode_uri": None, "conn_country": "BR"}
    bad = dict(good, ms_played=-5)
    path = folder / "Streaming_History_Audio_2024.json"
    write_json(path, [good, bad])
    return path


def test_status_after_import(settings, demo_export):
    import_paths(settings, demo_export)
    status = collect_status(settings)

    assert status["warehouse"]["backend"] == settings.backend
    assert status["runs"]["import"]["status"] == "succeeded"
    assert status["runs"]["import"]["counts"]["records"] == 6046
    assert status["runs"]["build"]["status"] == "succeeded"
    assert status["runs"]["build"]["counts"]["failures"] == []
    assert status["plays"]["plays"] == figures.play_count(settings)
    assert 0 < status["plays"]["streams"] < status["plays"]["plays"]
    assert list(status["plays"]["latest_play"]) == ["me"]
    assert status["plays"]["latest_play"]["me"].startswith("2026-11-30")
    assert status["rejected"] == {"total": 0, "by_reason": {}}
    assert status["failing_tests"]["failures"] == []


def test_status_counts_rejected(settings, tmp_path):
    import_paths(settings, [_bad_records_file(tmp_path)], build=False)
    status = collect_status(settings)
    assert status["rejected"] == {"total": 1, "by_reason": {"ms_played_negative": 1}}
    assert status["plays"] is None
    assert status["failing_tests"] == {"build_run_id": None, "failures": []}
    assert "Rejected records: 1" in render_status(status)


def test_status_shows_failing_tests(settings, tmp_path):
    import_paths(settings, [_bad_records_file(tmp_path)], build=False)
    with open_writer(settings) as store:
        run_id = runs.start_run(store.con, "build")
        runs.finish_run(store.con, run_id, runs.FAILED, counts={"models": 3, "tests": 2,
                                                                "failures": ["not_null_fact_play_play_key: 2"]})
    status = collect_status(settings)
    assert status["failing_tests"] == {"build_run_id": run_id, "failures": ["not_null_fact_play_play_key: 2"]}
    text = render_status(status)
    assert "Failing dbt tests: 1" in text
    assert "not_null_fact_play_play_key: 2" in text
    assert "last success: never" in text


def test_status_json_command(settings, demo_export):
    import_paths(settings, demo_export)
    result = CliRunner().invoke(main, ["--home", str(settings.home), "--warehouse", settings.warehouse_url,
                                       "status", "--json"])
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    assert status["runs"]["import"]["status"] == "succeeded"


def test_status_without_duckdb_file(tmp_path):
    from tests.conftest import make_settings

    settings = make_settings(tmp_path, "duckdb://" + str(tmp_path / "missing.duckdb"))
    with pytest.raises(WarehouseError, match="no warehouse yet"):
        collect_status(settings)


def test_registered_section_reported(settings, tmp_path):
    import_paths(settings, [_bad_records_file(tmp_path)], build=False)
    section = StatusSection("example", lambda con, _settings: {"value": 7},
                            lambda data: [f"Example: {data['value']}"])
    register_section(section)
    try:
        status = collect_status(settings)
        assert status["example"] == {"value": 7}
        assert render_status(status).endswith("Example: 7")
    finally:
        SECTIONS.remove(section)
