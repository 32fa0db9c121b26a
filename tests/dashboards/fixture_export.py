"""A small export with hand-picked plays, whose dashboard figures are worked out in the tests.

All local times are in America/Sao_Paulo (UTC-3 all year since 2019). Each play starts exactly
at the local time given, because the export's ``ts`` is written as start + duration.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from mercury_spotify.sources.export.synthetic import SyntheticPlay, _uri, extended_record, write_json

UTC_OFFSET = dt.timedelta(hours=3)
ZONE = "America/Sao_Paulo"

# Indexes into the modern layout's platform names: android, ios, windows.
ANDROID, IOS, WINDOWS = 0, 1, 2

ALBUMS = {"Elis Regina": "Elis & Tom", "Björk": "Homogenic", "Tom Jobim": "Wave"}


@dataclass(frozen=True)
class FixturePlay:
    """One play: local start, seconds played, and what was played."""

    local_start: str  # "YYYY-MM-DD HH:MM"
    seconds: int
    artist: str
    name: str
    platform: int = IOS
    kind: str = "track"
    incognito: bool = False
    skipped: bool = False


ANA_PLAYS = [
    # Friday 2026-02-20
    FixturePlay("2026-02-20 20:00", 200, "Elis Regina", "Águas de Março", ANDROID),
    FixturePlay("2026-02-20 20:10", 100, "Björk", "Jóga", ANDROID),
    # Monday 2026-03-09
    FixturePlay("2026-03-09 07:00", 180, "Elis Regina", "Águas de Março"),
    FixturePlay("2026-03-09 07:30", 20, "Björk", "Jóga", skipped=True),
    FixturePlay("2026-03-09 23:50", 240, "Björk", "Hyperballad", WINDOWS),
    # Tuesday 2026-03-10
    FixturePlay("2026-03-10 08:00", 300, "Björk", "Hyperballad"),
    FixturePlay("2026-03-10 08:10", 120, "Tom Jobim", "Wave"),
    FixturePlay("2026-03-10 09:00", 60, "Tom Jobim", "Wave", incognito=True),
    FixturePlay("2026-03-10 09:30", 600, "Café da Manhã", "A crise da água", kind="episode"),
    FixturePlay("2026-03-10 10:00", 0, "Elis Regina", "Como Nossos Pais"),
    FixturePlay("2026-03-10 21:15", 45, "Elis Regina", "Águas de Março", skipped=True),
]

BEN_PLAYS = [
    FixturePlay("2026-03-10 12:00", 90, "Tom Jobim", "Wave"),
]

# A record the importer rejects (negative ms_played), to show up on the health page.
REJECTED_RECORD = {"ts": "2026-03-10T15:00:00Z", "ms_played": -5, "platform": "ios",
                   "spotify_track_uri": None, "master_metadata_track_name": "Broken"}


def synthetic_play(play: FixturePlay) -> SyntheticPlay:
    """The play in the form the synthetic export writer takes."""
    local_start = dt.datetime.strptime(play.local_start, "%Y-%m-%d %H:%M")
    ended_at = (local_start + UTC_OFFSET + dt.timedelta(seconds=play.seconds)).replace(tzinfo=dt.timezone.utc)
    kind_for_uri = "track" if play.kind == "track" else "episode"
    return SyntheticPlay(
        ended_at=ended_at,
        ms_played=play.seconds * 1000,
        kind=play.kind,
        uri=_uri(kind_for_uri, play.artist + play.name),
        name=play.name,
        artist=play.artist,
        album=ALBUMS.get(play.artist, play.artist),
        platform_index=play.platform,
        offline=False,
        incognito=play.incognito,
        shuffle=False,
        reason_start="clickrow",
        reason_end="fwdbtn" if play.skipped else ("endplay" if play.seconds == 0 else "trackdone"),
    )


def write_export(folder: Path, plays: list[FixturePlay], name: str, extra: list[dict] = ()) -> Path:
    """Write the plays as one modern extended-history file and return its path."""
    records = [extended_record(synthetic_play(play), old_layout=False) for play in plays]
    path = folder / name
    write_json(path, records + list(extra))
    return path
