"""Land export files in a PostgreSQL warehouse: DuckDB parses and validates, COPY stores.

The parsing and validation are those of ``export_landing``, run unchanged on an in-memory DuckDB
that has its own ``raw.export_play`` and ``raw.rejected_record``. After each batch of files,
those rows are written to a CSV file by DuckDB and streamed into PostgreSQL with one ``COPY``,
then cleared, so memory contains one batch at a time and both backends accept and reject exactly
the same records. Everything is sent inside the caller's open PostgreSQL transaction.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb

from mercury_spotify.warehouse.export_landing import LandingResult, PendingFile, land_files
from mercury_spotify.warehouse.postgres import PostgresConnection
from mercury_spotify.warehouse.schema import RAW_TABLES

log = logging.getLogger(__name__)

COPY_CHUNK_BYTES = 1024 * 1024
# The raw tables that landing writes; only these are mirrored in the in-memory DuckDB.
LANDED_TABLES = ("export_play", "rejected_record")


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


def land_files_postgres(
    pg: PostgresConnection,
    pending: list[PendingFile],
    listener_id: str,
    run_id: str,
    on_file_done: Callable[[PendingFile], None] = lambda item: None,
) -> LandingResult:
    """Land every pending file into PostgreSQL inside the caller's open transaction."""
    duck = _scratch_duckdb()
    try:
        with tempfile.TemporaryDirectory(prefix="mercury-landing-") as scratch:
            csv_path = Path(scratch) / "rows.csv"

            def copy_batch() -> None:
                for table in LANDED_TABLES:
                    copied = copy_table(duck, pg, table, csv_path)
                    log.debug("copied %d rows into raw.%s", copied, table)
                    duck.execute(f"delete from raw.{table}")

            return land_files(duck, pending, listener_id, run_id, on_file_done, copy_batch)
    finally:
        duck.close()


def copy_table(duck: duckdb.DuckDBPyConnection, pg: PostgresConnection, table: str, csv_path: Path) -> int:
    """Stream every row of DuckDB's ``raw.<table>`` into PostgreSQL's; return the row count.

    DuckDB writes NULL as an empty field and an empty string as ``""``, which is exactly how
    PostgreSQL's CSV format tells them apart.
    """
    rows = duck.execute(f"select count(*) from raw.{table}").fetchone()[0]
    if rows == 0:
        return 0
    columns = [name for (name, *_rest) in duck.execute(f"describe raw.{table}").fetchall()]
    target = str(csv_path).replace("'", "''")
    duck.execute(f"copy raw.{table} to '{target}' (format csv, header false)")
    column_list = ", ".join(columns)
    with pg.raw.cursor() as cursor:
        with cursor.copy(f"copy raw.{table} ({column_list}) from stdin (format csv)") as copy:
            with csv_path.open("rb") as handle:
                while chunk := handle.read(COPY_CHUNK_BYTES):
                    copy.write(chunk)
    csv_path.unlink()
    return rows
