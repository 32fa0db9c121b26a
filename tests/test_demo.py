"""``mercury demo`` end to end: a synthetic export with real quirks, imported and built."""

import json

from mercury_spotify.demo import run_demo
from tests.conftest import query, scalar


def test_demo_imports_expected_plays(home, monkeypatch):
    report, demo_home = run_demo(home, years=1, plays_per_day=20)
    expected = json.loads((demo_home / "export" / "expected.json").read_text())
    assert demo_home == home / "demo"
    assert report.rejected == 0
    assert report.build_failures == []
    assert report.new_plays == expected["plays"]
    assert report.merged > 0
    assert report.duplicates > 0
    assert {item.reason for item in report.files_skipped} == {
        "not a JSON file", "a JSON object, not a list of plays"}

    from mercury_spotify.config import load_settings

    settings = load_settings(home=demo_home, warehouse="duckdb://" + str(demo_home / "mercury.duckdb"))
    assert scalar(settings, "select count(*) from dw.fact_play") == expected["plays"]
    kinds = dict(query(settings, "select content_type, count(*) from dw.fact_play group by 1"))
    assert set(kinds) == {"track", "episode", "audiobook"}
    assert scalar(settings, "select count(*) from dw.fact_play where in_extended and in_account") == report.merged
    assert query(settings, "select listener_id from dw.dim_listener") == [("demo",)]


def test_demo_twice_changes_nothing(home):
    run_demo(home, years=1, plays_per_day=5)
    report, demo_home = run_demo(home, years=1, plays_per_day=5)
    assert report.files_read == 0
    assert report.new_plays == 0


def test_demo_keeps_user_home_untouched(home):
    run_demo(home, years=1, plays_per_day=5)
    assert not (home / "mercury.duckdb").exists()
