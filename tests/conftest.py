"""Fixtures shared by every test: a fresh warehouse on each backend.

Tests that take ``settings`` (or ``warehouse``) run twice: once on a new DuckDB file and once on
a new PostgreSQL database, created on the server at ``MERCURY_TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``, trust authentication) and dropped afterwards.
Deselect the PostgreSQL runs with ``-m "not postgres"`` on a machine without the server.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
import pytest

from mercury_spotify.config import Settings
from mercury_spotify.warehouse.urls import with_database

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


def make_settings(home: Path, warehouse_url: str) -> Settings:
    """Settings for a test: fixed time zone and language, nothing read from the environment."""
    return Settings(home=home, warehouse_url=warehouse_url, default_timezone="America/Sao_Paulo", lang="en")


@pytest.fixture
def postgres_database():
    """The URL of a new, empty PostgreSQL database, dropped after the test."""
    try:
        url = create_test_database()
    except Exception as exc:  # the server is down: say how to start it
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({exc}); start it with "
                    "'pg_ctlcluster 15 main start' or deselect with -m 'not postgres'")
    yield url
    drop_test_database(url)


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse(request, tmp_path) -> Settings:
    """Settings for a fresh warehouse: a new DuckDB file, or a new PostgreSQL database."""
    home = tmp_path / "home"
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
