"""Warehouse URLs, placeholder rewriting and archive listings: pure functions, no server."""

from __future__ import annotations

import pytest

from mercury_spotify.errors import ConfigError
from mercury_spotify.operations.pg_tools import archive_owners
from mercury_spotify.warehouse.postgres import to_psycopg_placeholders
from mercury_spotify.warehouse.urls import mask_url, postgres_parts, with_credentials, with_database, without_password


def test_parts_decode_password():
    parts = postgres_parts("postgresql://mercury_etl:p%40ss%3Aword@db.local:6543/warehouse")
    assert parts["user"] == "mercury_etl"
    assert parts["password"] == "p@ss:word"
    assert parts["host"] == "db.local"
    assert parts["port"] == 6543
    assert parts["dbname"] == "warehouse"


def test_parts_defaults():
    parts = postgres_parts("postgresql://127.0.0.1")
    assert (parts["user"], parts["password"], parts["port"], parts["dbname"]) == ("postgres", "", 5432, "mercury")


def test_parts_reject_other_scheme():
    with pytest.raises(ConfigError, match="not a postgresql:// URL"):
        postgres_parts("duckdb:///tmp/x.duckdb")


def test_rewrites_keep_credentials():
    url = "postgresql://etl:s%2Fecret@127.0.0.1:5432/mercury"
    assert postgres_parts(with_database(url, "metabase"))["password"] == "s/ecret"
    assert postgres_parts(with_database(url, "metabase"))["dbname"] == "metabase"
    assert postgres_parts(with_credentials(url, "mercury_reader", "a b@c"))["password"] == "a b@c"
    assert "s%2Fecret" not in without_password(url)


def test_mask_hides_password():
    masked = mask_url("postgresql://etl:secret@127.0.0.1:5432/mercury")
    assert masked == "postgresql://etl:***@127.0.0.1:5432/mercury"
    assert mask_url("postgresql://etl@127.0.0.1/mercury") == "postgresql://etl@127.0.0.1/mercury"


@pytest.mark.parametrize("sql, expected", [
    ("select ? , ?", "select %s , %s"),
    ("select '?' as q, ? as v", "select '?' as q, %s as v"),
    ("select \"odd?name\" from t where a like '%x%' and b = ?", "select \"odd?name\" from t where a like '%%x%%' and b = %s"),
    ("select 'it''s ?', ?", "select 'it''s ?', %s"),
])
def test_placeholders_rewritten(sql, expected):
    assert to_psycopg_placeholders(sql, has_params=True) == expected


def test_placeholders_untouched_without_params():
    assert to_psycopg_placeholders("select '%' like '%'", has_params=False) == "select '%' like '%'"


def test_archive_owners_parsed():
    listing = [
        ";",
        "; Archive created at 2026-12-04 21:00:00 UTC",
        "5; 2615 16389 SCHEMA - raw mercury_dba",
        "216; 1259 16427 TABLE dw fact_play mercury_etl",
        "217; 1259 16430 VIEW staging stg_export_play mercury_etl",
        "3400; 0 16427 TABLE DATA dw fact_play mercury_etl",
        "3401; 826 16390 DEFAULT ACL - DEFAULT PRIVILEGES FOR TABLES mercury_etl",
        "3402; 1259 16440 MATERIALIZED VIEW dw monthly mercury_etl",
    ]
    assert archive_owners(listing) == [
        ("SCHEMA", None, "raw", "mercury_dba"),
        ("TABLE", "dw", "fact_play", "mercury_etl"),
        ("VIEW", "staging", "stg_export_play", "mercury_etl"),
        ("MATERIALIZED VIEW", "dw", "monthly", "mercury_etl"),
    ]
