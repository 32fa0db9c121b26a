"""A deterministic synthetic Spotify export, for the demo, the tests and the benchmark.

The files have the quirks real exports have: the old ``endsong`` layout (with ``username``,
``offline_timestamp`` in milliseconds, often 0) and the modern one (seconds, or null); podcast
episodes inside audio files; zero-ms and incognito plays; empty-string reasons; non-ASCII names;
a video file; account data that overlaps the extended history; and two account-data exports that
overlap each other. Personal fields are filled with documentation addresses only.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path

END = dt.datetime(2026, 11, 30, 22, 0, tzinfo=dt.timezone.utc)

ARTISTS = [
    ("Caetano Veloso", ["Sozinho", "Leãozinho", "Você É Linda", "O Leãozinho (Ao Vivo)"], "Noites do Norte"),
    ("Elis Regina", ["Águas de Março", "Como Nossos Pais", "O Bêbado e a Equilibrista"], "Elis & Tom"),
    ("Björk", ["Jóga", "Hyperballad", "Army of Me"], "Homogenic"),
    ("Sigur Rós", ["Hoppípolla", "Glósóli", "Sæglópur"], "Takk..."),
    ("Radiohead", ["Weird Fishes/Arpeggi", "Reckoner", "Nude", "Videotape"], "In Rainbows"),
    ("Daft Punk", ["Digital Love", "Harder, Better, Faster, Stronger", "One More Time"], "Discovery"),
    ("Tom Jobim", ["Wave", "Insensatez", "Corcovado"], "Wave"),
    ("Beyoncé", ["Halo", "Formation", "CUFF IT"], "Renaissance"),
    ("坂本龍一", ["Merry Christmas Mr. Lawrence", "Energy Flow"], "BTTB"),
    ("Milton Nascimento", ["Travessia", "Cais", "Clube da Esquina Nº 2"], "Clube da Esquina"),
    ("Khruangbin", ["Maria También", "White Gloves", "Time (You and I)"], "Con Todo El Mundo"),
    ("Nina Simone", ["Feeling Good", "Sinnerman", "I Put a Spell on You"], "I Put a Spell on You"),
]
SHOWS = [
    ("Café da Manhã", ["O que muda com a nova lei", "Eleições: o dia seguinte", "A crise da água"]),
    ("Data Engineering Weekly", ["Star schemas in 2026", "Why idempotency matters", "dbt at scale"]),
]
AUDIOBOOKS = [("Dom Casmurro", ["Capítulo I", "Capítulo II", "Capítulo III"], "Machado de Assis")]
PLATFORMS_OLD = ["iOS 14.7.1 (iPhone10,3)", "Android OS 11 API 30 (realme, RMX2002)",
                 "Windows 10 (10.0.19042; x64)", "OS X 10.15.7 [x86 4]", "Partner sonos_one"]
PLATFORMS_NEW = ["android", "ios", "windows", "osx", "web_player", "android_tv"]
REASONS_START = ["trackdone", "clickrow", "fwdbtn", "backbtn", "playbtn", "appload"]
REASONS_END = ["trackdone", "fwdbtn", "endplay", "backbtn", "logout"]
DOC_IP = "192.0.2.10"


@dataclass
class SyntheticPlay:
    """One generated playback before it is written in an export layout."""

    ended_at: dt.datetime
    ms_played: int
    kind: str
    uri: str
    name: str
    artist: str
    album: str
    platform_index: int
    offline: bool
    incognito: bool
    shuffle: bool
    reason_start: str
    reason_end: str


def _uri(kind: str, text: str) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    seed = random.Random(f"{kind}:{text}")
    return f"spotify:{kind}:" + "".join(seed.choice(alphabet) for _ in range(22))


def generate_plays(rng: random.Random, count: int, start: dt.datetime, end: dt.datetime) -> list[SyntheticPlay]:
    """``count`` plays spread over ``start``..``end``, most of them music, in time order."""
    span = int((end - start).total_seconds())
    instants = sorted(rng.randrange(span) for _ in range(count))
    plays = []
    for offset in instants:
        ended_at = (start + dt.timedelta(seconds=offset)).replace(microsecond=0)
        roll = rng.random()
        if roll < 0.90:
            artist, tracks, album = rng.choice(ARTISTS)
            name = rng.choice(tracks)
            kind, uri = "track", _uri("track", artist + name)
        elif roll < 0.97:
            show, episodes = rng.choice(SHOWS)
            artist, album, name = show, show, rng.choice(episodes)
            kind, uri = "episode", _uri("episode", show + name)
        else:
            title, chapters, author = AUDIOBOOKS[0]
            artist, album, name = title, author, rng.choice(chapters)
            kind, uri = "audiobook", _uri("chapter", title + name)
        skip = rng.random() < 0.25
        ms_played = 0 if rng.random() < 0.02 else (rng.randrange(1_000, 29_000) if skip else rng.randrange(60_000, 320_000))
        plays.append(SyntheticPlay(
            ended_at=ended_at, ms_played=ms_played, kind=kind, uri=uri, name=name, artist=artist,
            album=album, platform_index=rng.randrange(5), offline=rng.random() < 0.05,
            incognito=rng.random() < 0.01, shuffle=rng.random() < 0.4,
            reason_start=rng.choice(REASONS_START), reason_end="fwdbtn" if skip else rng.choice(REASONS_END),
        ))
    return plays


def extended_record(play: SyntheticPlay, old_layout: bool) -> dict:
    """Write the play as an extended-history record (old ``endsong`` or modern layout)."""
    start_seconds = int(play.ended_at.timestamp()) - play.ms_played // 1000
    is_track = play.kind == "track"
    record = {"ts": play.ended_at.strftime("%Y-%m-%dT%H:%M:%SZ")}
    if old_layout:
        record["username"] = "demo-listener"
    record["platform"] = (PLATFORMS_OLD if old_layout else PLATFORMS_NEW)[play.platform_index]
    record["ms_played"] = play.ms_played
    record["conn_country"] = "BR"
    if old_layout:
        record["ip_addr_decrypted"] = DOC_IP
        record["user_agent_decrypted"] = "unknown"
    else:
        record["ip_addr"] = DOC_IP
    record.update({
        "master_metadata_track_name": play.name if is_track else None,
        "master_metadata_album_artist_name": play.artist if is_track else None,
        "master_metadata_album_album_name": play.album if is_track else None,
        "spotify_track_uri": play.uri if is_track else None,
        "episode_name": play.name if play.kind == "episode" else None,
        "episode_show_name": play.artist if play.kind == "episode" else None,
        "spotify_episode_uri": play.uri if play.kind == "episode" else None,
    })
    if not old_layout:
        is_book = play.kind == "audiobook"
        record.update({
            "audiobook_title": play.artist if is_book else None,
            "audiobook_uri": _uri("audiobook", play.artist) if is_book else None,
            "audiobook_chapter_uri": play.uri if is_book else None,
            "audiobook_chapter_title": play.name if is_book else None,
        })
    record.update({
        "reason_start": play.reason_start,
        "reason_end": play.reason_end,
        "shuffle": play.shuffle,
        "skipped": (play.reason_end == "fwdbtn") if not old_layout else None,
        "offline": play.offline,
    })
    if old_layout:
        record["offline_timestamp"] = start_seconds * 1000 if play.offline else 0
    else:
        record["offline_timestamp"] = start_seconds if play.offline else None
    record["incognito_mode"] = play.incognito
    return record


def account_record(play: SyntheticPlay) -> dict:
    """Write the play as an account-data row: end minute in UTC, names only."""
    end_time = play.ended_at.strftime("%Y-%m-%d %H:%M")
    if play.kind == "track":
        return {"endTime": end_time, "artistName": play.artist, "trackName": play.name, "msPlayed": play.ms_played}
    if play.kind == "episode":
        return {"endTime": end_time, "podcastName": play.artist, "episodeName": play.name, "msPlayed": play.ms_played}
    return {"endTime": end_time, "audiobookName": play.artist, "chapterName": play.name,
            "authorName": play.album, "msPlayed": play.ms_played}


def write_json(path: Path, records: list[dict], indent: int | None = 2) -> None:
    """Write records as Spotify does: a JSON array, UTF-8, non-ASCII kept as is."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        json.dump(records, handle, ensure_ascii=False, indent=indent)


def write_extended_files(folder: Path, records: int, per_file: int = 16_000, seed: int = 7,
                         years: float = 10.0) -> list[Path]:
    """Write ``records`` modern extended-history records in files of at most ``per_file``."""
    rng = random.Random(seed)
    start = END - dt.timedelta(days=365 * years)
    plays = generate_plays(rng, records, start, END)
    paths = []
    for number, first in enumerate(range(0, len(plays), per_file)):
        chunk = plays[first:first + per_file]
        path = folder / f"Streaming_History_Audio_{number:03d}.json"
        write_json(path, [extended_record(play, old_layout=False) for play in chunk])
        paths.append(path)
    return paths


def write_demo_export(folder: Path, years: int = 3, plays_per_day: int = 40, seed: int = 2026) -> list[Path]:
    """Write the demo's two ZIPs (extended history and account data) into ``folder``."""
    rng = random.Random(seed)
    start = END - dt.timedelta(days=365 * years)
    plays = generate_plays(rng, years * 365 * plays_per_day, start, END)
    folder.mkdir(parents=True, exist_ok=True)

    # Extended history: the first third in the old endsong layout, the rest modern, one file per year.
    extended_zip = folder / "my_spotify_data.zip"
    third = len(plays) // 3
    with zipfile.ZipFile(extended_zip, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        base = "Spotify Extended Streaming History/"
        # The old layout has no audiobook fields: those plays exist only in account data.
        old = [extended_record(play, old_layout=True) for play in plays[:third] if play.kind != "audiobook"]
        archive.writestr(base + "endsong_0.json", json.dumps(old, ensure_ascii=False))
        modern = plays[third:]
        seen = {index for index in range(third) if plays[index].kind != "audiobook"}
        by_year: dict[int, list[dict]] = {}
        for index, play in enumerate(modern, start=third):
            # Some podcast episodes are missing from the audio files, as in real exports.
            if play.kind == "episode" and rng.random() < 0.1:
                continue
            seen.add(index)
            by_year.setdefault(play.ended_at.year, []).append(extended_record(play, old_layout=False))
        for year, records in sorted(by_year.items()):
            archive.writestr(base + f"Streaming_History_Audio_{year}.json",
                             json.dumps(records, ensure_ascii=False, indent=2))
        video_indexes = [index for index, play in enumerate(plays) if index >= third and play.kind == "episode"][:20]
        seen.update(video_indexes)
        videos = [extended_record(plays[index], old_layout=False) for index in video_indexes]
        archive.writestr(base + "Streaming_History_Video_2024-2026.json", json.dumps(videos, indent=2))
        archive.writestr(base + "ReadMeFirst_ExtendedStreamingHistory.pdf", b"%PDF-1.4 demo\n")

    # Account data: the last year, in two overlapping exports (the second repeats two months).
    account_zip = folder / "my_spotify_account_data.zip"
    last_year_indexes = [index for index, play in enumerate(plays) if play.ended_at >= END - dt.timedelta(days=365)]
    seen.update(last_year_indexes)
    last_year = [plays[index] for index in last_year_indexes]
    cut = len(last_year) // 2
    overlap = len(last_year) // 12
    with zipfile.ZipFile(account_zip, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        base = "Spotify Account Data/"
        for number, part in enumerate((last_year[:cut], last_year[cut - overlap:])):
            music = [account_record(play) for play in part if play.kind == "track"]
            podcasts = [account_record(play) for play in part if play.kind == "episode"]
            archive.writestr(base + f"StreamingHistory_music_{number}.json", json.dumps(music, ensure_ascii=False, indent=2))
            archive.writestr(base + f"StreamingHistory_podcast_{number}.json", json.dumps(podcasts, ensure_ascii=False, indent=2))
        books = [account_record(play) for play in last_year if play.kind == "audiobook"]
        archive.writestr(base + "StreamingHistory_audiobook_0.json", json.dumps(books, ensure_ascii=False, indent=2))
        archive.writestr(base + "YourLibrary.json", json.dumps({"tracks": [], "albums": []}))
        archive.writestr(base + "Userdata.json", json.dumps({"country": "BR"}))
    # What the warehouse must contain, computed from the generated plays, not from the files.
    (folder / "expected.json").write_text(json.dumps({"plays": len(seen), "generated": len(plays)}))
    return [extended_zip, account_zip]
