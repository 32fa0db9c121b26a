"""``mercury restore FILE``: check a backup completely, then put it in place of the warehouse.

Every check runs before the warehouse is touched: the tar is readable, the manifest is Mercury's,
of a known format version and of the configured backend, and every payload has the SHA-256 and
size the manifest gives. A DuckDB payload is then unpacked beside the warehouse, opened and its
row counts compared with the manifest, and only then renamed over the warehouse file. A
PostgreSQL payload must list as a pg_dump archive, and ``pg_restore`` replaces the objects in one
transaction, so a failure part-way leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import logging
import os
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from mercury_spotify.config import Settings
from mercury_spotify.errors import BackupError
from mercury_spotify.i18n import _
from mercury_spotify.operations import pg_tools
from mercury_spotify.operations.backup import (
    FORMAT_NAME,
    FORMAT_VERSION,
    HASH_CHUNK_BYTES,
    MANIFEST_NAME,
    PAYLOAD_NAMES,
    remove_stale_scratch,
    sha256_of,
)
from mercury_spotify.operations.inventory import table_row_counts
from mercury_spotify.operations.run_lock import run_lock_for
from mercury_spotify.warehouse import runs
from mercury_spotify.warehouse.store import open_writer
from mercury_spotify.warehouse.urls import postgres_parts, with_credentials

log = logging.getLogger(__name__)


@dataclass
class RestoreResult:
    """The manifest of the backup restored and the row counts found after the restore."""

    manifest: dict
    tables: dict[str, int]
    metabase_restored: bool


def read_manifest(path: Path) -> dict:
    """Read and check a backup's manifest, without unpacking the payloads."""
    with _open_archive(path) as archive:
        return _manifest_of(archive, path)


def restore_backup(settings: Settings, path: Path, admin_url: str | None = None,
                   metabase_url: str | None = None) -> RestoreResult:
    """Restore the warehouse (and Metabase's database when ``metabase_url`` is given) from ``path``.

    On PostgreSQL, pg_restore runs as the user and password of ``admin_url`` (such as
    mercury_dba, because the pipeline's role may not drop the raw tables), always on the
    warehouse's own server and database. The default is the warehouse URL's role.
    """
    path = Path(path)
    with _open_archive(path) as archive:
        manifest = _manifest_of(archive, path)
        if manifest["backend"] != settings.backend:
            raise BackupError(_("{file} is a backup of a {found} warehouse, but the configured warehouse "
                                "is {expected}; nothing was restored").format(
                file=path.name, found=manifest["backend"], expected=settings.backend))
        if metabase_url and "metabase" not in manifest:
            raise BackupError(_("{file} has no Metabase database; run the restore without --metabase-url")
                              .format(file=path.name))
        if manifest.get("mercury_version") != _mercury_version():
            log.warning("backup %s was made by Mercury %s; this is %s", path.name,
                        manifest.get("mercury_version"), _mercury_version())

        scratch_parent = _scratch_parent(settings)
        with run_lock_for(settings, "restore"):
            remove_stale_scratch(scratch_parent, ".mercury-restore-")
        with tempfile.TemporaryDirectory(prefix=".mercury-restore-", dir=scratch_parent) as scratch:
            payload = _extract_checked(archive, manifest["warehouse"], Path(scratch), path)
            metabase_payload = None
            if metabase_url:
                metabase_payload = _extract_checked(archive, manifest["metabase"], Path(scratch), path)
                pg_tools.list_archive(metabase_payload)

            with run_lock_for(settings, "restore"):
                if settings.backend == "duckdb":
                    _restore_duckdb(settings, payload, manifest, path)
                else:
                    pg_tools.list_archive(payload)
                    pg_tools.restore_database(_restore_url(settings, admin_url), payload)
                if metabase_payload is not None:
                    pg_tools.restore_database(metabase_url, metabase_payload)
                tables = _record_restore(settings, manifest, path)

    mismatched = {name: (count, tables.get(name)) for name, count in manifest["warehouse"]["tables"].items()
                  if name != "raw.load_run" and tables.get(name) != count}
    if mismatched:
        raise BackupError(_("the restore finished, but the row counts of these tables differ from the "
                            "manifest (manifest, restored): {tables}").format(tables=mismatched))
    return RestoreResult(manifest=manifest, tables=tables, metabase_restored=metabase_payload is not None)


def _restore_url(settings: Settings, admin_url: str | None) -> str:
    """The warehouse URL with the restoring role's user and password."""
    if not admin_url:
        return settings.warehouse_url
    admin = postgres_parts(admin_url)
    return with_credentials(settings.warehouse_url, admin["user"], admin["password"])


def _mercury_version() -> str:
    from mercury_spotify import __version__

    return __version__


def _scratch_parent(settings: Settings) -> Path:
    """Unpack next to the DuckDB file, so the final rename stays on one file system."""
    folder = settings.duckdb_path.parent if settings.backend == "duckdb" else settings.home
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _damaged(path: Path, detail: str) -> BackupError:
    return BackupError(_("{file} is damaged or not a Mercury backup ({detail}); the warehouse was not "
                         "changed").format(file=path.name, detail=detail))


def _open_archive(path: Path) -> tarfile.TarFile:
    if not path.is_file():
        raise BackupError(_("{file}: backup file not found").format(file=path))
    try:
        return tarfile.open(path, "r:")
    except (tarfile.TarError, OSError) as exc:
        raise _damaged(path, str(exc)) from exc


def _manifest_of(archive: tarfile.TarFile, path: Path) -> dict:
    try:
        member = archive.extractfile(MANIFEST_NAME)
        manifest = json.loads(member.read().decode("utf-8")) if member else None
    except KeyError:
        raise _damaged(path, _("no manifest.json")) from None
    except (tarfile.TarError, OSError, UnicodeDecodeError, ValueError) as exc:
        raise _damaged(path, str(exc)) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise _damaged(path, _("manifest.json is not a Mercury backup manifest"))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(_("{file} has backup format {found}; this Mercury reads format {expected} only. "
                            "Restore it with the Mercury version that made it ({version})").format(
            file=path.name, found=manifest.get("format_version"), expected=FORMAT_VERSION,
            version=manifest.get("mercury_version", "?")))
    warehouse = manifest.get("warehouse")
    if (manifest.get("backend") not in PAYLOAD_NAMES or not isinstance(warehouse, dict)
            or not {"file", "sha256", "bytes", "tables"} <= set(warehouse)):
        raise _damaged(path, _("the warehouse entry is missing from the manifest"))
    return manifest


def _extract_checked(archive: tarfile.TarFile, entry: dict, scratch: Path, path: Path) -> Path:
    """Copy one payload out of the tar and check its size and SHA-256 against the manifest."""
    name = entry["file"]
    target = scratch / Path(name).name
    try:
        member = archive.extractfile(name)
        if member is None:
            raise _damaged(path, _("{name} is not a file").format(name=name))
        with target.open("wb") as handle:
            shutil.copyfileobj(member, handle, HASH_CHUNK_BYTES)
    except KeyError:
        raise _damaged(path, _("{name} is missing").format(name=name)) from None
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise _damaged(path, f"{name}: {exc}") from exc
    if target.stat().st_size != entry["bytes"] or sha256_of(target) != entry["sha256"]:
        raise _damaged(path, _("{name} does not match the SHA-256 in the manifest").format(name=name))
    return target


def _restore_duckdb(settings: Settings, payload: Path, manifest: dict, path: Path) -> None:
    """Unpack, open and count the DuckDB file, then rename it over the warehouse."""
    warehouse = settings.duckdb_path
    unpacked = payload.with_suffix("")
    try:
        with gzip.open(payload, "rb") as source, unpacked.open("wb") as target:
            shutil.copyfileobj(source, target, HASH_CHUNK_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise _damaged(path, str(exc)) from exc
    try:
        con = duckdb.connect(str(unpacked), read_only=True)
        try:
            tables = table_row_counts(con, "duckdb")
        finally:
            con.close()
    except duckdb.Error as exc:
        raise _damaged(path, str(exc)) from exc
    if tables != manifest["warehouse"]["tables"]:
        raise _damaged(path, _("its tables do not have the row counts of the manifest"))

    with unpacked.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(unpacked, warehouse)
    stale_wal = warehouse.with_name(warehouse.name + ".wal")
    if stale_wal.exists():
        stale_wal.unlink()
    log.info("restored %s from %s", warehouse, path)


def _record_restore(settings: Settings, manifest: dict, path: Path) -> dict[str, int]:
    """Log the restore as a run, close the backup's own run row, and count the tables.

    The backup was taken while its own run row was still ``running``. Left so, the next run would
    mark it failed, so it is set to ``succeeded`` here.
    """
    with open_writer(settings) as store:
        store.con.execute(
            "update raw.load_run set status = ?, finished_at = ? where run_id = ? and status = ?",
            [runs.SUCCEEDED, dt.datetime.fromisoformat(manifest["created_at"]), manifest["run_id"], runs.RUNNING],
        )
        tables = table_row_counts(store.con, settings.backend)
        run_id = runs.start_run(store.con, "restore")
        runs.finish_run(store.con, run_id, runs.SUCCEEDED,
                        counts={"file": str(path), "backup_created_at": manifest["created_at"]})
    return tables
