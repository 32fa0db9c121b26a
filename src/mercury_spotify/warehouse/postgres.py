"""Connections to a PostgreSQL warehouse through psycopg 3.

Mercury's SQL is written once, with DuckDB's ``?`` placeholders and its ``con.execute(sql,
params).fetchall()`` call style. ``PostgresConnection`` offers the same calls on a psycopg
connection and rewrites the placeholders to psycopg's ``%s``, so the loaders and the run log run
unchanged on both backends.

Connections are in autocommit mode: a caller that needs a transaction sends ``begin
transaction`` / ``commit`` / ``rollback`` itself, exactly as it does on DuckDB. Every session runs
in UTC, so timestamps cast to text read the same as on DuckDB.
"""

from __future__ import annotations

import logging

import psycopg

from mercury_spotify.errors import WarehouseError
from mercury_spotify.i18n import _
from mercury_spotify.warehouse.urls import mask_url, postgres_parts

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 10


def to_psycopg_placeholders(sql: str, has_params: bool) -> str:
    """Rewrite ``?`` placeholders to ``%s`` outside quoted text; escape ``%`` when binding."""
    if not has_params:
        return sql
    output = []
    quote_char: str | None = None
    for char in sql:
        if quote_char is not None:
            if char == quote_char:
                quote_char = None
        elif char in ("'", '"'):
            quote_char = char
        elif char == "?":
            output.append("%s")
            continue
        output.append("%%" if char == "%" else char)
    return "".join(output)


class PostgresConnection:
    """A psycopg connection that accepts DuckDB-style ``execute(sql, params)`` calls."""

    def __init__(self, raw: psycopg.Connection):
        self.raw = raw

    def execute(self, sql: str, params=None) -> psycopg.Cursor:
        """Run one statement and return its cursor (``fetchone``/``fetchall`` as on DuckDB).

        A denied privilege or a lost connection becomes a WarehouseError that names the fix.
        Other database errors pass through unchanged.
        """
        try:
            # cursor() itself raises once the connection is closed, for example by a server restart.
            cursor = self.raw.cursor()
            cursor.execute(to_psycopg_placeholders(sql, bool(params)), params or None)
        except psycopg.errors.InsufficientPrivilege as exc:
            user = self.raw.info.user
            raise WarehouseError(_(
                "the PostgreSQL role {user} may not do this: {reason}; run Mercury with the "
                "mercury_etl URL, and 'mercury db init' if the warehouse lacks its roles"
            ).format(user=user, reason=exc.diag.message_primary)) from exc
        except psycopg.OperationalError as exc:
            raise connection_failed(exc) from exc
        return cursor

    def close(self) -> None:
        """Close the connection; an open transaction is rolled back by the server."""
        self.raw.close()


def connection_failed(exc: psycopg.OperationalError) -> WarehouseError:
    """Return the error for a statement whose connection failed or was closed, such as by a server restart."""
    # The server's primary message only: psycopg's text goes on with the statement and a caret.
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    reason = exc.diag.message_primary or (lines[0] if lines else type(exc).__name__)
    return WarehouseError(_("the connection to the PostgreSQL warehouse failed: {reason}; check that the "
                            "server is running, then run the command again").format(reason=reason))


def connect_raw(url: str, application_name: str = "mercury", autocommit: bool = True) -> psycopg.Connection:
    """Open a plain psycopg connection to ``url`` in UTC, mapping failures to WarehouseError."""
    parts = postgres_parts(url)
    try:
        return psycopg.connect(
            host=parts["host"],
            port=parts["port"],
            user=parts["user"],
            password=parts["password"] or None,
            dbname=parts["dbname"],
            application_name=application_name[:63],
            options="-c TimeZone=UTC",
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            autocommit=autocommit,
        )
    except psycopg.OperationalError as exc:
        detail = _connection_error_detail(exc)
        raise WarehouseError(_(
            "cannot connect to the PostgreSQL warehouse {url}: {reason}; check that the server is "
            "running and the URL's user, password and database name"
        ).format(url=mask_url(url), reason=detail)) from exc


def _connection_error_detail(exc: psycopg.OperationalError) -> str:
    """Extract the server's reason (the FATAL line and its DETAIL) from libpq's multi-line message."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    fatal = next((line.split("FATAL:", 1)[1].strip() for line in lines if "FATAL:" in line), None)
    if fatal is None:
        return lines[-1]
    details = [line.split("DETAIL:", 1)[1].strip() for line in lines if line.startswith("DETAIL:")]
    return " ".join([fatal, *details])


def connect(url: str, application_name: str = "mercury") -> PostgresConnection:
    """Open the warehouse at ``url`` for Mercury's loaders (autocommit, UTC)."""
    return PostgresConnection(connect_raw(url, application_name))
