"""``mercury db init``: the PostgreSQL warehouse database, its schemas, roles and grants.

Roles (all LOGIN, none superuser, none may create databases or roles):

- ``mercury_dba`` owns the database, the schemas and the ``raw`` tables, and is a member of the
  two roles below, so it can restore a backup with the original owners.
- ``mercury_etl`` may SELECT and INSERT in ``raw`` (and UPDATE the status columns of
  ``raw.load_run``), and may create tables and views in ``staging`` and ``dw``, which dbt does.
- ``mercury_reader`` may only read ``dw``. Default privileges of ``mercury_etl`` and
  ``mercury_dba`` grant it SELECT on every table they create in ``dw`` later, because default
  privileges apply per creating role.
- ``metabase`` (optional) owns Metabase's own application database and nothing in the warehouse.

Every step checks what exists first, so a second run changes nothing. A password is set only
when a role is created or ``reset_passwords`` is given.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from mercury_spotify.errors import UsageError, WarehouseError
from mercury_spotify.i18n import _
from mercury_spotify.warehouse import postgres
from mercury_spotify.warehouse.postgres_schema import ensure_raw_schema
from mercury_spotify.warehouse.schema import SCHEMAS
from mercury_spotify.warehouse.urls import mask_url, with_credentials, with_database

log = logging.getLogger(__name__)

DBA, ETL, READER, METABASE = "mercury_dba", "mercury_etl", "mercury_reader", "metabase"
WAREHOUSE_ROLES = (DBA, ETL, READER)
# The columns of raw.load_run a run updates when it finishes or is found abandoned.
LOAD_RUN_UPDATE_COLUMNS = ("finished_at", "status", "counts", "error")


@dataclass
class InitReport:
    """Record of the objects ``init_database`` created or changed, and the passwords it set."""

    database: str
    created: list[str] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)
    kept_passwords: list[str] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)


def generate_password() -> str:
    """Generate a random password of 32 URL-safe characters (192 bits)."""
    return secrets.token_urlsafe(24)


def create_database(admin: psycopg.Connection, name: str, owner: str | None) -> None:
    """Create a UTF-8 database whose text sorts by code point, as DuckDB's does.

    With ``LC_COLLATE 'C'``, ``min()``, ``max()`` and ``order by`` on names give the same results
    as on DuckDB. ``LC_CTYPE`` stays a UTF-8 locale, because ``lower()`` in a ``C`` ctype changes
    only ASCII letters.
    """
    ctype = admin.execute("select datctype from pg_catalog.pg_database where datname = 'template1'").fetchone()[0]
    if ctype.upper() in ("C", "POSIX"):
        ctype = "C.UTF-8"
    statement = sql.SQL("create database {name} {owner} template template0 encoding 'UTF8' "
                        "lc_collate 'C' lc_ctype {ctype}").format(
        name=sql.Identifier(name),
        owner=sql.SQL("owner {}").format(sql.Identifier(owner)) if owner else sql.SQL(""),
        ctype=sql.Literal(ctype),
    )
    admin.execute(statement)
    log.info("created database %s (lc_ctype %s)", name, ctype)


def init_database(
    admin_url: str,
    database: str = "mercury",
    passwords: dict[str, str | None] | None = None,
    reset_passwords: bool = False,
    with_metabase: bool = False,
    metabase_database: str = "metabase",
) -> InitReport:
    """Create or complete the warehouse database, its roles, schemas and grants."""
    passwords = passwords or {}
    report = InitReport(database=database)
    roles = WAREHOUSE_ROLES + ((METABASE,) if with_metabase else ())

    with postgres.connect_raw(admin_url, application_name="mercury db init") as admin:
        _check_admin(admin, admin_url)
        for role in roles:
            _ensure_role(admin, role, passwords.get(role), reset_passwords, report)
        _ensure_database(admin, database, DBA, report)
        _restrict_database(admin, database, {ETL: "connect, temporary", READER: "connect"})
        for member_of in (ETL, READER):
            admin.execute(sql.SQL("grant {} to {}").format(sql.Identifier(member_of), sql.Identifier(DBA)))
        if with_metabase:
            _ensure_database(admin, metabase_database, METABASE, report)
            _restrict_database(admin, metabase_database, {})

    with postgres.connect_raw(with_database(admin_url, database), application_name="mercury db init") as admin:
        _fix_owners(admin, report)
        admin.execute(sql.SQL("set role {}").format(sql.Identifier(DBA)))
        for schema in SCHEMAS:
            admin.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
        ensure_raw_schema(postgres.PostgresConnection(admin))
        admin.execute("reset role")
        _grant(admin)

    for role in WAREHOUSE_ROLES:
        password = report.passwords.get(role)
        if password:
            report.urls[role] = with_credentials(with_database(admin_url, database), role, password)
    return report


def _check_admin(admin: psycopg.Connection, admin_url: str) -> None:
    is_superuser = admin.execute("select rolsuper from pg_catalog.pg_roles where rolname = current_user").fetchone()[0]
    if not is_superuser:
        raise UsageError(_(
            "{url}: 'mercury db init' needs a superuser (such as postgres), because it sets default "
            "privileges for other roles; use that role's URL in --admin-url"
        ).format(url=mask_url(admin_url)))


def _ensure_role(admin: psycopg.Connection, role: str, password: str | None, reset: bool,
                 report: InitReport) -> None:
    exists = admin.execute("select 1 from pg_catalog.pg_roles where rolname = %s", [role]).fetchone()
    if not exists:
        admin.execute(sql.SQL("create role {} login nosuperuser nocreatedb nocreaterole noreplication")
                      .format(sql.Identifier(role)))
        report.created.append(f"role {role}")
        log.info("created role %s", role)
    elif not reset:
        report.kept_passwords.append(role)
        return
    password = password or generate_password()
    _set_password(admin, role, password)
    report.passwords[role] = password


def _set_password(admin: psycopg.Connection, role: str, password: str) -> None:
    """Set a role's password as a SCRAM verifier computed here, so the clear text never reaches the server's logs."""
    verifier = admin.pgconn.encrypt_password(password.encode(), role.encode(), None)
    admin.execute(sql.SQL("alter role {} password {}").format(sql.Identifier(role),
                                                              sql.Literal(verifier.decode())))
    log.info("password of role %s set", role)


def _ensure_database(admin: psycopg.Connection, name: str, owner: str, report: InitReport) -> None:
    row = admin.execute(
        "select pg_catalog.pg_get_userbyid(datdba) from pg_catalog.pg_database where datname = %s", [name]
    ).fetchone()
    if row is None:
        create_database(admin, name, owner)
        report.created.append(f"database {name}")
    elif row[0] != owner:
        admin.execute(sql.SQL("alter database {} owner to {}").format(sql.Identifier(name), sql.Identifier(owner)))
        report.created.append(f"owner {owner} of database {name}")


def _restrict_database(admin: psycopg.Connection, name: str, grants: dict[str, str]) -> None:
    """Take CONNECT and TEMPORARY from PUBLIC; give them back only to the roles listed."""
    admin.execute(sql.SQL("revoke all on database {} from public").format(sql.Identifier(name)))
    for role, privileges in grants.items():
        admin.execute(sql.SQL("grant " + privileges + " on database {} to {}").format(
            sql.Identifier(name), sql.Identifier(role)))


def _fix_owners(admin: psycopg.Connection, report: InitReport) -> None:
    """Give schemas and raw tables to mercury_dba, and staging and dw objects to mercury_etl.

    A warehouse built before ``db init`` (by the postgres role, say) has other owners, and dbt
    running as mercury_etl can replace only tables it owns.
    """
    for schema in SCHEMAS:
        row = admin.execute("select pg_catalog.pg_get_userbyid(nspowner) from pg_catalog.pg_namespace "
                            "where nspname = %s", [schema]).fetchone()
        if row is not None and row[0] != DBA:
            admin.execute(sql.SQL("alter schema {} owner to {}").format(sql.Identifier(schema), sql.Identifier(DBA)))
            report.created.append(f"owner {DBA} of schema {schema}")
    relations = admin.execute("""
        select n.nspname, c.relname, c.relkind, pg_catalog.pg_get_userbyid(c.relowner)
        from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname in ('raw', 'staging', 'dw') and c.relkind in ('r', 'p', 'v', 'm')
    """).fetchall()
    kinds = {"r": "table", "p": "table", "v": "view", "m": "materialized view"}
    for schema, name, kind, owner in relations:
        wanted = DBA if schema == "raw" else ETL
        if owner != wanted:
            admin.execute(sql.SQL("alter " + kinds[kind] + " {}.{} owner to {}").format(
                sql.Identifier(schema), sql.Identifier(name), sql.Identifier(wanted)))
            report.created.append(f"owner {wanted} of {schema}.{name}")


def _grant(admin: psycopg.Connection) -> None:
    """Apply the grants of every role; GRANT and REVOKE of what is already in place change nothing."""
    etl, reader, dba = (sql.Identifier(name) for name in (ETL, READER, DBA))
    update_columns = sql.SQL(", ").join(sql.Identifier(name) for name in LOAD_RUN_UPDATE_COLUMNS)
    statements = [
        sql.SQL("revoke create on schema public from public"),
        sql.SQL("revoke all on schema raw, staging, dw from public"),
        sql.SQL("grant usage on schema raw to {}").format(etl),
        sql.SQL("grant select, insert on all tables in schema raw to {}").format(etl),
        sql.SQL("grant update ({}) on raw.load_run to {}").format(update_columns, etl),
        sql.SQL("grant usage on all sequences in schema raw to {}").format(etl),
        sql.SQL("alter default privileges for role {} in schema raw grant select, insert on tables to {}").format(dba, etl),
        sql.SQL("alter default privileges for role {} in schema raw grant usage on sequences to {}").format(dba, etl),
        sql.SQL("grant usage, create on schema staging, dw to {}").format(etl),
        sql.SQL("grant usage on schema dw to {}").format(reader),
        sql.SQL("grant select on all tables in schema dw to {}").format(reader),
    ]
    for creator in (etl, dba):
        statements.append(sql.SQL("alter default privileges for role {} in schema dw grant select on tables to {}")
                          .format(creator, reader))
    for statement in statements:
        try:
            admin.execute(statement)
        except psycopg.Error as exc:
            raise WarehouseError(_("db init: a grant failed ({reason}); the grants after it were not "
                                   "applied. Fix the cause and run db init again").format(reason=exc)) from exc
