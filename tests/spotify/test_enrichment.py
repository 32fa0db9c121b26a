"""The enrichment queue: order, budget, 404 caching, long Retry-After, missing genres."""

from __future__ import annotations

import datetime as dt

import pytest

from mercury_spotify.pipeline.importer import import_paths
from mercury_spotify.sources.spotify.status import spotify_status
from mercury_spotify.sources.spotify.sync import sync, wait_requested_until
from mercury_spotify.warehouse import duckdb_file
from tests.spotify.catalogue import add_catalogue
from tests.spotify.conftest import START, authorize_listener
from tests.spotify.exports import extended_record, write_export
from tests.spotify.stand_in import spotify_id


@pytest.fixture
def tracks(stand_in):
    return add_catalogue(stand_in)


@pytest.fixture
def exported(settings, tracks, tmp_path):
    """An export where track N was listened to (N + 1) times: track 11 most, track 0 least."""
    records = []
    for number, track in enumerate(tracks):
        for repeat in range(number + 1):
            ended = START - dt.timedelta(days=30, hours=number, minutes=5 * repeat)
            records.append(extended_record(ended, track.duration_ms, track.track_id, track.name,
                                           track.artist, track.album))
    import_paths(settings, [write_export(tmp_path / "export", records)], build=False)
    return tracks


@pytest.fixture
def authorized(settings, stand_in, http_client, clock):
    return authorize_listener(settings, http_client, clock)


def run_sync(settings, http_client, clock, max_requests):
    return sync(settings, http=http_client, now=clock, sleep=clock.sleep, build=False,
                max_requests=max_requests)


def lookups(stand_in, kind: str) -> list[str]:
    return [item["path"].rsplit("/", 1)[-1] for item in stand_in.requests_to(f"/v1/{kind}/")]


def query(settings, sql: str) -> list[tuple]:
    con = duckdb_file.connect(settings.duckdb_path, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_most_listened_tracks_first(settings, stand_in, exported, authorized, http_client, clock):
    report = run_sync(settings, http_client, clock, max_requests=100)

    track_order = lookups(stand_in, "tracks")
    assert track_order == [track.track_id for track in reversed(exported)]
    assert report.enrichment.tracks == 12
    assert report.enrichment.albums == 4
    assert report.enrichment.artists == 2
    assert report.enrichment.pending_tracks == 0


def test_budget_spreads_backlog_over_runs(settings, stand_in, exported, authorized, http_client, clock):
    first = run_sync(settings, http_client, clock, max_requests=5)
    assert first.enrichment.requests == 5
    assert stand_in.requests_to("/v1/tracks/")[0]["path"].endswith(exported[11].track_id)
    assert first.enrichment.pending_tracks > 0

    for _ in range(10):
        clock.advance(minutes=20)
        report = run_sync(settings, http_client, clock, max_requests=5)
    assert report.enrichment.pending_tracks == 0
    assert report.enrichment.pending_albums == 0
    assert report.enrichment.pending_artists == 0
    assert len(lookups(stand_in, "tracks")) == 12
    assert len(set(lookups(stand_in, "albums"))) == len(lookups(stand_in, "albums")) == 4


def test_not_found_cached_once(settings, stand_in, exported, authorized, http_client, clock):
    del stand_in.tracks[exported[11].track_id]
    run_sync(settings, http_client, clock, max_requests=100)
    clock.advance(minutes=20)
    run_sync(settings, http_client, clock, max_requests=100)

    assert lookups(stand_in, "tracks").count(exported[11].track_id) == 1
    assert query(settings, "select track_uri, found from raw.api_track where not found") == [
        (f"spotify:track:{exported[11].track_id}", False)]


def test_long_retry_after_stops_then_resumes(settings, stand_in, exported, authorized,
                                                     http_client, clock):
    first = run_sync(settings, http_client, clock, max_requests=3)
    stand_in.fail_next("/v1/tracks/", 429, headers={"Retry-After": "7293"})
    clock.advance(minutes=20)

    stopped = run_sync(settings, http_client, clock, max_requests=100)

    assert first.enrichment.requests == 3
    assert stopped.rate_limited_until == clock.now + dt.timedelta(seconds=7293)
    assert not stopped.ok
    assert clock.slept == []
    assert query(settings, "select count(*) from raw.api_track where not found") == [(0,)]
    assert query(settings, "select status from raw.load_run where kind = 'enrich' order by started_at")[-1] == ("partial",)
    resolved_before = query(settings, "select count(*) from raw.api_track")[0][0]

    clock.advance(minutes=20)
    requests_before = len(stand_in.requests)
    waiting = run_sync(settings, http_client, clock, max_requests=100)
    assert waiting.skipped_until == stopped.rate_limited_until
    assert len(stand_in.requests) == requests_before

    clock.advance(seconds=7293)
    resumed = run_sync(settings, http_client, clock, max_requests=100)
    assert resumed.ok
    assert resumed.enrichment.pending_tracks == 0
    assert query(settings, "select count(*) from raw.api_track where found")[0][0] == 12
    assert query(settings, "select count(*) from raw.api_track")[0][0] > resolved_before
    assert lookups(stand_in, "tracks").count(exported[11].track_id) == 1


def test_status_shows_wait_and_backlog(settings, stand_in, exported, authorized, http_client, clock):
    stand_in.fail_next("/v1/tracks/", 429, headers={"Retry-After": "7293"})
    run_sync(settings, http_client, clock, max_requests=100)

    status = spotify_status(settings, clock())

    assert status.rate_limited_until == clock.now + dt.timedelta(seconds=7293)
    assert status.backlog["pending_tracks"] == 12
    con = duckdb_file.connect(settings.duckdb_path, read_only=True)
    assert wait_requested_until(con) == status.rate_limited_until
    con.close()


def test_server_error_leaves_track_pending(settings, stand_in, exported, authorized, http_client, clock):
    stand_in.fail_next(f"/v1/tracks/{exported[11].track_id}", 500, times=10)

    report = run_sync(settings, http_client, clock, max_requests=100)

    assert report.enrichment_message is not None
    assert query(settings, "select count(*) from raw.api_track") == [(0,)]
    assert report.enrichment.pending_tracks == 12


def test_artist_without_genres_or_popularity(settings, stand_in, exported, authorized, http_client, clock):
    run_sync(settings, http_client, clock, max_requests=100)

    rows = dict(query(settings, "select artist_name, genres from raw.api_artist"))
    assert rows == {"Elis Regina": "mpb, bossa nova", "Tom Jobim": None}


def test_track_artists_kept_in_order(settings, stand_in, exported, authorized, http_client, clock):
    run_sync(settings, http_client, clock, max_requests=100)

    rows = query(settings, f"select artist_position, artist_uri from raw.api_track_artist "
                           f"where track_uri = 'spotify:track:{exported[0].track_id}' order by 1")
    assert rows == [(0, f"spotify:artist:{spotify_id('artist-main')}"),
                    (1, f"spotify:artist:{spotify_id('artist-guest')}")]
    assert query(settings, f"select release_date, album_type from raw.api_album "
                           f"where album_uri = 'spotify:album:{spotify_id('album-0')}'") == [("1970-03-01", "album")]
