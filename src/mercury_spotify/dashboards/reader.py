"""Read-only queries for the dashboards, on DuckDB or PostgreSQL, with a short result cache.

Every query opens its own connection and closes it at once: a DuckDB file can have one writer or
many readers but never both, so a dashboard that kept a connection open would block every import
and sync. When a writer has the file open, the reader retries briefly and then raises
``WarehouseBusyError`` so the page can say "updating…" and try again later. On PostgreSQL the
connection is read-only and meant for the ``mercury_reader`` role.
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mercury_spotify.config import Settings
from mercury_spotify.dashboards.definition import Card, bind_sql, placeholders
from mercury_spotify.errors import WarehouseBusyError, WarehouseError

log = logging.getLogger(__name__)

# Brief waits before a locked DuckDB file is reported as busy; the page then retries on its own.
LOCK_RETRY_SECONDS = (0.05, 0.1, 0.2)
DEFAULT_CACHE_SECONDS = 30.0
POSTGRES_CONNECT_TIMEOUT_SECONDS = 5

# Same settings as the pipeline's connections: DuckDB refuses a second connection to one file
# in one process when the configuration differs.
_DUCKDB_CONFIG = {
    "autoinstall_known_extensions": "false",
    "autoload_known_extensions": "true",
    "TimeZone": "UTC",
}


class NoDataError(WarehouseError):
    """The warehouse has no plays yet: the file is missing, not built, or empty."""


@dataclass(frozen=True)
class WarehouseTarget:
    """Warehouse location that the dashboards read: a DuckDB file or a PostgreSQL URL."""

    backend: str
    duckdb_path: Path | None = None
    postgres_url: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> WarehouseTarget:
        """Return the target of the configured warehouse."""
        if settings.backend == "duckdb":
            return cls("duckdb", duckdb_path=settings.duckdb_path)
        return cls("postgres", postgres_url=settings.warehouse_url)

    def describe(self) -> str:
        """Describe the target without a password, for messages and logs."""
        if self.backend == "duckdb":
            return str(self.duckdb_path)
        return "postgresql://" + (self.postgres_url or "").split("@")[-1]


class Reader:
    """Runs dashboard queries on one warehouse and keeps each result for ``cache_seconds``."""

    def __init__(self, target: WarehouseTarget, cache_seconds: float = DEFAULT_CACHE_SECONDS):
        self.target = target
        self.cache_seconds = cache_seconds
        self._cache: dict[tuple, tuple[float, pd.DataFrame]] = {}
        self._lock = threading.Lock()

    def run_card(self, card: Card, values: Mapping[str, object]) -> pd.DataFrame:
        """Run one card with the parameter values it uses."""
        return self.run_sql(card.sql_for(self.target.backend), values)

    def run_sql(self, sql: str, values: Mapping[str, object]) -> pd.DataFrame:
        """Run a SQL text with ``{{name}}`` placeholders; a result younger than the cache is reused."""
        names = placeholders(sql)
        missing = [name for name in names if name not in values]
        if missing:
            raise ValueError(f"no value for parameter(s) {', '.join(missing)}")
        bound = {name: values[name] for name in names}
        key = (sql, tuple(sorted((name, repr(value)) for name, value in bound.items())))
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and now - cached[0] < self.cache_seconds:
            return cached[1]
        frame = self._execute(bind_sql(sql, self.target.backend), bound)
        with self._lock:
            # Drop expired results so that browsing many dates does not grow the cache forever.
            expired = [old_key for old_key, (stored_at, _) in self._cache.items()
                       if now - stored_at >= self.cache_seconds]
            for old_key in expired:
                del self._cache[old_key]
            self._cache[key] = (now, frame)
        return frame

    def clear_cache(self) -> None:
        """Forget every cached result, so the next queries read the warehouse again."""
        with self._lock:
            self._cache.clear()

    def _execute(self, sql: str, values: dict[str, object]) -> pd.DataFrame:
        if self.target.backend == "duckdb":
            columns, rows = _run_duckdb(self.target.duckdb_path, sql, values)
        else:
            columns, rows = _run_postgres(self.target.postgres_url, sql, values)
        return _to_frame(columns, rows)


def _run_duckdb(path: Path, sql: str, values: dict[str, object]) -> tuple[list[str], list[tuple]]:
    import duckdb

    if not path.exists():
        raise NoDataError(f"{path}: no warehouse yet")
    con = _open_duckdb(path)
    try:
        cursor = con.execute(sql, values)
        return [column[0] for column in cursor.description], cursor.fetchall()
    except duckdb.CatalogException as exc:
        raise NoDataError(f"{path}: the warehouse has not been built yet ({exc})") from exc
    except duckdb.Error as exc:
        raise WarehouseError(f"{path}: a dashboard query failed: {exc}") from exc
    finally:
        con.close()


def _open_duckdb(path: Path):
    import duckdb

    for attempt, delay in enumerate((*LOCK_RETRY_SECONDS, None), start=1):
        try:
            return duckdb.connect(str(path), read_only=True, config=_DUCKDB_CONFIG)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise WarehouseError(f"{path}: cannot open the warehouse: {exc}") from exc
            if delay is None:
                log.info("warehouse %s is locked by a writer; reporting it as busy", path)
                raise WarehouseBusyError(f"{path}: an import or sync is writing the warehouse") from exc
            log.debug("warehouse %s locked, retry %d in %.2f s", path, attempt, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


def _run_postgres(url: str, sql: str, values: dict[str, object]) -> tuple[list[str], list[tuple]]:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=POSTGRES_CONNECT_TIMEOUT_SECONDS) as con:
            con.read_only = True
            with con.cursor() as cursor:
                cursor.execute(sql, values)
                return [column.name for column in cursor.description], cursor.fetchall()
    except psycopg.errors.UndefinedTable as exc:
        raise NoDataError("the warehouse has not been built yet: " + str(exc).splitlines()[0]) from exc
    except psycopg.Error as exc:
        host = url.split("@")[-1]
        raise WarehouseError(f"postgresql://{host}: a dashboard query failed: "
                             + str(exc).splitlines()[0]) from exc


def _to_frame(columns: list[str], rows: list[tuple]) -> pd.DataFrame:
    """Build a DataFrame of the rows, with PostgreSQL's decimals as floats so both backends match."""
    frame = pd.DataFrame.from_records(rows, columns=columns)
    for name in columns:
        if frame[name].map(lambda value: isinstance(value, decimal.Decimal)).any():
            frame[name] = frame[name].map(lambda value: None if value is None else float(value))
    return frame


def has_plays(reader: Reader) -> bool:
    """Return True when ``dw.fact_play`` exists and has at least one row."""
    try:
        frame = reader.run_sql("select count(*) as plays from dw.fact_play", {})
    except NoDataError:
        return False
    return int(frame.iloc[0, 0]) > 0


def as_date(value) -> dt.date | None:
    """Convert what either driver returns for a date column (date, datetime, Timestamp) to a date."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    return value
