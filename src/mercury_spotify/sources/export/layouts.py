"""Detect what an export file holds from the keys of its first record.

File names do not tell the layout (people rename files, and Spotify renamed them over the years),
so the keys decide. The only thing keys cannot tell is audio from video in extended history: both
have the same keys, so there the file name (``Video`` or ``endvideo``) is the hint.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from mercury_spotify.errors import ExportFormatError
from mercury_spotify.i18n import N_, _
from mercury_spotify.sources.export.discover import ExportSource

SNIFF_CHUNK_BYTES = 64 * 1024
SNIFF_MAX_BYTES = 4 * 1024**2

EXTENDED_AUDIO = "extended_audio"
EXTENDED_VIDEO = "extended_video"
ACCOUNT_MUSIC = "account_music"
ACCOUNT_PODCAST = "account_podcast"
ACCOUNT_AUDIOBOOK = "account_audiobook"
HISTORY_FORMATS = (EXTENDED_AUDIO, EXTENDED_VIDEO, ACCOUNT_MUSIC, ACCOUNT_PODCAST, ACCOUNT_AUDIOBOOK)
EXTENDED_FORMATS = (EXTENDED_AUDIO, EXTENDED_VIDEO)
ACCOUNT_FORMATS = (ACCOUNT_MUSIC, ACCOUNT_PODCAST, ACCOUNT_AUDIOBOOK)


@dataclass(frozen=True)
class Sniffed:
    """Result of sniffing a file's first bytes: its format, or a note on why it is skipped."""

    format: str | None
    note: str | None = None


def sniff(source: ExportSource) -> Sniffed:
    """Classify ``source``: a history format, or ``None`` with a note saying why it is skipped."""
    if source.size == 0:
        return Sniffed(None, N_("empty file (0 bytes)"))
    if not source.file_name.lower().endswith(".json"):
        return Sniffed(None, N_("not a JSON file"))

    text = _read_head(source)
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        return Sniffed(None, N_("empty file (only white space)"))
    if stripped[0] == "{":
        return Sniffed(None, N_("a JSON object, not a list of plays"))
    if stripped[0] != "[":
        raise ExportFormatError(
            _("{file}: not valid JSON (expected '[' at the start, found {found!r}); "
              "the file may be damaged").format(file=source.display_name, found=stripped[:20])
        )

    body = stripped[1:].lstrip(" \t\r\n")
    if body.startswith("]"):
        return Sniffed(None, N_("an empty list (no plays)"))
    try:
        first, _end = json.JSONDecoder().raw_decode(body)
    except RecursionError:
        raise ExportFormatError(
            _("{file}: the first record is nested too deeply; Spotify's records are flat objects, "
              "so this is not a listening-history file").format(file=source.display_name)
        ) from None
    except json.JSONDecodeError:
        if len(text.encode("utf-8", "surrogatepass")) >= SNIFF_MAX_BYTES:
            raise ExportFormatError(
                _("{file}: the first record is larger than {limit:,} bytes; "
                  "this is not a Spotify listening-history file")
                .format(file=source.display_name, limit=SNIFF_MAX_BYTES)
            ) from None
        # The reader reports the exact position of the syntax error.
        return Sniffed(detect_from_name(source.file_name) or EXTENDED_AUDIO)
    if not isinstance(first, dict):
        return Sniffed(None, N_("a JSON list of something other than plays"))

    detected = detect_format(set(first), source.file_name)
    if detected is None:
        return Sniffed(None, N_("not listening history"))
    return Sniffed(detected)


def detect_format(keys: set[str], file_name: str = "") -> str | None:
    """Return the history format for a record with ``keys``, or ``None`` when it is not history."""
    if "ts" in keys and "ms_played" in keys:
        is_video = "video" in file_name.lower()
        return EXTENDED_VIDEO if is_video else EXTENDED_AUDIO
    if "endTime" in keys and "msPlayed" in keys:
        if "audiobookName" in keys or "chapterName" in keys:
            return ACCOUNT_AUDIOBOOK
        if "podcastName" in keys or "episodeName" in keys:
            return ACCOUNT_PODCAST
        return ACCOUNT_MUSIC
    return None


def detect_from_name(file_name: str) -> str | None:
    """Guess the format from the file name, only when the first record cannot be parsed."""
    lowered = file_name.lower()
    if "podcast" in lowered and "streaminghistory" in lowered:
        return ACCOUNT_PODCAST
    if "audiobook" in lowered and "streaminghistory" in lowered:
        return ACCOUNT_AUDIOBOOK
    if lowered.startswith("streaminghistory"):
        return ACCOUNT_MUSIC
    if "video" in lowered:
        return EXTENDED_VIDEO
    return None


def _read_head(source: ExportSource) -> str:
    """Read enough of the file to hold its first record, decoding UTF-8 leniently."""
    chunks = []
    total = 0
    with source.open() as handle:
        while total < SNIFF_MAX_BYTES:
            chunk = handle.read(SNIFF_CHUNK_BYTES)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            text = b"".join(chunks).decode("utf-8", errors="replace")
            if _has_complete_first_record(text):
                return text
    return b"".join(chunks).decode("utf-8", errors="replace")


def _has_complete_first_record(text: str) -> bool:
    body = text.lstrip("\ufeff \t\r\n")
    if not body.startswith("["):
        return True
    try:
        json.JSONDecoder().raw_decode(body[1:].lstrip(" \t\r\n"))
    except json.JSONDecodeError:
        return False
    except RecursionError:
        return True
    return True
