"""Running ``pg_dump`` and ``pg_restore`` with a URL's credentials.

The password goes to the child process in ``PGPASSWORD``, never on its command line (which other
users of the machine can read), and the URL passed as ``--dbname`` has no password.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

from mercury_spotify.errors import BackupError
from mercury_spotify.i18n import _
from mercury_spotify.warehouse.urls import mask_url, postgres_parts, without_password

log = logging.getLogger(__name__)


def find_program(name: str) -> str:
    """The path of a PostgreSQL client program: ``MERCURY_PG_BIN``, else the ``PATH``."""
    folder = os.environ.get("MERCURY_PG_BIN")
    path = str(Path(folder) / name) if folder else shutil.which(name)
    if not path or not Path(path).exists():
        raise BackupError(_("{program} not found; install the PostgreSQL client programs (Debian: "
                            "postgresql-client) or set MERCURY_PG_BIN to their folder").format(program=name))
    return path


def run_tool(name: str, arguments: list[str], url: str) -> subprocess.CompletedProcess:
    """Run ``name`` with ``--dbname`` set from ``url``; raise BackupError with its stderr on failure."""
    environment = {**os.environ, "PGPASSWORD": postgres_parts(url)["password"], "PGTZ": "UTC"}
    command = [find_program(name), *arguments, "--dbname", without_password(url)]
    log.info("running %s on %s", name, mask_url(url))
    completed = subprocess.run(command, env=environment, capture_output=True, text=True)
    if completed.returncode != 0:
        message = completed.stderr.strip() or f"exit status {completed.returncode}"
        raise BackupError(_("{program} failed on {url}: {message}").format(
            program=name, url=mask_url(url), message=message))
    return completed


def dump_database(url: str, target: Path) -> None:
    """Write the database at ``url`` to ``target`` in pg_dump's compressed custom format."""
    run_tool("pg_dump", ["--format=custom", "--compress=6", "--file", str(target)], url)


def list_archive(path: Path) -> list[str]:
    """The table of contents of a custom-format archive; BackupError when it is unreadable."""
    completed = subprocess.run([find_program("pg_restore"), "--list", str(path)], capture_output=True, text=True)
    if completed.returncode != 0:
        raise BackupError(_("{file} is not a readable pg_dump archive: {message}").format(
            file=path.name, message=completed.stderr.strip()))
    return completed.stdout.splitlines()


def restore_database(url: str, archive: Path) -> None:
    """Replace the objects of the archive in the database at ``url``, all or nothing.

    ``--single-transaction`` makes pg_restore roll back everything when any statement fails, so
    a failed restore leaves the database as it was.
    """
    run_tool("pg_restore", ["--clean", "--if-exists", "--single-transaction", "--exit-on-error",
                            "--no-password", str(archive)], url)
