"""Create the missing schemas and raw tables of a PostgreSQL warehouse.

``create schema if not exists`` and ``create table if not exists`` check the CREATE privilege
before they check whether the object exists, so ``mercury_etl`` (which may not create anything in
``raw``) would fail on them even when everything is in place. This module looks in the catalog
first and creates only what is missing.
"""

from __future__ import annotations

import logging

import psycopg

from mercury_spotify.errors import WarehouseError
from mercury_spotify.i18n import _
from mercury_spotify.warehouse.schema import RAW_TABLES, SCHEMAS

log = logging.getLogger(__name__)


def missing_objects(con) -> tuple[list[str], list[str]]:
    """Return the names of the schemas and raw tables that do not exist yet."""
    schemas = {name for (name,) in con.execute("select nspname from pg_catalog.pg_namespace").fetchall()}
    tables = {name for (name,) in con.execute(
        "select c.relname from pg_catalog.pg_class c "
        "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = 'raw' and c.relkind in ('r', 'p')"
    ).fetchall()}
    return ([name for name in SCHEMAS if name not in schemas],
            [name for name in RAW_TABLES if name not in tables])


def ensure_raw_schema(con) -> None:
    """Create what is missing; raise WarehouseError when the role may not create it.

    ``con`` is a ``PostgresConnection``.
    """
    schemas, tables = missing_objects(con)
    statements = [f"create schema if not exists {name}" for name in schemas]
    statements += [" ".join(RAW_TABLES[name].split()) for name in tables]
    for statement in statements:
        try:
            con.raw.execute(statement)
        except psycopg.errors.InsufficientPrivilege as exc:
            user = con.execute("select current_user").fetchone()[0]
            missing = [f"schema {name}" for name in schemas] + [f"raw.{name}" for name in tables]
            raise WarehouseError(_(
                "the warehouse lacks {objects} and the role {user} may not create them; run "
                "'mercury db init --admin-url postgresql://ADMIN@HOST/postgres' once"
            ).format(objects=", ".join(missing), user=user)) from exc
    if statements:
        log.info("created %d missing schemas and raw tables", len(statements))
