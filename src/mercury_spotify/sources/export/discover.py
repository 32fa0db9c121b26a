"""Expand the paths given to ``mercury import`` into the export files they contain.

A path is a ZIP as downloaded from Spotify (members are read in place, never extracted), a folder
searched at any depth, or a single file. Each file found becomes an ``ExportSource``; whether it is
listening history is decided later from its records' keys (see ``layouts``).
"""

from __future__ import annotations

import hashlib
import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from mercury_spotify.errors import ExportError, UnsafeArchiveError
from mercury_spotify.i18n import _

log = logging.getLogger(__name__)

# A Spotify export member is at most a few hundred MB; JSON compresses about 10 to 30 times.
MAX_MEMBER_BYTES = 4 * 1024**3
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_MIN_BYTES = 1024**2
HASH_CHUNK_BYTES = 1024**2


@dataclass(frozen=True)
class ExportSource:
    """One file of an export: a plain file, or a member of a ZIP archive read in place."""

    display_name: str
    path: Path
    member: str | None = None
    size: int = 0

    @property
    def file_name(self) -> str:
        """The file's own name, without folders (stored in ``raw.export_file``)."""
        return PurePosixPath(self.member).name if self.member else self.path.name

    def open(self) -> IO[bytes]:
        """Open the file or ZIP member for streaming reads."""
        if self.member is None:
            return self.path.open("rb")
        archive = zipfile.ZipFile(self.path)
        return archive.open(self.member)

    def sha256(self) -> str:
        """SHA-256 of the file's bytes, read in chunks."""
        digest = hashlib.sha256()
        try:
            with self.open() as handle:
                while chunk := handle.read(HASH_CHUNK_BYTES):
                    digest.update(chunk)
        except (zipfile.BadZipFile, EOFError) as exc:
            raise ExportError(_("{file}: the ZIP member is damaged ({error}); download the export again")
                              .format(file=self.display_name, error=exc)) from exc
        return digest.hexdigest()


def discover(paths: list[Path]) -> Iterator[ExportSource]:
    """Yield every file inside ``paths``, in a stable order (sorted within each folder or ZIP)."""
    for path in paths:
        if not path.exists():
            raise ExportError(_("{path}: no such file or folder").format(path=path))
        if path.is_dir():
            yield from _walk_folder(path)
        elif _looks_like_zip(path):
            yield from _zip_members(path)
        else:
            yield ExportSource(display_name=str(path), path=path, size=path.stat().st_size)


def _walk_folder(folder: Path) -> Iterator[ExportSource]:
    for path in sorted(folder.rglob("*")):
        if path.is_dir():
            continue
        if _looks_like_zip(path):
            yield from _zip_members(path)
        else:
            yield ExportSource(display_name=str(path), path=path, size=path.stat().st_size)


def _looks_like_zip(path: Path) -> bool:
    if path.suffix.lower() == ".zip":
        return True
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _zip_members(archive_path: Path) -> Iterator[ExportSource]:
    try:
        with zipfile.ZipFile(archive_path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ExportError(
            _("{path}: not a valid ZIP archive ({error}); download the export again")
            .format(path=archive_path, error=exc)
        ) from exc

    for info in sorted(infos, key=lambda item: item.filename):
        if info.is_dir():
            continue
        check_member_is_safe(archive_path, info)
        yield ExportSource(
            display_name=f"{archive_path}:{info.filename}",
            path=archive_path,
            member=info.filename,
            size=info.file_size,
        )


def check_member_is_safe(archive_path: Path, info: zipfile.ZipInfo) -> None:
    """Raise UnsafeArchiveError for a member that escapes the archive or looks like a ZIP bomb."""
    name = info.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchiveError(
            _("{path}: member {member!r} has an absolute or '..' path; "
              "this is not an archive from Spotify, so nothing was imported")
            .format(path=archive_path, member=name)
        )
    if info.file_size > MAX_MEMBER_BYTES:
        raise UnsafeArchiveError(
            _("{path}: member {member!r} would expand to {size:,} bytes, "
              "over the {limit:,}-byte limit for one export file")
            .format(path=archive_path, member=name, size=info.file_size, limit=MAX_MEMBER_BYTES)
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > RATIO_CHECK_MIN_BYTES and ratio > MAX_COMPRESSION_RATIO:
        raise UnsafeArchiveError(
            _("{path}: member {member!r} is compressed {ratio:,.0f} times, "
              "over the limit of {limit} (a ZIP bomb?)")
            .format(path=archive_path, member=name, ratio=ratio, limit=MAX_COMPRESSION_RATIO)
        )
