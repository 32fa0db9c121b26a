"""``mercury backup``: a consistent, compressed, verifiable copy of the warehouse.

A backup is one uncompressed tar file, ``mercury-backup-<UTC time>-<backend>.tar``, containing:

- ``manifest.json``: format version, creation time, backend, Mercury version, the backup's run
  id, the row count of every raw, staging and dw table, and the SHA-256 and size of each payload;
- ``warehouse.dump`` (PostgreSQL, ``pg_dump`` custom format, compressed) or
  ``warehouse.duckdb.gz`` (the checkpointed DuckDB file, gzip);
- ``metabase.dump`` when Metabase's application database is backed up too.

The tar is written under a temporary name and renamed when complete, so a file with the final
name is always whole. The run lock is held throughout: no Mercury run writes while the copy is
taken, and on DuckDB the file is checkpointed and closed before it is copied.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import logging
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mercury_spotify import __version__
from mercury_spotify.config import Settings
from mercury_spotify.errors import BackupError
from mercury_spotify.i18n import _
from mercury_spotify.operations import pg_tools
from mercury_spotify.operations.inventory import table_row_counts
from mercury_spotify.operations.run_lock import run_lock_for
from mercury_spotify.warehouse import runs
from mercury_spotify.warehouse.store import open_writer

log = logging.getLogger(__name__)

FORMAT_NAME = "mercury-backup"
FORMAT_VERSION = 1
FILE_PREFIX = "mercury-backup-"
MANIFEST_NAME = "manifest.json"
PAYLOAD_NAMES = {"postgres": "warehouse.dump", "duckdb": "warehouse.duckdb.gz"}
METABASE_PAYLOAD = "metabase.dump"
HASH_CHUNK_BYTES = 1024 * 1024


@dataclass
class BackupResult:
    """The backup file written, its manifest, and the older backups removed by retention."""

    path: Path
    manifest: dict
    removed: list[Path]


def default_backup_dir(settings: Settings) -> Path:
    """Return the default backup folder, ``backups`` inside MERCURY_HOME."""
    return settings.home / "backups"


def sha256_of(path: Path) -> str:
    """Compute the SHA-256 of a file, as 64 hex digits."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def create_backup(settings: Settings, output_dir: Path | None = None, keep: int | None = None,
                  metabase_url: str | None = None) -> BackupResult:
    """Back up the warehouse (and Metabase's database when ``metabase_url`` is given)."""
    if keep is not None and keep < 1:
        raise BackupError(_("--keep must be 1 or more, not {keep}").format(keep=keep))
    output_dir = Path(output_dir or default_backup_dir(settings))
    output_dir.mkdir(parents=True, exist_ok=True)
    created_at = runs.utc_now()
    # Microseconds in the name keep apart two backups taken within one second.
    name = f"{FILE_PREFIX}{created_at.strftime('%Y%m%dT%H%M%S.%fZ')}-{settings.backend}.tar"
    target = output_dir / name

    with run_lock_for(settings, "backup"):
        remove_stale_scratch(output_dir, ".mercury-backup-")
        with open_writer(settings) as store:
            runs.mark_abandoned_runs(store.con)
            run_id = runs.start_run(store.con, "backup")
        try:
            with tempfile.TemporaryDirectory(prefix=".mercury-backup-", dir=output_dir) as scratch:
                manifest = _write_payloads(settings, Path(scratch), run_id, created_at, metabase_url)
                _write_archive(Path(scratch), manifest, target)
        except BaseException as exc:
            with open_writer(settings) as store:
                runs.finish_run(store.con, run_id, runs.FAILED, error=str(exc)[:2000])
            raise
        with open_writer(settings) as store:
            runs.finish_run(store.con, run_id, runs.SUCCEEDED, counts={
                "file": str(target), "bytes": target.stat().st_size,
                "tables": manifest["warehouse"]["tables"], "metabase": "metabase" in manifest,
            })
    log.info("backup %s written: %s (%d bytes)", run_id, target, target.stat().st_size)
    removed = apply_retention(output_dir, keep) if keep else []
    return BackupResult(path=target, manifest=manifest, removed=removed)


def _write_payloads(settings: Settings, scratch: Path, run_id: str, created_at: dt.datetime,
                    metabase_url: str | None) -> dict:
    payload = scratch / PAYLOAD_NAMES[settings.backend]
    if settings.backend == "postgres":
        with open_writer(settings) as store:
            tables = table_row_counts(store.con, "postgres")
        pg_tools.dump_database(settings.warehouse_url, payload)
    else:
        tables = _copy_duckdb(settings, payload)

    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "created_at": created_at.isoformat(timespec="seconds"),
        "backend": settings.backend,
        "mercury_version": __version__,
        "run_id": run_id,
        "warehouse": {"file": payload.name, "sha256": sha256_of(payload),
                      "bytes": payload.stat().st_size, "tables": tables},
    }
    if metabase_url:
        metabase_payload = scratch / METABASE_PAYLOAD
        pg_tools.dump_database(metabase_url, metabase_payload)
        manifest["metabase"] = {"file": metabase_payload.name, "sha256": sha256_of(metabase_payload),
                                "bytes": metabase_payload.stat().st_size}
    return manifest


def _copy_duckdb(settings: Settings, payload: Path) -> dict[str, int]:
    """Checkpoint the DuckDB file, count its rows, close it, then gzip it into ``payload``."""
    path = settings.duckdb_path
    with open_writer(settings) as store:
        store.con.execute("checkpoint")
        tables = table_row_counts(store.con, "duckdb")
    wal = path.with_name(path.name + ".wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise BackupError(_("{wal} still has changes after a checkpoint; another program may have "
                            "the warehouse open for writing. Close it and back up again").format(wal=wal))
    with path.open("rb") as source, gzip.open(payload, "wb", compresslevel=6) as target:
        shutil.copyfileobj(source, target, HASH_CHUNK_BYTES)
    return tables


def _write_archive(scratch: Path, manifest: dict, target: Path) -> None:
    """Tar the manifest and payloads under a temporary name, flush to disk, then rename."""
    manifest_path = scratch / MANIFEST_NAME
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    partial = target.with_name("." + target.name + ".partial")
    with tarfile.open(partial, "w") as archive:
        archive.add(manifest_path, arcname=MANIFEST_NAME)
        for section in ("warehouse", "metabase"):
            if section in manifest:
                archive.add(scratch / manifest[section]["file"], arcname=manifest[section]["file"])
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, target)


def remove_stale_scratch(folder: Path, prefix: str) -> None:
    """Delete temporary files and folders named ``prefix*`` that a killed backup or restore left.

    Call this only while holding the run lock: then no other run is writing them.
    """
    for path in folder.glob(prefix + "*"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        log.warning("removed %s, left by a backup or restore that did not finish", path)


def list_backups(folder: Path) -> list[Path]:
    """Mercury's backup files in ``folder``, oldest first (their names sort by time)."""
    return sorted(path for path in folder.glob(f"{FILE_PREFIX}*.tar") if path.is_file())


def apply_retention(folder: Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest backups in ``folder``; return the files deleted."""
    backups = list_backups(folder)
    doomed = backups[:-keep] if len(backups) > keep else []
    for path in doomed:
        path.unlink()
        log.info("retention: removed %s", path)
    return doomed
