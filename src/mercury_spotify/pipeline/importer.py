"""``mercury import``: discover export files, land them in ``raw`` in one transaction, then build.

An import is all or nothing: every file lands, or (on any error) the transaction rolls back and
the warehouse is as it was, with only a ``failed`` row in the run log to show the attempt.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from mercury_spotify.config import Settings
from mercury_spotify.errors import ExportFormatError, MercuryError, NoHistoryFoundError, WarehouseError
from mercury_spotify.i18n import N_, _
from mercury_spotify.operations.run_lock import run_lock_for
from mercury_spotify.pipeline import figures
from mercury_spotify.sources.export.discover import ExportSource, discover
from mercury_spotify.sources.export.layouts import sniff
from mercury_spotify.warehouse import runs
from mercury_spotify.warehouse.export_landing import PendingFile, TolerantReadNeeded
from mercury_spotify.warehouse.store import open_writer

log = logging.getLogger(__name__)

HASH_THREADS = max(2, min(os.cpu_count() or 2, 8))


@dataclass
class SkippedFile:
    """A file that was found but not imported, with the reason shown to the user."""

    name: str
    reason: str


@dataclass
class ImportReport:
    """Everything ``mercury import`` prints at the end (and ``--json`` emits)."""

    run_id: str = ""
    files_read: int = 0
    files_skipped: list[SkippedFile] = field(default_factory=list)
    records: int = 0
    rejected_by_reason: Counter = field(default_factory=Counter)
    duplicates: int = 0
    merged: int | None = None
    new_plays: int | None = None
    zero_ms: int = 0
    under_threshold: int = 0
    incognito: int = 0
    built: bool = False
    build_failures: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """Records rejected, over every reason."""
        return sum(self.rejected_by_reason.values())

    def as_dict(self) -> dict:
        """Return the report as plain data for ``--json`` and the run log."""
        return {
            "run_id": self.run_id,
            "files_read": self.files_read,
            "files_skipped": [{"file": item.name, "reason": item.reason} for item in self.files_skipped],
            "records": self.records,
            "rejected": self.rejected,
            "rejected_by_reason": dict(sorted(self.rejected_by_reason.items())),
            "duplicates": self.duplicates,
            "merged_with_other_source": self.merged,
            "new_plays": self.new_plays,
            "not_counted_as_streams": {
                "zero_ms": self.zero_ms,
                "under_threshold": self.under_threshold,
                "incognito": self.incognito,
            },
            "built": self.built,
            "build_failures": self.build_failures,
        }


def import_paths(
    settings: Settings,
    paths: list[Path],
    build: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import every history file under ``paths`` for ``settings.listener``, then build when ``build`` is true."""
    report = ImportReport()
    explicit_files = {path.resolve() for path in paths if path.is_file() and path.suffix.lower() == ".json"}
    sources = list(discover(paths))

    with run_lock_for(settings, "import"):
        with open_writer(settings) as store:
            runs.mark_abandoned_runs(store.con)
            report.run_id = runs.start_run(store.con, "import", settings.listener)
            try:
                pending = _select_new_files(store, sources, explicit_files, report)
                if not pending and not report.files_skipped:
                    raise NoHistoryFoundError(_("no files found in {paths}").format(
                        paths=", ".join(map(str, paths))))
                if not pending and not _any_already_imported(report):
                    raise NoHistoryFoundError(
                        _("no Spotify listening history found in {paths}; expected files such as "
                          "Streaming_History_Audio_*.json, endsong_*.json or StreamingHistory*.json")
                        .format(paths=", ".join(map(str, paths))))
                _land(store, settings, pending, report, progress)
            except BaseException as exc:
                try:
                    runs.finish_run(store.con, report.run_id, runs.FAILED, error=_safe_error(exc))
                except (duckdb.Error, WarehouseError) as log_error:
                    # The next run marks this one failed when it finds it still running.
                    log.warning("could not record the failed run %s: %s", report.run_id,
                                str(log_error).splitlines()[0])
                raise
            runs.finish_run(store.con, report.run_id, runs.SUCCEEDED, counts=report.as_dict())
            # A build that was killed or failed after an earlier import still has to run.
            build_pending = bool(report.files_read) or runs.build_pending(store.con)

        if not build_pending:
            report.new_plays, report.merged = 0, 0
        elif build:
            from mercury_spotify.transform.build import build_warehouse

            before = figures.play_count(settings)
            build_result = build_warehouse(settings, locked=True)
            report.built = True
            report.build_failures = build_result.failures
            report.new_plays = figures.play_count(settings) - before
            report.merged = max(report.records - report.rejected - report.duplicates - report.new_plays, 0)
    return report


def _any_already_imported(report: ImportReport) -> bool:
    return any(item.reason == "already imported" for item in report.files_skipped)


def _select_new_files(store, sources: list[ExportSource], explicit_files: set[Path],
                      report: ImportReport) -> list[PendingFile]:
    """Sniff and hash each file; keep history files not imported before."""
    known = {sha for (sha,) in store.con.execute("select file_sha256 from raw.export_file").fetchall()}
    history: list[tuple[ExportSource, str]] = []
    for source in sources:
        sniffed = sniff(source)
        if sniffed.format is None:
            if source.member is None and source.path.resolve() in explicit_files and source.size > 0:
                raise ExportFormatError(
                    _("{file}: expected a JSON array of Spotify listening records, found {what}")
                    .format(file=source.display_name, what=_(sniffed.note or "")))
            report.files_skipped.append(SkippedFile(source.display_name, sniffed.note or ""))
            log.info("skipped %s: %s", source.display_name, sniffed.note)
            continue
        history.append((source, sniffed.format))

    pending: list[PendingFile] = []
    for (source, format_name), sha in zip(history, _hash_all([source for source, _format in history])):
        if sha in known:
            report.files_skipped.append(SkippedFile(source.display_name, N_("already imported")))
            continue
        known.add(sha)
        pending.append(PendingFile(source=source, sha256=sha, format=format_name))
    return pending


def _hash_all(sources: list[ExportSource]) -> list[str]:
    """Return the SHA-256 of each source, in order, computed on several threads.

    hashlib and zlib release the GIL on large buffers, so the threads hash files in parallel.
    """
    if len(sources) < 2:
        return [source.sha256() for source in sources]
    with ThreadPoolExecutor(max_workers=min(HASH_THREADS, len(sources)), thread_name_prefix="mercury-hash") as pool:
        return list(pool.map(ExportSource.sha256, sources))


def _land(store, settings: Settings, pending: list[PendingFile], report: ImportReport,
          progress: Callable[[int, int], None] | None) -> None:
    """Land all pending files in one transaction and fill the report's record counts."""
    if not pending:
        return
    total_bytes = sum(item.source.size for item in pending)

    def landed(landed_bytes: int) -> None:
        if progress:
            progress(landed_bytes, total_bytes)

    tolerant: frozenset[str] = frozenset()
    while True:
        try:
            _land_in_transaction(store, settings, pending, report, landed, tolerant)
            break
        except TolerantReadNeeded as retry:
            # Bounded: every retry adds at least one file to the tolerant set.
            tolerant = tolerant | frozenset(retry.sha256s)
    log.info("import run %s landed %d files, %d records, %d rejected",
             report.run_id, report.files_read, report.records, report.rejected)


def _land_in_transaction(store, settings: Settings, pending: list[PendingFile], report: ImportReport,
                         landed: Callable[[int], None], tolerant: frozenset[str]) -> None:
    con = store.con
    con.execute("begin transaction")
    try:
        store.ensure_listener(settings.listener, report.run_id)
        result = store.land_export_files(pending, settings.listener, report.run_id, landed, tolerant)
        for alias in sorted(result.usernames):
            store.add_listener_alias(settings.listener, alias, report.run_id)
        for item in pending:
            con.execute(
                "insert into raw.export_file values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [item.sha256, item.source.file_name, item.source.display_name, item.format,
                 result.records.get(item.sha256, 0), result.rejected.get(item.sha256, 0),
                 settings.listener, report.run_id, runs.utc_now()],
            )
        report.files_read = len(pending)
        report.records = sum(result.records.values())
        report.rejected_by_reason = Counter(dict(con.execute(
            "select reason, count(*) from raw.rejected_record where run_id = ? group by 1",
            [report.run_id]).fetchall()))
        counts = figures.run_record_counts(con, report.run_id, settings.listener, settings.stream_threshold_ms)
        report.duplicates = counts["duplicates"]
        report.zero_ms = counts["zero_ms"]
        report.under_threshold = counts["under_threshold"]
        report.incognito = counts["incognito"]
        con.execute("commit")
    except duckdb.Error as exc:
        _rollback(con)
        raise WarehouseError(
            _("writing to the warehouse failed ({error}); nothing of this import was saved. "
              "Check free disk space and that the warehouse file is writable, then import again")
            .format(error=str(exc).splitlines()[0])
        ) from exc
    except BaseException:
        _rollback(con)
        raise


def _rollback(con) -> None:
    """Roll back, ignoring a connection that a fault (a full disk, a lost connection) already invalidated."""
    try:
        con.execute("rollback")
    except duckdb.Error as exc:
        log.warning("rollback after a failed import also failed: %s", str(exc).splitlines()[0])
    except WarehouseError as exc:
        # PostgreSQL rolls back the open transaction of a session that has ended.
        log.info("no rollback after the failed import because the PostgreSQL session has ended: %s",
                 str(exc).splitlines()[0])


def _safe_error(exc: BaseException) -> str:
    """Return the error text for the run log: Mercury's own message, or the exception type."""
    if isinstance(exc, MercuryError):
        return str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return f"{type(exc).__name__}: {exc}"[:2000]
