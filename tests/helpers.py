"""Small builders for export records used by several tests."""

from __future__ import annotations

import json
from pathlib import Path


def extended(ts: str, ms_played: int = 200_000, track: str = "Song", artist: str = "Artist",
             uri: str | None = "spotify:track:0123456789abcdefghijkl", **fields) -> dict:
    """A modern-layout extended-history record with sensible defaults."""
    record = {
        "ts": ts, "platform": "android", "ms_played": ms_played, "conn_country": "BR",
        "ip_addr": "192.0.2.200",
        "master_metadata_track_name": track, "master_metadata_album_artist_name": artist,
        "master_metadata_album_album_name": "Album", "spotify_track_uri": uri,
        "episode_name": None, "episode_show_name": None, "spotify_episode_uri": None,
        "audiobook_title": None, "audiobook_uri": None, "audiobook_chapter_uri": None,
        "audiobook_chapter_title": None, "reason_start": "clickrow", "reason_end": "trackdone",
        "shuffle": False, "skipped": False, "offline": False, "offline_timestamp": None,
        "incognito_mode": False,
    }
    record.update(fields)
    return record


def account_music(end_time: str, ms_played: int, track: str = "Song", artist: str = "Artist") -> dict:
    """An account-data music row."""
    return {"endTime": end_time, "artistName": artist, "trackName": track, "msPlayed": ms_played}


def write(path: Path, records) -> Path:
    """Write records as a JSON array (or ``records`` as raw text when it is a string)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(records, str):
        path.write_text(records, encoding="utf-8")
    else:
        path.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    return path
