"""Fixtures shared by every test: a fresh warehouse on each backend.

Tests that take ``settings`` (or ``warehouse``) run twice: once on a new DuckDB file and once on
a new PostgreSQL database, created on the server at ``MERCURY_TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``, trust authentication) and dropped afterwards.
Deselect the PostgreSQL runs with ``-m "not postgres"`` on a machine without the server.
Tests that need a DuckDB file itself take ``duckdb_settings``.
"""


from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

import psycopg
import pytest

from mercury_spotify.config import Settings, load_settings
from mercury_spotify.warehouse.urls import with_database

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"

# Keep dbt and every library offline and quiet, whatever the developer's environment sets.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

POSTGRES_ADMIN_URL = os.environ.get(
    "MERCURY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def postgres_admin_connection() -> psycopg.Connection:
    """An autocommit connection to the test server's maintenance database."""
    from mercury_spotify.warehouse.postgres import connect_raw

    return connect_raw(POSTGRES_ADMIN_URL, application_name="mercury tests")


def create_test_database(prefix: str = "mercury_test") -> str:
    """Create an empty warehouse database with Mercury's collation rules; return its URL."""
    from mercury_spotify.operations.db_init import create_database

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with postgres_admin_connection() as admin:
        create_database(admin, name, owner=None)
    return with_database(POSTGRES_ADMIN_URL, name)


def drop_test_database(url: str) -> None:
    """Drop a database made by ``create_test_database``, closing its sessions first."""
    from mercury_spotify.warehouse.urls import postgres_parts

    name = postgres_parts(url)["dbname"]
    with postgres_admin_connection() as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


def make_settings(home: Path, warehouse_url: str, default_timezone: str = "America/Sao_Paulo") -> Settings:
    """Settings for a test: fixed time zone and language, nothing read from the environment."""
    return Settings(home=home, warehouse_url=warehouse_url, default_timezone=default_timezone, lang="en")


@contextlib.contextmanager
def backend_settings(backend: str, home: Path, default_timezone: str = "UTC"):
    """Settings for a fresh warehouse on ``backend``, for module-scoped fixtures."""
    if backend == "duckdb":
        yield make_settings(home, "duckdb://" + str(home / "mercury.duckdb"), default_timezone)
        return
    url = create_test_database()
    try:
        yield make_settings(home, url, default_timezone)
    finally:
        drop_test_database(url)


@pytest.fixture(autouse=True)
def fresh_logging():
    """Undo what a CLI run in-process did to Mercury's logger, so caplog sees every record."""
    import logging

    yield
    logger = logging.getLogger("mercury_spotify")
    logger.handlers[:] = []
    logger.propagate = True
    logger.setLevel(logging.NOTSET)


@pytest.fixture(autouse=True)
def english_and_utc(monkeypatch):
    """Run every test in English and UTC unless the test changes it."""
    monkeypatch.setenv("MERCURY_LANG", "en")
    monkeypatch.setenv("MERCURY_TIMEZONE", "UTC")
    monkeypatch.delenv("MERCURY_WAREHOUSE", raising=False)


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """An empty MERCURY_HOME, also set in the environment for commands run as subprocesses."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("MERCURY_HOME", str(path))
    return path


@pytest.fixture
def duckdb_settings(home) -> Settings:
    """Settings for a DuckDB warehouse in the test's home, for tests about the file itself."""
    return load_settings(home=home)


@pytest.fixture
def postgres_database():
    """The URL of a new, empty PostgreSQL database, dropped after the test."""
    try:
        url = create_test_database()
    except Exception as exc:  # server down or unreachable: the message below tells how to start it
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({exc}); start it with "
                    "'pg_ctlcluster 15 main start' or deselect with -m 'not postgres'")
    yield url
    drop_test_database(url)


BACKENDS = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def warehouse(request, home) -> Settings:
    """Settings for a fresh warehouse: a new DuckDB file, or a new PostgreSQL database."""
    if request.param == "duckdb":
        return make_settings(home, "duckdb://" + str(home / "mercury.duckdb"))
    url = request.getfixturevalue("postgres_database")
    return make_settings(home, url)


@pytest.fixture
def settings(warehouse) -> Settings:
    """The warehouse settings of the test, on each backend in turn."""
    return warehouse


@pytest.fixture
def postgres_settings(tmp_path, postgres_database) -> Settings:
    """Settings for a fresh PostgreSQL warehouse only."""
    return make_settings(tmp_path / "home", postgres_database)


@pytest.fixture(scope="session")
def demo_export(tmp_path_factory) -> list[Path]:
    """A small synthetic export: two ZIPs with extended history and overlapping account data."""
    from mercury_spotify.sources.export.synthetic import write_demo_export

    return write_demo_export(tmp_path_factory.mktemp("export"), years=1, plays_per_day=8)


# Columns that differ between two runs over the same input: run ids and wall-clock times.
RUN_SPECIFIC_COLUMNS = {"run_id", "imported_at", "created_at", "fetched_at"}
# Tables compared by warehouse_snapshot: the landed rows (export and Web API) and the whole star schema.
SNAPSHOT_RAW_TABLES = ("listener", "listener_alias", "export_file", "export_play", "rejected_record",
                       "api_recent_play", "api_track", "api_track_artist", "api_album", "api_artist")


def _query_rows(settings: Settings, sql: str) -> tuple[list[str], list[tuple]]:
    if settings.backend == "postgres":
        from mercury_spotify.warehouse.postgres import connect_raw

        with connect_raw(settings.warehouse_url) as con:
            cursor = con.execute(sql)
            return [column.name for column in cursor.description], cursor.fetchall()
    import duckdb

    con = duckdb.connect(str(settings.duckdb_path), read_only=True,
                         config={"autoinstall_known_extensions": "false", "TimeZone": "UTC"})
    try:
        cursor = con.execute(sql)
        return [column[0] for column in cursor.description], cursor.fetchall()
    finally:
        con.close()


def _normalized(value):
    import decimal

    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, float):
        return round(value, 6)
    return value


def warehouse_snapshot(settings: Settings) -> dict[str, list[tuple]]:
    """Every dw table and the landed raw tables as sorted rows, without run-specific columns.

    Two warehouses built from the same input by any sequence of runs, on either backend, give
    equal snapshots.
    """
    tables = [f"raw.{name}" for name in SNAPSHOT_RAW_TABLES]
    _columns, dw_tables = _query_rows(
        settings, "select table_name from information_schema.tables "
        "where table_schema = 'dw' and table_type = 'BASE TABLE' order by 1")
    tables += [f"dw.{name}" for (name,) in dw_tables]
    snapshot = {}
    for table in tables:
        columns, rows = _query_rows(settings, f"select * from {table}")
        keep = [index for index, name in enumerate(columns) if name not in RUN_SPECIFIC_COLUMNS]
        snapshot[table] = sorted((tuple(_normalized(row[index]) for index in keep) for row in rows), key=repr)
    return snapshot


def query(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    """Run a read-only query on the test warehouse (``?`` placeholders on both backends)."""
    if settings.backend == "postgres":
        from mercury_spotify.warehouse.postgres import connect

        con = connect(settings.warehouse_url, application_name="mercury tests")
        try:
            return [tuple(row) for row in con.execute(sql, params or []).fetchall()]
        finally:
            con.close()
    import duckdb

    con = duckdb.connect(str(settings.duckdb_path), read_only=True,
                         config={"autoinstall_known_extensions": "false", "TimeZone": "UTC"})
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def scalar(settings: Settings, sql: str, params: list | None = None):
    """The single value a query returns."""
    return query(settings, sql, params)[0][0]


def samples_or_skip() -> list[Path]:
    """The real-export samples, or skip the test when they are not beside the repository."""
    files = sorted(SAMPLES.glob("*.json"))
    if not files:
        pytest.skip(f"no export samples in {SAMPLES}")
    return files
