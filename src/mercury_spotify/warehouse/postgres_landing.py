"""Land export files in a PostgreSQL warehouse: DuckDB parses and validates, COPY stores.

The parsing and validation are those of ``export_landing``, run unchanged on an in-memory DuckDB
that has its own ``raw.export_play`` and ``raw.rejected_record``, so both backends accept and
reject exactly the same records. After each batch of files, DuckDB writes those rows to a CSV
file and clears them, and a second thread streams the file into PostgreSQL with ``COPY`` while
DuckDB parses the next batch. At most two batches wait on disk, so memory and disk contain about
two batches (each at most ``BATCH_BYTES`` of JSON). Everything is sent inside
the caller's open PostgreSQL transaction.
"""

from __future__ import annotations

import logging
import queue
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import psycopg

from mercury_spotify.warehouse.export_landing import LandingResult, PendingFile, land_files
from mercury_spotify.warehouse.postgres import PostgresConnection, connection_failed
from mercury_spotify.warehouse.schema import RAW_TABLES

log = logging.getLogger(__name__)

COPY_CHUNK_BYTES = 1024 * 1024
# Smaller than DuckDB's own batches, because COPY is the slower side and overlaps with parsing
# only from the second batch on. The in-memory DuckDB also keeps a whole batch until it is written.
BATCH_BYTES = 256 * 1024**2
# The raw tables that landing writes; only these are mirrored in the in-memory DuckDB.
LANDED_TABLES = ("export_play", "rejected_record")
# CSV files written but not yet copied; the DuckDB side waits when this many are pending.
MAX_PENDING_FILES = 2


def _scratch_duckdb() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:", config={
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "true",
        "TimeZone": "UTC",
    })
    con.execute("create schema raw")
    for table in LANDED_TABLES:
        con.execute(RAW_TABLES[table])
    return con


class _CopyWorker:
    """A thread that COPYs CSV files into PostgreSQL in the order they are queued."""

    def __init__(self, pg: PostgresConnection):
        self.pg = pg
        self.files: queue.Queue = queue.Queue(maxsize=MAX_PENDING_FILES)
        self.error: BaseException | None = None
        self.rows = 0
        self.seconds = 0.0
        self.thread = threading.Thread(target=self._run, name="mercury-copy", daemon=True)
        self.thread.start()

    def put(self, table: str, columns: list[str], path: Path, rows: int) -> None:
        """Queue one CSV file; raise the worker's error if an earlier COPY failed."""
        self._raise_error()
        self.files.put((table, columns, path, rows))

    def finish(self) -> None:
        """Wait until every queued file is copied; raise the worker's error if any COPY failed."""
        self.files.put(None)
        self.thread.join()
        self._raise_error()

    def _raise_error(self) -> None:
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        while (item := self.files.get()) is not None:
            if self.error is not None:
                item[2].unlink(missing_ok=True)
                continue
            table, columns, path, rows = item
            started = time.perf_counter()
            try:
                copy_csv(self.pg, table, columns, path)
            except BaseException as exc:  # handed to the landing thread, which re-raises it
                self.error = exc
            finally:
                path.unlink(missing_ok=True)
            self.rows += rows
            self.seconds += time.perf_counter() - started


def land_files_postgres(
    pg: PostgresConnection,
    pending: list[PendingFile],
    listener_id: str,
    run_id: str,
    on_progress: Callable[[int], None] = lambda landed_bytes: None,
    tolerant: frozenset[str] = frozenset(),
) -> LandingResult:
    """Land every pending file into PostgreSQL inside the caller's open transaction."""
    duck = _scratch_duckdb()
    worker = _CopyWorker(pg)
    batch_number = 0
    try:
        with tempfile.TemporaryDirectory(prefix="mercury-landing-") as scratch:

            def export_batch() -> None:
                nonlocal batch_number
                batch_number += 1
                for table in LANDED_TABLES:
                    csv_path = Path(scratch) / f"{table}-{batch_number}.csv"
                    rows, columns = export_csv(duck, table, csv_path)
                    duck.execute(f"delete from raw.{table}")
                    if rows:
                        worker.put(table, columns, csv_path, rows)

            try:
                result = land_files(duck, pending, listener_id, run_id, on_progress, tolerant, export_batch,
                                    max_batch_bytes=BATCH_BYTES)
            finally:
                worker.finish()
    finally:
        duck.close()
    if worker.seconds:
        log.info("COPY stored %d rows in %.1f s (%.0f rows/s)", worker.rows, worker.seconds,
                 worker.rows / worker.seconds)
    return result


def export_csv(duck: duckdb.DuckDBPyConnection, table: str, csv_path: Path) -> tuple[int, list[str]]:
    """Write DuckDB's ``raw.<table>`` to a CSV file; return its row count and column names.

    DuckDB writes NULL as an empty field and an empty string as ``""``, which is exactly how
    PostgreSQL's CSV format distinguishes them.
    """
    rows = duck.execute(f"select count(*) from raw.{table}").fetchone()[0]
    described = duck.execute(f"describe raw.{table}").fetchall()
    columns = [name for (name, *_rest) in described]
    if rows:
        # NOTE: PostgreSQL text cannot contain U+0000, so it is removed from text here. A name
        # with that character (JSON "\u0000") then differs from the one DuckDB keeps.
        select_list = ", ".join(
            f"replace({name}, chr(0), '') as {name}" if column_type == "VARCHAR" else name
            for (name, column_type, *_rest) in described
        )
        target = str(csv_path).replace("'", "''")
        duck.execute(f"copy (select {select_list} from raw.{table}) to '{target}' (format csv, header false)")
    return rows, columns


def copy_csv(pg: PostgresConnection, table: str, columns: list[str], csv_path: Path) -> None:
    """Stream a CSV file into PostgreSQL's ``raw.<table>`` with one COPY.

    A lost connection becomes a WarehouseError, as in ``PostgresConnection.execute``.
    """
    column_list = ", ".join(columns)
    try:
        with pg.raw.cursor() as cursor:
            with cursor.copy(f"copy raw.{table} ({column_list}) from stdin (format csv)") as copy:
                with csv_path.open("rb") as handle:
                    while chunk := handle.read(COPY_CHUNK_BYTES):
                        copy.write(chunk)
    except psycopg.OperationalError as exc:
        raise connection_failed(exc) from exc
