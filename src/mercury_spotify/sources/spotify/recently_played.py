"""Poll a listener's recently played tracks into ``raw.api_recent_play``.

Spotify keeps only about the last 50 plays, and items can arrive late and out of order. So each
poll starts at the newest page and walks the ``before`` cursors back while a page still contains
plays Mercury has not stored. It also walks on while a page is newer than the lookback horizon,
the newest stored play minus ``lookback``. Storing is idempotent because a play is identified by
(listener, played_at, track URI).

A poll whose items are all newer than the newest stored play, and that filled at least one whole
page, may have missed plays in between: that is recorded as a possible gap.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass

from mercury_spotify.sources.spotify.api import SpotifyApi

log = logging.getLogger(__name__)

ENDPOINT = "/v1/me/player/recently-played"
PAGE_LIMIT = 50
DEFAULT_LOOKBACK = dt.timedelta(hours=2)
MAX_PAGES = 20
MAX_REJECTED_TEXT_CHARS = 100_000


@dataclass
class PollResult:
    """Counts of one poll of one listener, and the possible gap it found."""

    items: int = 0
    new_plays: int = 0
    pages: int = 0
    rejected: int = 0
    possible_gap: dict | None = None

    def as_counts(self) -> dict:
        """Return the counts kept in the run log."""
        counts = {"items": self.items, "new_plays": self.new_plays, "pages": self.pages,
                  "rejected": self.rejected}
        if self.possible_gap:
            counts["possible_gap"] = self.possible_gap
        return counts


@dataclass(frozen=True)
class RecentPlay:
    """One recently played item, as stored."""

    played_at: dt.datetime
    track_uri: str
    track_name: str | None
    artist_uri: str | None
    artist_name: str | None
    album_uri: str | None
    album_name: str | None
    duration_ms: int | None
    context_type: str | None
    context_uri: str | None

    @property
    def key(self) -> tuple[int, str]:
        """The play's identity for one listener: played_at in milliseconds and the track URI."""
        return epoch_ms(self.played_at), self.track_uri


def epoch_ms(instant: dt.datetime) -> int:
    """Return the milliseconds since 1970-01-01 UTC of an aware datetime."""
    return round(instant.timestamp() * 1000)


def parse_item(item: dict) -> RecentPlay | None:
    """Parse a play history object; return None when it has no played_at or track URI."""
    track = item.get("track") or {}
    played_at = item.get("played_at")
    uri = track.get("uri")
    if not played_at or not uri:
        return None
    try:
        instant = dt.datetime.fromisoformat(str(played_at).replace("Z", "+00:00"))
    except ValueError:
        return None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.timezone.utc)
    artists = track.get("artists") or [{}]
    album = track.get("album") or {}
    context = item.get("context") or {}
    duration = track.get("duration_ms")
    return RecentPlay(
        played_at=instant.astimezone(dt.timezone.utc),
        track_uri=str(uri),
        track_name=track.get("name"),
        artist_uri=artists[0].get("uri"),
        artist_name=artists[0].get("name"),
        album_uri=album.get("uri"),
        album_name=album.get("name"),
        duration_ms=int(duration) if isinstance(duration, (int, float)) else None,
        context_type=context.get("type"),
        context_uri=context.get("uri"),
    )


def newest_stored_play(con, listener_id: str) -> dt.datetime | None:
    """Return the latest played_at stored for the listener."""
    row = con.execute("select max(played_at) from raw.api_recent_play where listener_id = ?",
                      [listener_id]).fetchone()
    return row[0] if row else None


def _stored_keys(con, listener_id: str, plays: list[RecentPlay]) -> set[tuple[int, str]]:
    if not plays:
        return set()
    earliest = min(play.played_at for play in plays)
    latest = max(play.played_at for play in plays)
    rows = con.execute(
        "select played_at, track_uri from raw.api_recent_play "
        "where listener_id = ? and played_at between ? and ?",
        [listener_id, earliest, latest]).fetchall()
    return {(epoch_ms(played_at), uri) for played_at, uri in rows}


def last_poll_completed(con, listener_id: str) -> bool:
    """Tell whether the listener's latest finished sync run walked all the pages it needed.

    A poll stopped part-way (rate limit, error, crash) may have left older pages unread, which
    the lookback alone would not reach again.
    """
    row = con.execute(
        "select status from raw.load_run where kind = 'sync' and listener_id = ? "
        "and status <> 'running' order by started_at desc limit 1", [listener_id]).fetchone()
    return row is None or row[0] == "succeeded"


def poll(api: SpotifyApi, con, run_id: str, now: dt.datetime,
         lookback: dt.timedelta = DEFAULT_LOOKBACK) -> PollResult:
    """Fetch the listener's recently played pages and store the plays not stored yet.

    After a poll that stopped part-way, this one walks every page Spotify serves.
    """
    listener_id = api.listener_id
    result = PollResult()
    newest_before = newest_stored_play(con, listener_id)
    walk_all = not last_poll_completed(con, listener_id)
    horizon = newest_before - lookback if newest_before is not None and not walk_all else None
    params: dict = {"limit": PAGE_LIMIT}
    seen: dict[tuple[int, str], RecentPlay] = {}
    oldest_item: dt.datetime | None = None

    while result.pages < MAX_PAGES:
        body = api.get(ENDPOINT, params)
        result.pages += 1
        items = body.get("items") or []
        page: list[RecentPlay] = []
        for index, item in enumerate(items):
            play = parse_item(item)
            if play is None:
                _reject(con, run_id, result.items + index, item)
                result.rejected += 1
                continue
            page.append(play)
        result.items += len(items)
        for play in page:
            oldest_item = play.played_at if oldest_item is None else min(oldest_item, play.played_at)
        stored = _stored_keys(con, listener_id, page)
        page_new = [play for play in page if play.key not in stored and play.key not in seen]
        for play in page_new:
            seen[play.key] = play
        # Each page is stored at once, so a later page that fails (a long 429) loses nothing.
        _insert(con, listener_id, page_new, run_id, now)
        cursor = (body.get("cursors") or {}).get("before")
        if not items or not cursor:
            break
        oldest = min((play.played_at for play in page), default=None)
        still_in_lookback = horizon is None or (oldest is not None and oldest > horizon)
        if not page_new and not still_in_lookback:
            break
        params = {"limit": PAGE_LIMIT, "before": cursor}

    result.new_plays = len(seen)

    if newest_before is not None and oldest_item is not None and result.items >= PAGE_LIMIT \
            and oldest_item > newest_before:
        result.possible_gap = {
            "listener_id": listener_id,
            "after": newest_before.isoformat(),
            "before": oldest_item.isoformat(),
        }
        log.warning("listener %s: possible gap between %s and %s (every polled play is newer than "
                    "the newest stored one)", listener_id, newest_before.isoformat(), oldest_item.isoformat())
    log.info("listener %s: %d items in %d pages, %d new plays, %d rejected",
             listener_id, result.items, result.pages, result.new_plays, result.rejected)
    return result


def _reject(con, run_id: str, index: int, item: object) -> None:
    """Keep an item without played_at or track URI in ``raw.rejected_record``."""
    text = json.dumps(item, ensure_ascii=False, default=str)[:MAX_REJECTED_TEXT_CHARS]
    con.execute(
        "insert into raw.rejected_record (run_id, source, file_sha256, record_index, reason, "
        "record_text) values (?, ?, ?, ?, ?, ?)",
        [run_id, "api:" + ENDPOINT, None, index, "played_at_or_track_uri_missing", text])
    log.info("run %s: recently played item %d has no played_at or track URI; rejected", run_id, index)


def _insert(con, listener_id: str, plays: list[RecentPlay], run_id: str, now: dt.datetime) -> None:
    for play in sorted(plays, key=lambda item: item.key):
        con.execute(
            "insert into raw.api_recent_play (listener_id, played_at, track_uri, track_name, "
            "artist_uri, artist_name, album_uri, album_name, duration_ms, context_type, "
            "context_uri, fetched_at, run_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [listener_id, play.played_at, play.track_uri, play.track_name, play.artist_uri,
             play.artist_name, play.album_uri, play.album_name, play.duration_ms,
             play.context_type, play.context_uri, now, run_id])
