"""The Spotify part of ``mercury status``: token expiry, last polls, possible gaps, backlog."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from mercury_spotify.config import Settings
from mercury_spotify.sources.spotify import token_store
from mercury_spotify.sources.spotify.enrichment import pending_counts
from mercury_spotify.sources.spotify.sync import wait_requested_until
from mercury_spotify.warehouse import duckdb_file

MAX_GAPS_SHOWN = 20


@dataclass
class ListenerStatus:
    """One authorized listener."""

    listener_id: str
    authorized_at: dt.datetime
    refresh_token_expires_at: dt.datetime
    expires_soon: bool
    reauthorization_needed: bool
    last_sync_at: dt.datetime | None = None
    last_sync_status: str | None = None


@dataclass
class PossibleGap:
    """A poll that may have missed plays between ``after`` and ``before``."""

    listener_id: str
    after: dt.datetime
    before: dt.datetime
    filled_by_export: bool


@dataclass
class SpotifyStatus:
    """The Spotify part of ``mercury status``."""

    listeners: list[ListenerStatus] = field(default_factory=list)
    gaps: list[PossibleGap] = field(default_factory=list)
    backlog: dict[str, int] = field(default_factory=dict)
    rate_limited_until: dt.datetime | None = None


def spotify_status(settings: Settings, now: dt.datetime, con=None) -> SpotifyStatus:
    """Read the token files and the warehouse (read-only) into a SpotifyStatus.

    ``con`` is an open read-only connection to use (either backend); without it a DuckDB
    warehouse is opened and closed here.
    """
    status = SpotifyStatus()
    for name in token_store.listeners(settings.home):
        tokens = token_store.load(settings.home, name)
        if tokens is None:
            continue
        expires = tokens.refresh_token_expires_at
        status.listeners.append(ListenerStatus(
            listener_id=name,
            authorized_at=tokens.authorized_at,
            refresh_token_expires_at=expires,
            expires_soon=now >= expires - token_store.EXPIRY_WARNING,
            reauthorization_needed=tokens.reauthorization_needed,
        ))
    owned = con is None
    if owned:
        if settings.backend != "duckdb" or not settings.duckdb_path.exists():
            return status
        con = duckdb_file.connect(settings.duckdb_path, read_only=True)
    try:
        if not _has_table(con, "load_run") or not _has_table(con, "api_track_artist"):
            return status
        by_listener = {item.listener_id: item for item in status.listeners}
        for listener_id, status_text, finished_at in con.execute(
            "select listener_id, status, finished_at from raw.load_run where kind = 'sync' "
            "and (listener_id, started_at) in (select listener_id, max(started_at) "
            "from raw.load_run where kind = 'sync' group by listener_id)"
        ).fetchall():
            if listener_id in by_listener:
                by_listener[listener_id].last_sync_status = status_text
                by_listener[listener_id].last_sync_at = finished_at
        status.gaps = _possible_gaps(con)
        status.backlog = pending_counts(con)
        until = wait_requested_until(con)
        status.rate_limited_until = until if until is not None and until > now else None
    finally:
        if owned:
            con.close()
    return status


def _has_table(con, name: str) -> bool:
    return con.execute("select count(*) from information_schema.tables "
                       "where table_schema = 'raw' and table_name = ?", [name]).fetchone()[0] > 0


def _possible_gaps(con) -> list[PossibleGap]:
    """Recorded possible gaps, newest first; a gap counts as filled once an extended export
    of the listener reaches past its end."""
    rows = con.execute(
        "select counts from raw.load_run where kind = 'sync' and counts like '%possible_gap%' "
        "order by started_at desc limit ?", [MAX_GAPS_SHOWN]).fetchall()
    gaps = []
    for (counts,) in rows:
        gap = json.loads(counts).get("possible_gap") or {}
        if not gap:
            continue
        after = dt.datetime.fromisoformat(gap["after"])
        before = dt.datetime.fromisoformat(gap["before"])
        covered = con.execute(
            "select count(*) from raw.export_play where listener_id = ? and format like 'extended%' "
            "and ts >= ?", [gap["listener_id"], before]).fetchone()[0] > 0
        gaps.append(PossibleGap(gap["listener_id"], after, before, covered))
    return gaps
