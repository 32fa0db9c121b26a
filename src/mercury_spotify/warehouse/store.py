"""The warehouse as the pipeline sees it: one writer connection with the raw schema in place."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import duckdb

from mercury_spotify.config import Settings
from mercury_spotify.errors import WarehouseError
from mercury_spotify.i18n import _
from mercury_spotify.warehouse import duckdb_file, runs
from mercury_spotify.warehouse.schema import create_statements

log = logging.getLogger(__name__)


class Store:
    """A writer connection to the warehouse, with helpers the loaders share."""

    def __init__(self, con, backend: str):
        self.con = con
        self.backend = backend

    def ensure_schema(self) -> None:
        """Create the schemas and raw tables that are missing."""
        if self.backend == "postgres":
            from mercury_spotify.warehouse.postgres_schema import ensure_raw_schema

            ensure_raw_schema(self.con)
            return
        for statement in create_statements():
            self.con.execute(statement)

    def land_export_files(self, pending, listener_id: str, run_id: str, on_progress,
                          tolerant: frozenset[str] = frozenset()):
        """Land export files inside the caller's open transaction (see ``export_landing``)."""
        if self.backend == "postgres":
            from mercury_spotify.warehouse.postgres_landing import land_files_postgres

            return land_files_postgres(self.con, pending, listener_id, run_id, on_progress, tolerant)
        from mercury_spotify.warehouse.export_landing import land_files

        return land_files(self.con, pending, listener_id, run_id, on_progress, tolerant)

    def ensure_listener(self, listener_id: str, run_id: str) -> None:
        """Add the listener if it is new."""
        exists = self.con.execute(
            "select 1 from raw.listener where listener_id = ?", [listener_id]
        ).fetchone()
        if not exists:
            self.con.execute(
                "insert into raw.listener values (?, ?, ?, ?)",
                [listener_id, listener_id, runs.utc_now(), run_id],
            )

    def add_listener_alias(self, listener_id: str, alias: str, run_id: str,
                           source: str = "export_username") -> None:
        """Keep another name of the listener (an export's ``username``, a Spotify user id)."""
        exists = self.con.execute(
            "select 1 from raw.listener_alias where alias = ? and listener_id = ?", [alias, listener_id]
        ).fetchone()
        if not exists:
            self.con.execute(
                "insert into raw.listener_alias values (?, ?, ?, ?)",
                [alias, listener_id, source, run_id],
            )


@contextlib.contextmanager
def open_writer(settings: Settings) -> Iterator[Store]:
    """Open the configured warehouse for writing, with the raw schema created."""
    if settings.backend == "postgres":
        from mercury_spotify.warehouse import postgres

        con = postgres.connect(settings.warehouse_url, application_name="mercury writer")
    else:
        con = duckdb_file.connect(settings.duckdb_path)
    try:
        store = Store(con, settings.backend)
        try:
            store.ensure_schema()
        except duckdb.Error as exc:
            raise WarehouseError(
                _("{path}: the warehouse cannot be read ({error}); if the file is damaged, "
                  "restore a backup with 'mercury restore FILE'")
                .format(path=settings.duckdb_path, error=str(exc).splitlines()[0])
            ) from exc
        yield store
    finally:
        con.close()
