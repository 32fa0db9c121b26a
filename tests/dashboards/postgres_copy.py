"""Copy the fixture warehouse's ``dw`` tables and the run log into a new PostgreSQL database.

The importer writes DuckDB only, so the PostgreSQL side of the card tests gets the very rows
that the real pipeline built, table by table, with the column types mapped.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

TYPE_NAMES = {
    "VARCHAR": "text",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "DOUBLE": "double precision",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}

RAW_TABLES = ("load_run", "rejected_record")


def database_url(admin_url: str, name: str) -> str:
    """``admin_url`` pointing at database ``name`` instead."""
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}"


def create_copy(admin_url: str, duckdb_path: Path) -> tuple[str, str]:
    """Create a database holding the DuckDB file's dw tables and run log; return (name, url)."""
    name = "mercury_dashboards_" + uuid.uuid4().hex[:12]
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    url = database_url(admin_url, name)
    source = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        tables = [("dw", table) for (table,) in source.execute(
            "select table_name from information_schema.tables where table_schema = 'dw' order by 1").fetchall()]
        tables += [("raw", table) for table in RAW_TABLES]
        with psycopg.connect(url) as target:
            target.execute("create schema dw")
            target.execute("create schema raw")
            for schema, table in tables:
                _copy_table(source, target, schema, table)
    except BaseException:
        drop_copy(admin_url, name)
        raise
    finally:
        source.close()
    return name, url


def _copy_table(source, target, schema: str, table: str) -> None:
    columns = source.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position", [schema, table]).fetchall()
    definitions = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(column), sql.SQL(TYPE_NAMES[data_type]))
        for column, data_type in columns)
    qualified = sql.Identifier(schema, table)
    target.execute(sql.SQL("create table {} ({})").format(qualified, definitions))
    names = sql.SQL(", ").join(sql.Identifier(column) for column, _ in columns)
    rows = source.execute(f'select * from "{schema}"."{table}"').fetchall()
    with target.cursor().copy(sql.SQL("copy {} ({}) from stdin").format(qualified, names)) as copy:
        for row in rows:
            copy.write_row(row)


def drop_copy(admin_url: str, name: str) -> None:
    """Drop the database made by ``create_copy``."""
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
