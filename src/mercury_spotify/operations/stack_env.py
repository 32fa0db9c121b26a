"""``mercury stack init``: the ``.env`` file the Docker stack reads its passwords and settings from.

The file is created with mode 0600 in one step (``os.open`` with ``O_EXCL``), so no other user
can read it even for a moment, and an existing file is kept unless the caller forces a rewrite.
Passwords come from ``secrets.token_urlsafe``, whose alphabet (letters, digits, ``-`` and ``_``)
needs no quoting in ``.env`` files or escaping in ``postgresql://`` URLs.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from mercury_spotify.errors import ConfigError
from mercury_spotify.i18n import _

log = logging.getLogger(__name__)

ENV_FILE_NAME = ".env"
PASSWORD_BYTES = 24  # 32 characters of token_urlsafe

# Every password the stack needs, generated anew by each ``stack init``.
PASSWORD_VARIABLES = (
    "WAREHOUSE_ADMIN_PASSWORD",  # the warehouse server's superuser (postgres), used by db init only
    "MERCURY_DBA_PASSWORD",
    "MERCURY_ETL_PASSWORD",
    "MERCURY_READER_PASSWORD",
    "METABASE_DB_PASSWORD",  # the metabase role of Metabase's own database
    "METABASE_ADMIN_PASSWORD",  # the first Metabase user, created by `mercury metabase provision`
)


@dataclass(frozen=True)
class StackOptions:
    """The settings written beside the passwords; each has a working default."""

    timezone: str = "UTC"
    lang: str = "en"
    metabase_admin_email: str = "admin@mercury.invalid"
    metabase_port: int = 3000
    spotify_client_id: str = ""
    sync_interval_minutes: int = 20
    backup_time: str = "03:30"
    backup_keep: int = 14


def settings_lines(options: StackOptions) -> list[tuple[str, str]]:
    """The non-secret variables, in the order the file lists them."""
    return [
        ("MERCURY_TIMEZONE", options.timezone),
        ("MERCURY_LANG", options.lang),
        ("SPOTIFY_CLIENT_ID", options.spotify_client_id),
        ("METABASE_PORT", str(options.metabase_port)),
        ("METABASE_ADMIN_EMAIL", options.metabase_admin_email),
        ("MERCURY_SYNC_INTERVAL_MINUTES", str(options.sync_interval_minutes)),
        ("MERCURY_BACKUP_TIME", options.backup_time),
        ("MERCURY_BACKUP_KEEP", str(options.backup_keep)),
    ]


def generate_passwords() -> dict[str, str]:
    """A fresh random password for every variable of ``PASSWORD_VARIABLES``."""
    return {name: secrets.token_urlsafe(PASSWORD_BYTES) for name in PASSWORD_VARIABLES}


def render_env(options: StackOptions, passwords: dict[str, str]) -> str:
    """The text of the ``.env`` file."""
    lines = [
        "# Written by `mercury stack init`. Keep this file private (mode 0600) and out of git.",
        "# docker compose reads it from this folder; see .env.example for what each line means.",
        "",
    ]
    lines += [f"{name}={value}" for name, value in settings_lines(options)]
    lines.append("")
    lines += [f"{name}={passwords[name]}" for name in PASSWORD_VARIABLES]
    return "\n".join(lines) + "\n"


def write_env_file(directory: Path, options: StackOptions, force: bool = False) -> Path:
    """Write ``directory/.env`` with new passwords and mode 0600; return its path.

    Raises ConfigError when the file exists and ``force`` is false, because new passwords would
    no longer match the ones the databases were created with.
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / ENV_FILE_NAME
    if path.exists() and not force:
        raise ConfigError(_("{path} exists; its passwords are the ones the databases were created "
                           "with. Use --force to write new ones anyway.").format(path=path))

    text = render_env(options, generate_passwords())
    temporary = path.with_name(ENV_FILE_NAME + ".tmp")
    if temporary.exists():
        temporary.unlink()
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)  # the umask may have removed bits, never added them; be explicit
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    log.info("stack environment written to %s", path)
    return path


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a ``.env`` file of ``NAME=value`` lines (no quoting, ``#`` comments)."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or "=" not in stripped:
            continue
        name, value = stripped.split("=", 1)
        values[name.strip()] = value.strip()
    return values
