"""Resolve track, album and artist metadata one id at a time, most-listened tracks first.

The queue is every distinct Spotify track URI from every source (export and API plays) that has
no row in ``raw.api_track`` yet, ordered by total ms_played (API plays count their track
duration). A resolved track then queues its album and artists. Only a 404 is stored as not
found (``found = false``). Any other failure leaves the id pending for the next run. The batch
endpoints (``/v1/tracks?ids=``) return 403 for apps in Development Mode, so each id costs one
request, and ``max_requests`` caps the requests of one run.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from mercury_spotify.errors import SpotifyNotFoundError
from mercury_spotify.sources.spotify.api import SpotifyApi

log = logging.getLogger(__name__)

# NOTE: Spotify does not publish the size of its rolling 30-second window. 300 requests in a
# 20-minute schedule is one request every 4 s on average, an estimate meant to stay well below it.
DEFAULT_MAX_REQUESTS = 300

_PENDING_TRACKS_SQL = """
    with listened as (
        select track_uri, ms_played from raw.export_play
        where track_uri like 'spotify:track:%'
        union all
        select track_uri, coalesce(duration_ms, 0) as ms_played from raw.api_recent_play
        where track_uri like 'spotify:track:%'
    )
    select l.track_uri, sum(l.ms_played) as total_ms_played
    from listened as l
    where not exists (select 1 from raw.api_track as t where t.track_uri = l.track_uri)
    group by l.track_uri
    order by total_ms_played desc, l.track_uri
"""

_PENDING_ALBUMS_SQL = """
    select t.album_uri
    from raw.api_track as t
    where t.found and t.album_uri like 'spotify:album:%'
      and not exists (select 1 from raw.api_album as a where a.album_uri = t.album_uri)
    group by t.album_uri
    order by min(t.fetched_at), t.album_uri
"""

_PENDING_ARTISTS_SQL = """
    select ta.artist_uri
    from raw.api_track_artist as ta
    where ta.artist_uri like 'spotify:artist:%'
      and not exists (select 1 from raw.api_artist as a where a.artist_uri = ta.artist_uri)
    group by ta.artist_uri
    order by min(ta.artist_position), ta.artist_uri
"""


@dataclass
class EnrichmentResult:
    """Counts of one enrichment run: ids resolved, requests sent, and ids still pending."""

    requests: int = 0
    tracks: int = 0
    albums: int = 0
    artists: int = 0
    not_found: int = 0
    pending_tracks: int = 0
    pending_albums: int = 0
    pending_artists: int = 0

    def as_counts(self) -> dict:
        """Return the counts kept in the run log."""
        return dict(vars(self))


def spotify_id(uri: str) -> str:
    """Return the base-62 id at the end of a Spotify URI such as ``spotify:track:ID``."""
    return uri.rsplit(":", 1)[-1]


def pending_counts(con) -> dict[str, int]:
    """Count the tracks, albums and artists still waiting for a lookup."""
    return {
        "pending_tracks": con.execute(f"select count(*) from ({_PENDING_TRACKS_SQL}) as q").fetchone()[0],
        "pending_albums": con.execute(f"select count(*) from ({_PENDING_ALBUMS_SQL}) as q").fetchone()[0],
        "pending_artists": con.execute(f"select count(*) from ({_PENDING_ARTISTS_SQL}) as q").fetchone()[0],
    }


class Enricher:
    """Looks up pending ids within a request budget and stores each result at once.

    Each result is committed on its own (DuckDB autocommit), so a run stopped by a long
    Retry-After keeps everything it resolved before the stop.
    """

    def __init__(self, api: SpotifyApi, con, run_id: str, max_requests: int,
                 now=lambda: dt.datetime.now(dt.timezone.utc)):
        self.api = api
        self.con = con
        self.run_id = run_id
        self.max_requests = max_requests
        self.now = now
        self.result = EnrichmentResult()

    def run(self) -> EnrichmentResult:
        """Resolve leftovers (albums, artists), then tracks in order, each with its album and artists."""
        try:
            for (album_uri,) in self.con.execute(_PENDING_ALBUMS_SQL).fetchall():
                if not self._budget_left():
                    break
                self._resolve_album(album_uri)
            for (artist_uri,) in self.con.execute(_PENDING_ARTISTS_SQL).fetchall():
                if not self._budget_left():
                    break
                self._resolve_artist(artist_uri)
            for track_uri, _total in self.con.execute(_PENDING_TRACKS_SQL).fetchall():
                if not self._budget_left():
                    break
                self._resolve_track(track_uri)
        finally:
            self.result.__dict__.update(pending_counts(self.con))
        log.info("enrichment: %d requests; %d tracks, %d albums, %d artists resolved, %d not found; "
                 "pending %d tracks, %d albums, %d artists", self.result.requests, self.result.tracks,
                 self.result.albums, self.result.artists, self.result.not_found,
                 self.result.pending_tracks, self.result.pending_albums, self.result.pending_artists)
        return self.result

    def _budget_left(self) -> bool:
        return self.result.requests < self.max_requests

    def _lookup(self, kind: str, uri: str) -> dict | None:
        """GET one object; None for a 404. Other errors propagate and leave the id pending."""
        self.result.requests += 1
        try:
            return self.api.get(f"/v1/{kind}/{spotify_id(uri)}")
        except SpotifyNotFoundError:
            log.info("%s not found on Spotify; stored as not found", uri)
            self.result.not_found += 1
            return None

    def _resolve_track(self, track_uri: str) -> None:
        body = self._lookup("tracks", track_uri)
        now = self.now()
        if body is None:
            self.con.execute("insert into raw.api_track (track_uri, found, fetched_at, run_id) "
                             "values (?, false, ?, ?)", [track_uri, now, self.run_id])
            return
        album = body.get("album") or {}
        artists = [artist for artist in body.get("artists") or [] if artist.get("uri")]
        self.con.execute("begin transaction")
        try:
            self.con.execute(
                "insert into raw.api_track (track_uri, found, track_name, album_uri, album_name, "
                "duration_ms, explicit, isrc, disc_number, track_number, fetched_at, run_id) "
                "values (?, true, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [track_uri, body.get("name"), album.get("uri"), album.get("name"),
                 body.get("duration_ms"), body.get("explicit"),
                 (body.get("external_ids") or {}).get("isrc"), body.get("disc_number"),
                 body.get("track_number"), now, self.run_id])
            for position, artist in enumerate(artists):
                self.con.execute(
                    "insert into raw.api_track_artist (track_uri, artist_position, artist_uri, "
                    "artist_name, run_id) values (?, ?, ?, ?, ?)",
                    [track_uri, position, artist["uri"], artist.get("name"), self.run_id])
            self.con.execute("commit")
        except BaseException:
            self.con.execute("rollback")
            raise
        self.result.tracks += 1

        album_uri = album.get("uri")
        if album_uri and self._budget_left() and not self._known("api_album", "album_uri", album_uri):
            self._resolve_album(album_uri)
        for artist in artists:
            if self._budget_left() and not self._known("api_artist", "artist_uri", artist["uri"]):
                self._resolve_artist(artist["uri"])

    def _known(self, table: str, column: str, uri: str) -> bool:
        return self.con.execute(f"select 1 from raw.{table} where {column} = ?", [uri]).fetchone() is not None

    def _resolve_album(self, album_uri: str) -> None:
        body = self._lookup("albums", album_uri)
        now = self.now()
        if body is None:
            self.con.execute("insert into raw.api_album (album_uri, found, fetched_at, run_id) "
                             "values (?, false, ?, ?)", [album_uri, now, self.run_id])
            return
        self.con.execute(
            "insert into raw.api_album (album_uri, found, album_name, album_type, release_date, "
            "release_date_precision, total_tracks, fetched_at, run_id) "
            "values (?, true, ?, ?, ?, ?, ?, ?, ?)",
            [album_uri, body.get("name"), body.get("album_type"), body.get("release_date"),
             body.get("release_date_precision"), body.get("total_tracks"), now, self.run_id])
        self.result.albums += 1

    def _resolve_artist(self, artist_uri: str) -> None:
        body = self._lookup("artists", artist_uri)
        now = self.now()
        if body is None:
            self.con.execute("insert into raw.api_artist (artist_uri, found, fetched_at, run_id) "
                             "values (?, false, ?, ?)", [artist_uri, now, self.run_id])
            return
        # Spotify deprecated artist genres: a missing field stays null, an empty list becomes ''.
        genres = body.get("genres")
        genres_text = ", ".join(str(genre) for genre in genres) if isinstance(genres, list) else None
        self.con.execute(
            "insert into raw.api_artist (artist_uri, found, artist_name, genres, fetched_at, run_id) "
            "values (?, true, ?, ?, ?, ?)",
            [artist_uri, body.get("name"), genres_text, now, self.run_id])
        self.result.artists += 1
