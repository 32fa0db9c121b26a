"""Parsing, masking and rewriting ``postgresql://`` warehouse URLs.

Passwords in a URL are percent-encoded (``%40`` for ``@``); every function here decodes or
encodes them, so a password with any character works.
"""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit, urlunsplit

from mercury_spotify.errors import ConfigError
from mercury_spotify.i18n import _

DEFAULT_PORT = 5432


def postgres_parts(url: str) -> dict:
    """Split a ``postgresql://user:password@host:port/dbname`` URL into its decoded parts.

    A missing user is ``postgres``, a missing password is the empty string, a missing port is
    5432 and a missing database name is ``mercury``.
    """
    parsed = urlsplit(url)
    if parsed.scheme not in ("postgresql", "postgres"):
        raise ConfigError(_("{url} is not a postgresql:// URL").format(url=mask_url(url)))
    try:
        port = parsed.port or DEFAULT_PORT
    except ValueError as exc:
        raise ConfigError(_("{url}: the port is not a number").format(url=mask_url(url))) from exc
    return {
        "host": parsed.hostname or "127.0.0.1",
        "port": port,
        "user": unquote(parsed.username) if parsed.username else "postgres",
        "password": unquote(parsed.password) if parsed.password else "",
        "dbname": unquote(parsed.path.lstrip("/")) or "mercury",
        "query": parsed.query,
    }


def build_url(parts: dict) -> str:
    """Join parts (as ``postgres_parts`` returns them) into a URL, encoding user and password."""
    credentials = quote(parts["user"], safe="")
    if parts.get("password"):
        credentials += ":" + quote(parts["password"], safe="")
    host = parts["host"]
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{credentials}@{host}:{parts['port']}"
    return urlunsplit(("postgresql", netloc, "/" + quote(parts["dbname"], safe=""), parts.get("query", ""), ""))


def with_database(url: str, dbname: str) -> str:
    """Return the URL of another database on the same server, with the same credentials."""
    return build_url({**postgres_parts(url), "dbname": dbname})


def with_credentials(url: str, user: str, password: str | None) -> str:
    """Return the URL of the same database for another role."""
    return build_url({**postgres_parts(url), "user": user, "password": password or ""})


def without_password(url: str) -> str:
    """Return the URL without its password, for a client program that reads PGPASSWORD."""
    return build_url({**postgres_parts(url), "password": ""})


def mask_url(url: str) -> str:
    """Return the URL with its password replaced by ``***``, safe to log or print."""
    parsed = urlsplit(url)
    if not parsed.password:
        return url
    user = parsed.username or ""
    host_part = parsed.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parsed.scheme, f"{user}:***@{host_part}", parsed.path, parsed.query, parsed.fragment))
