"""Read-only access: missing and unbuilt warehouses, a writer holding the file, the cache."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import duckdb
import pytest

from mercury_spotify.dashboards.cards import historical
from mercury_spotify.dashboards.reader import NoDataError, Reader, WarehouseTarget, has_plays
from mercury_spotify.errors import WarehouseBusyError


def test_missing_file_is_no_data(tmp_path):
    reader = Reader(WarehouseTarget("duckdb", duckdb_path=tmp_path / "absent.duckdb"))
    with pytest.raises(NoDataError):
        reader.run_sql("select count(*) from dw.fact_play", {})
    assert not has_plays(reader)
    assert not (tmp_path / "absent.duckdb").exists()


def test_unbuilt_warehouse_is_no_data(tmp_path):
    path = tmp_path / "mercury.duckdb"
    duckdb.connect(str(path)).close()
    reader = Reader(WarehouseTarget("duckdb", duckdb_path=path))
    assert not has_plays(reader)


def test_fixture_has_plays(fixture_settings):
    assert has_plays(Reader(WarehouseTarget.from_settings(fixture_settings)))


def test_connection_read_only(fixture_settings):
    reader = Reader(WarehouseTarget.from_settings(fixture_settings), cache_seconds=0)
    with pytest.raises(Exception, match="read-only"):
        reader.run_sql("create table dw.scratch (x integer)", {})


def test_cache_reuses_result(fixture_settings):
    reader = Reader(WarehouseTarget.from_settings(fixture_settings), cache_seconds=3600)
    values = {"start_date": "2026-01-01", "end_date": "2026-12-31", "listener": "ana", "include_incognito": 0}
    first = reader.run_card(historical.SUMMARY, values)
    assert reader.run_card(historical.SUMMARY, values) is first
    reader.clear_cache()
    assert reader.run_card(historical.SUMMARY, values) is not first


def test_missing_parameter_rejected(fixture_settings):
    reader = Reader(WarehouseTarget.from_settings(fixture_settings))
    with pytest.raises(ValueError, match="start_date"):
        reader.run_card(historical.SUMMARY, {"end_date": "2026-12-31", "listener": "", "include_incognito": 0})


def test_writer_lock_reported_busy(tmp_path):
    path = tmp_path / "mercury.duckdb"
    writer_script = textwrap.dedent(f"""
        import sys, duckdb
        con = duckdb.connect({str(path)!r})
        con.execute("create schema dw")
        con.execute("create table dw.fact_play (x integer)")
        print("locked", flush=True)
        sys.stdin.readline()
        con.close()
    """)
    writer = subprocess.Popen([sys.executable, "-c", writer_script], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "locked"
        reader = Reader(WarehouseTarget("duckdb", duckdb_path=path))
        with pytest.raises(WarehouseBusyError):
            reader.run_sql("select count(*) from dw.fact_play", {})
    finally:
        writer.stdin.write("\n")
        writer.stdin.flush()
        writer.wait()
    assert not has_plays(Reader(WarehouseTarget("duckdb", duckdb_path=path)))
