"""Small extended-history export files for the merge tests."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path


def extended_record(ended_at: dt.datetime, ms_played: int, track_id: str, track_name: str,
                    artist_name: str, album_name: str, reason_end: str = "trackdone") -> dict:
    """One record in the modern extended-history layout; the start is ``ended_at - ms_played``."""
    started = ended_at - dt.timedelta(milliseconds=ms_played)
    return {
        "ts": ended_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "platform": "android",
        "ms_played": ms_played,
        "conn_country": "BR",
        "ip_addr": "192.0.2.10",
        "master_metadata_track_name": track_name,
        "master_metadata_album_artist_name": artist_name,
        "master_metadata_album_album_name": album_name,
        "spotify_track_uri": f"spotify:track:{track_id}",
        "episode_name": None,
        "episode_show_name": None,
        "spotify_episode_uri": None,
        "audiobook_title": None,
        "audiobook_uri": None,
        "audiobook_chapter_uri": None,
        "audiobook_chapter_title": None,
        "reason_start": "trackdone",
        "reason_end": reason_end,
        "shuffle": False,
        "skipped": reason_end == "fwdbtn",
        "offline": False,
        "offline_timestamp": int(started.timestamp()),
        "incognito_mode": False,
    }


def write_export(folder: Path, records: list[dict], name: str = "Streaming_History_Audio_2026.json") -> Path:
    """Write an export file and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(records, indent=1), encoding="utf-8")
    return path
