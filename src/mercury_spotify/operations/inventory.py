"""Row counts of a warehouse's tables, written into backup manifests and checked on restore."""

from __future__ import annotations

from mercury_spotify.warehouse.schema import SCHEMAS

_SCHEMA_LIST = ", ".join(f"'{name}'" for name in SCHEMAS)


def table_row_counts(con, backend: str) -> dict[str, int]:
    """Count the rows of each base table in the raw, staging and dw schemas, keyed ``schema.table``."""
    if backend == "postgres":
        tables = con.execute(
            "select n.nspname, c.relname from pg_catalog.pg_class c "
            "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
            f"where n.nspname in ({_SCHEMA_LIST}) and c.relkind in ('r', 'p') order by 1, 2"
        ).fetchall()
    else:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in ({_SCHEMA_LIST}) and table_type = 'BASE TABLE' order by 1, 2"
        ).fetchall()
    return {
        f"{schema}.{table}": int(con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0])
        for schema, table in tables
    }
