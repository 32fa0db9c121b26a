"""Merging API plays with export plays in dbt, on a real DuckDB file with a real dbt build."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from mercury_spotify.pipeline.importer import import_paths
from mercury_spotify.sources.spotify.sync import sync
from mercury_spotify.warehouse import duckdb_file
from tests.spotify.catalogue import add_catalogue
from tests.spotify.conftest import (
    START,
    USER_ID,
    Clock,
    authorize_listener,
    make_http_client,
    make_settings,
    start_stand_in,
)
from tests.spotify.exports import extended_record, write_export

BASE = START - dt.timedelta(days=3)


def fact_rows(settings) -> list[dict]:
    con = duckdb_file.connect(settings.duckdb_path, read_only=True)
    try:
        cursor = con.execute("""
            select t.track_uri, f.ended_at, f.started_at, f.ms_played, f.ms_played_estimated,
                   f.in_extended, f.in_account, f.in_api, f.source
            from dw.fact_play as f left join dw.dim_track as t on t.track_key = f.track_key
            order by f.ended_at, t.track_uri""")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    finally:
        con.close()


def plays_of(rows: list[dict], track) -> list[dict]:
    return [row for row in rows if row["track_uri"] == f"spotify:track:{track.track_id}"]


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    """Sync API plays, then import an extended export and account data that overlap them."""
    tmp_path = tmp_path_factory.mktemp("merge")
    stand_in = start_stand_in()
    clock = Clock(START)
    http_client = make_http_client(clock)
    settings = make_settings(tmp_path / "home", stand_in)
    try:
        return _sync_then_import(settings, stand_in, http_client, clock, tmp_path)
    finally:
        http_client.close()
        stand_in.stop()


def _sync_then_import(settings, stand_in, http_client, clock, tmp_path):
    tracks = add_catalogue(stand_in)
    authorize_listener(settings, http_client, clock)
    at_end, at_start, short_then_full, api_only, account_too = tracks[:5]
    extended = []

    # 1. The API stamps the end: played_at 0.4 s after the export's ts.
    end_1 = BASE + dt.timedelta(minutes=0)
    extended.append(extended_record(end_1, at_end.duration_ms, at_end.track_id, at_end.name,
                                    at_end.artist, at_end.album))
    stand_in.add_play(USER_ID, end_1 + dt.timedelta(milliseconds=400), at_end.track_id)

    # 2. The API stamps the start: played_at 1.2 s after the export's start.
    end_2 = BASE + dt.timedelta(minutes=10)
    extended.append(extended_record(end_2, at_start.duration_ms, at_start.track_id, at_start.name,
                                    at_start.artist, at_start.album))
    stand_in.add_play(USER_ID, end_2 - dt.timedelta(milliseconds=at_start.duration_ms - 1200),
                      at_start.track_id)

    # 3. A 60-second play only in the export, then the same track's full play seen in both.
    end_short = BASE + dt.timedelta(minutes=20)
    end_full = end_short + dt.timedelta(seconds=5, milliseconds=short_then_full.duration_ms)
    extended.append(extended_record(end_short, 60_000, short_then_full.track_id, short_then_full.name,
                                    short_then_full.artist, short_then_full.album, reason_end="fwdbtn"))
    extended.append(extended_record(end_full, short_then_full.duration_ms, short_then_full.track_id,
                                    short_then_full.name, short_then_full.artist, short_then_full.album))
    stand_in.add_play(USER_ID, end_full + dt.timedelta(milliseconds=300), short_then_full.track_id)

    # 4. Two API-only plays; the second started 100 s after the first ended.
    only_1 = BASE + dt.timedelta(minutes=40)
    only_2 = only_1 + dt.timedelta(seconds=100)
    stand_in.add_play(USER_ID, only_1, api_only.track_id)
    stand_in.add_play(USER_ID, only_2, api_only.track_id)

    # 5. A play seen by the API and in account data (minute precision, no URI).
    end_5 = BASE + dt.timedelta(minutes=50, seconds=20)
    stand_in.add_play(USER_ID, end_5, account_too.track_id)
    account = [{"endTime": (end_5 - dt.timedelta(seconds=20)).strftime("%Y-%m-%d %H:%M"),
                "artistName": account_too.artist, "trackName": account_too.name, "msPlayed": 150_000}]

    clock.now = START
    first = sync(settings, http=http_client, now=clock, sleep=clock.sleep)
    assert first.build_failures == []
    before_import = fact_rows(settings)

    export_folder = tmp_path / "export"
    write_export(export_folder, extended)
    (export_folder / "StreamingHistory_music_0.json").write_text(json.dumps(account), encoding="utf-8")
    report = import_paths(settings, [export_folder])
    assert report.build_failures == []
    return tracks, before_import, fact_rows(settings)


def test_every_play_counted_once(merged):
    tracks, before_import, after_import = merged
    assert len(before_import) == 6
    assert len(after_import) == 7


def test_api_end_stamp_merges_with_export(merged):
    tracks, _before, rows = merged
    [play] = plays_of(rows, tracks[0])
    assert (play["source"], play["in_extended"], play["in_api"]) == ("extended", True, True)
    assert play["ms_played"] == tracks[0].duration_ms
    assert not play["ms_played_estimated"]


def test_api_start_stamp_merges_with_export(merged):
    tracks, _before, rows = merged
    [play] = plays_of(rows, tracks[1])
    assert (play["source"], play["in_extended"], play["in_api"]) == ("extended", True, True)


def test_short_export_play_beside_full_play(merged):
    tracks, _before, rows = merged
    short, full = plays_of(rows, tracks[2])
    assert (short["ms_played"], short["in_api"]) == (60_000, False)
    assert (full["ms_played"], full["in_api"], full["source"]) == (tracks[2].duration_ms, True, "extended")


def test_api_only_plays_estimate_ms_played(merged):
    tracks, _before, rows = merged
    first, second = plays_of(rows, tracks[3])
    assert (first["source"], first["ms_played"], first["ms_played_estimated"]) == ("api", tracks[3].duration_ms, True)
    assert (second["ms_played"], second["ms_played_estimated"]) == (100_000, True)
    assert second["started_at"] == first["ended_at"]


def test_account_play_merges_with_api_play(merged):
    tracks, _before, rows = merged
    [play] = plays_of(rows, tracks[4])
    assert (play["source"], play["in_account"], play["in_api"]) == ("api", True, True)
    assert (play["ms_played"], play["ms_played_estimated"]) == (150_000, False)
