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
    """Find a PostgreSQL client program in ``MERCURY_PG_BIN``, else on the ``PATH``."""
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
    # NOTE: if Mercury is killed (SIGKILL) meanwhile, this child is not stopped and runs to its end.
    # Its output goes to the backup's scratch folder, which the next backup removes.
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
    """List the table of contents of a custom-format archive; raise BackupError when it is unreadable."""
    completed = subprocess.run([find_program("pg_restore"), "--list", str(path)], capture_output=True, text=True)
    if completed.returncode != 0:
        raise BackupError(_("{file} is not a readable pg_dump archive: {message}").format(
            file=path.name, message=completed.stderr.strip()))
    return completed.stdout.splitlines()


# Object types whose owner is set again after a restore, as named in pg_restore --list.
OWNED_TYPES = ("SCHEMA", "TABLE", "VIEW", "MATERIALIZED VIEW", "SEQUENCE")


def archive_owners(toc: list[str]) -> list[tuple[str, str | None, str, str]]:
    """Parse the (type, schema, name, owner) of each owned object from a pg_restore --list listing.

    A listing line reads ``216; 1259 16427 TABLE dw fact_play mercury_etl``; a schema's own line
    has ``-`` in place of the schema.
    """
    owners = []
    for line in toc:
        if not line or line.startswith(";") or "; " not in line:
            continue
        fields = line.split("; ", 1)[1].split()
        for object_type in OWNED_TYPES:
            type_words = object_type.split()
            if fields[2:2 + len(type_words)] == type_words and len(fields) == 5 + len(type_words):
                schema, name, owner = fields[2 + len(type_words):]
                owners.append((object_type, None if schema == "-" else schema, name, owner))
                break
    return owners


def _owner_statements(url: str, owners: list[tuple[str, str | None, str, str]]) -> list[str]:
    """Build ALTER ... OWNER TO statements that give each object its owner from the archive."""
    from psycopg import sql

    from mercury_spotify.warehouse.postgres import connect_raw

    with connect_raw(url, application_name="mercury restore") as con:
        roles = {name for (name,) in con.execute("select rolname from pg_catalog.pg_roles").fetchall()}
        statements = []
        for object_type, schema, name, owner in owners:
            if owner not in roles:
                log.warning("restore: role %s of %s %s.%s does not exist here; owner left as is",
                            owner, object_type, schema, name)
                continue
            target = sql.Identifier(name) if schema is None else sql.Identifier(schema, name)
            statement = sql.SQL("alter " + object_type.lower() + " {} owner to {};").format(
                target, sql.Identifier(owner))
            statements.append(statement.as_string(con))
    return statements


def restore_database(url: str, archive: Path) -> None:
    """Replace the objects of the archive in the database at ``url``, all or nothing.

    pg_restore writes the SQL script without ownership changes and psql runs it in one
    transaction, followed by ALTER ... OWNER TO statements taken from the archive's listing. Done
    in that order, a restore by ``mercury_dba`` works: while pg_restore's own ownership changes
    would run before the schemas' grants are back, and fail, the final statements run after them.
    Any error rolls the whole transaction back, so a failed restore leaves the database as it was.
    """
    statements = _owner_statements(url, archive_owners(list_archive(archive)))
    environment = {**os.environ, "PGPASSWORD": postgres_parts(url)["password"], "PGTZ": "UTC"}
    log.info("restoring %s into %s", archive.name, mask_url(url))
    script = subprocess.Popen(
        [find_program("pg_restore"), "--clean", "--if-exists", "--no-owner", "--file=-", str(archive)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    runner = subprocess.Popen(
        [find_program("psql"), "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1",
         "--dbname", without_password(url)],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment,
    )
    try:
        shutil.copyfileobj(script.stdout, runner.stdin, 1024 * 1024)
        runner.stdin.write("\n".join(statements).encode() + b"\n")
        runner.stdin.close()
    except BrokenPipeError:
        pass  # psql stopped at an error, which its stderr names
    script_errors = script.stderr.read().decode(errors="replace").strip()
    script.wait()
    runner_errors = runner.stderr.read().decode(errors="replace").strip()
    runner.wait()
    if script.returncode != 0 or runner.returncode != 0:
        message = runner_errors or script_errors or f"exit status {runner.returncode}"
        raise BackupError(_("the restore into {url} failed and was rolled back: {message}").format(
            url=mask_url(url), message=message))
