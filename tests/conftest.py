"""Shared fixtures: a fresh Mercury home with a real DuckDB warehouse per test."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from mercury_spotify.config import Settings, load_settings

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"

# Keep dbt and every library offline and quiet, whatever the developer's environment says.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")


@pytest.fixture(autouse=True)
def english_and_utc(monkeypatch):
    """Run every test in English and UTC unless the test changes it."""
    monkeypatch.setenv("MERCURY_LANG", "en")
    monkeypatch.setenv("MERCURY_TIMEZONE", "UTC")
    monkeypatch.delenv("MERCURY_WAREHOUSE", raising=False)


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """An empty MERCURY_HOME."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("MERCURY_HOME", str(path))
    return path


@pytest.fixture
def settings(home) -> Settings:
    """Settings for a DuckDB warehouse in the test's home."""
    return load_settings(home=home)


def query(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    """Run a read-only query on the test warehouse."""
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def scalar(settings: Settings, sql: str, params: list | None = None):
    """The single value a query returns."""
    return query(settings, sql, params)[0][0]


def samples_or_skip() -> list[Path]:
    """The shared real-export samples, or skip the test when they are not beside the repository."""
    files = sorted(SAMPLES.glob("*.json"))
    if not files:
        pytest.skip(f"no export samples in {SAMPLES}")
    return files
