"""Polling recently played: cursors, lookback, late and out-of-order items, possible gaps."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from mercury_spotify.sources.spotify.status import spotify_status
from mercury_spotify.sources.spotify.sync import sync
from mercury_spotify.warehouse import duckdb_file
from tests.spotify.catalogue import add_catalogue
from tests.spotify.conftest import START, USER_ID, authorize_listener


@pytest.fixture
def tracks(stand_in):
    return add_catalogue(stand_in)


@pytest.fixture
def authorized(settings, stand_in, http_client, clock):
    return authorize_listener(settings, http_client, clock)


def run_sync(settings, http_client, clock, **options):
    options.setdefault("max_requests", 0)
    return sync(settings, http=http_client, now=clock, sleep=clock.sleep, build=False, **options)


def stored_plays(settings) -> list[tuple[dt.datetime, str]]:
    con = duckdb_file.connect(settings.duckdb_path, read_only=True)
    try:
        return con.execute("select played_at, track_uri from raw.api_recent_play order by 1, 2").fetchall()
    finally:
        con.close()


def sync_counts(settings) -> list[dict]:
    con = duckdb_file.connect(settings.duckdb_path, read_only=True)
    try:
        rows = con.execute("select counts from raw.load_run where kind = 'sync' order by started_at").fetchall()
    finally:
        con.close()
    return [json.loads(counts) for (counts,) in rows]


def test_first_poll_stores_every_play(settings, stand_in, tracks, authorized, http_client, clock):
    for minute in range(70):
        stand_in.add_play(USER_ID, START - dt.timedelta(minutes=4 * minute), tracks[minute % 12].track_id)

    report = run_sync(settings, http_client, clock)

    assert report.listeners[0].new_plays == 70
    assert len(stored_plays(settings)) == 70
    assert report.listeners[0].possible_gap is None
    pages = stand_in.requests_to("/v1/me/player/recently-played")
    assert pages[0]["query"] == {"limit": "50"}
    assert "before" in pages[1]["query"]


def test_repoll_changes_nothing(settings, stand_in, tracks, authorized, http_client, clock):
    for minute in range(10):
        stand_in.add_play(USER_ID, START - dt.timedelta(minutes=4 * minute), tracks[minute].track_id)
    run_sync(settings, http_client, clock)
    clock.advance(minutes=20)

    second = run_sync(settings, http_client, clock)

    assert second.listeners[0].new_plays == 0
    assert len(stored_plays(settings)) == 10


def test_late_out_of_order_item_kept(settings, stand_in, tracks, authorized, http_client, clock):
    ten = START.replace(hour=10, minute=0)
    stand_in.add_play(USER_ID, ten + dt.timedelta(minutes=5), tracks[0].track_id)
    clock.now = ten + dt.timedelta(minutes=6)
    run_sync(settings, http_client, clock)

    stand_in.add_play(USER_ID, ten + dt.timedelta(minutes=2), tracks[1].track_id)
    clock.now = ten + dt.timedelta(minutes=26)
    second = run_sync(settings, http_client, clock)

    assert second.listeners[0].new_plays == 1
    assert [played_at.minute for played_at, _uri in stored_plays(settings)] == [2, 5]


def test_offline_plays_two_days_late_kept(settings, stand_in, tracks, authorized, http_client, clock):
    for minute in range(5):
        stand_in.add_play(USER_ID, START - dt.timedelta(minutes=4 * minute), tracks[minute].track_id)
    run_sync(settings, http_client, clock)

    offline_start = START - dt.timedelta(days=2)
    for number in range(80):
        stand_in.add_play(USER_ID, offline_start + dt.timedelta(minutes=3 * number, milliseconds=number),
                          tracks[number % 12].track_id)
    clock.advance(minutes=20)
    late = run_sync(settings, http_client, clock)
    clock.advance(minutes=20)
    again = run_sync(settings, http_client, clock)

    assert late.listeners[0].new_plays == 80
    assert again.listeners[0].new_plays == 0
    assert len(stored_plays(settings)) == 85
    assert len(set(stored_plays(settings))) == 85


def test_full_page_of_new_plays_flags_gap(settings, stand_in, tracks, authorized, http_client, clock):
    stand_in.history_limit = 50
    known = START - dt.timedelta(hours=10)
    stand_in.add_play(USER_ID, known, tracks[0].track_id)
    run_sync(settings, http_client, clock)

    for number in range(1, 121):
        stand_in.add_play(USER_ID, known + dt.timedelta(minutes=4 * number), tracks[number % 12].track_id)
    clock.now = known + dt.timedelta(minutes=4 * 121)
    report = run_sync(settings, http_client, clock)

    gap = report.listeners[0].possible_gap
    assert gap is not None
    assert dt.datetime.fromisoformat(gap["after"]) == known
    assert dt.datetime.fromisoformat(gap["before"]) == known + dt.timedelta(minutes=4 * 71)
    assert sync_counts(settings)[-1]["possible_gap"] == gap
    status = spotify_status(settings, clock())
    assert [(item.listener_id, item.after, item.filled_by_export) for item in status.gaps] == [
        ("me", known, False)]


def test_reaching_known_plays_flags_no_gap(settings, stand_in, tracks, authorized, http_client, clock):
    known = START - dt.timedelta(hours=10)
    stand_in.add_play(USER_ID, known, tracks[0].track_id)
    run_sync(settings, http_client, clock)
    for number in range(1, 61):
        stand_in.add_play(USER_ID, known + dt.timedelta(minutes=4 * number), tracks[number % 12].track_id)
    clock.now = known + dt.timedelta(minutes=4 * 61)

    report = run_sync(settings, http_client, clock)

    assert report.listeners[0].new_plays == 60
    assert report.listeners[0].possible_gap is None
    assert "possible_gap" not in sync_counts(settings)[-1]


def test_lookback_rereads_two_hours(settings, stand_in, tracks, authorized, http_client, clock):
    for number in range(120):
        stand_in.add_play(USER_ID, START - dt.timedelta(minutes=2 * number), tracks[number % 12].track_id)
    run_sync(settings, http_client, clock)
    requests_before = len(stand_in.requests_to("/v1/me/player/recently-played"))

    clock.advance(minutes=20)
    run_sync(settings, http_client, clock)

    # Page 1 contains 98 minutes of known plays, so Mercury reads page 2 to cover 2 hours.
    pages = stand_in.requests_to("/v1/me/player/recently-played")[requests_before:]
    assert len(pages) == 2
    first_page_oldest_ms = int(pages[1]["query"]["before"])
    assert first_page_oldest_ms > (START - dt.timedelta(hours=2)).timestamp() * 1000


def test_item_without_track_rejected(settings, stand_in, tracks, authorized, http_client, clock, monkeypatch):
    stand_in.add_play(USER_ID, START - dt.timedelta(minutes=4), tracks[0].track_id)
    stand_in.add_play(USER_ID, START - dt.timedelta(minutes=8), tracks[1].track_id)
    original = stand_in.track_object

    def without_uri(track_id):
        body = original(track_id)
        if track_id == tracks[1].track_id:
            body.pop("uri")
        return body

    monkeypatch.setattr(stand_in, "track_object", without_uri)
    report = run_sync(settings, http_client, clock)

    assert report.listeners[0].new_plays == 1
    con = duckdb_file.connect(settings.duckdb_path, read_only=True)
    rows = con.execute("select source, record_index, reason from raw.rejected_record").fetchall()
    con.close()
    assert rows == [("api:/v1/me/player/recently-played", 1, "played_at_or_track_uri_missing")]


def test_rate_limit_on_page_two_keeps_page_one(settings, stand_in, tracks, authorized, http_client, clock):
    for number in range(70):
        stand_in.add_play(USER_ID, START - dt.timedelta(minutes=4 * number), tracks[number % 12].track_id)
    stand_in.fail_next("/v1/me/player/recently-played", 429, headers={"Retry-After": "7293"}, skip=1)

    stopped = run_sync(settings, http_client, clock)
    clock.advance(seconds=7293)
    resumed = run_sync(settings, http_client, clock)

    assert stopped.listeners[0].outcome == "rate_limited"
    assert stopped.rate_limited_until == START + dt.timedelta(seconds=7293)
    assert resumed.listeners[0].new_plays == 20
    assert len(stored_plays(settings)) == 70
