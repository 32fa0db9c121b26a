"""One writer at a time: an advisory file lock in ``MERCURY_HOME``, and on PostgreSQL a
session-level advisory lock in the warehouse database too.

The file lock is ``flock`` on ``mercury.lock``, so the kernel releases it when its process dies
and a lock left by a killed run is simply taken over. The file also records the holder's pid and
start time for the message the waiting run prints.

Two hosts with their own ``MERCURY_HOME`` can share one PostgreSQL warehouse, so a file lock is
not enough there: the run also takes ``pg_advisory_lock`` on a dedicated connection. The server
releases it when that session ends, including when the process is killed. The session turns on
TCP keepalives (60 s idle, then 6 probes 10 s apart), so a host that vanished without closing its
connection loses the lock after about two minutes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from mercury_spotify.errors import WarehouseBusyError, WarehouseError
from mercury_spotify.i18n import _

log = logging.getLogger(__name__)

DEFAULT_WAIT_SECONDS = 10.0
POLL_SECONDS = 0.2
# The pg_advisory_lock key of Mercury runs ("merc" in ASCII); advisory locks are per database.
POSTGRES_LOCK_KEY = 0x6D657263
_HOLDER_PATTERN = re.compile(r"pid (\d+) on (\S+)")


@contextlib.contextmanager
def run_lock(home: Path, purpose: str, wait_seconds: float | None = None,
             warehouse_url: str | None = None) -> Iterator[None]:
    """Hold the installation's run lock, waiting up to ``wait_seconds`` for another run.

    The default wait is ``MERCURY_LOCK_WAIT_SECONDS`` or 10 seconds. With a ``postgresql://``
    ``warehouse_url`` the lock also covers every host that writes to that warehouse.
    """
    if wait_seconds is None:
        wait_seconds = float(os.environ.get("MERCURY_LOCK_WAIT_SECONDS", DEFAULT_WAIT_SECONDS))
    deadline = time.monotonic() + wait_seconds
    with _file_lock(home, purpose, deadline):
        if warehouse_url and warehouse_url.startswith(("postgresql://", "postgres://")):
            with _postgres_lock(warehouse_url, purpose, deadline):
                yield
        else:
            yield


def run_lock_for(settings, purpose: str, wait_seconds: float | None = None):
    """Return the run lock of the installation and warehouse that ``settings`` describe."""
    return run_lock(settings.home, purpose, wait_seconds, warehouse_url=settings.warehouse_url)


def _busy_error(holder: dict) -> WarehouseBusyError:
    return WarehouseBusyError(
        _("another Mercury run is in progress (pid {pid}, since {since}); "
          "try again when it has finished").format(**holder)
    )


@contextlib.contextmanager
def _file_lock(home: Path, purpose: str, deadline: float) -> Iterator[None]:
    path = home / "mercury.lock"
    try:
        home.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
    except OSError as exc:
        raise WarehouseError(
            _("{path}: cannot open the run lock file ({error}); check that the folder exists "
              "and is writable").format(path=path, error=exc.strerror)
        ) from exc
    try:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _busy_error(_read_holder(path)) from None
                time.sleep(POLL_SECONDS)

        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({
            "pid": os.getpid(),
            "since": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "purpose": purpose,
        }))
        handle.flush()
        log.debug("run lock taken for %s", purpose)
        yield
    finally:
        handle.close()


def _read_holder(path: Path) -> dict:
    try:
        holder = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        holder = {}
    return {"pid": holder.get("pid", "?"), "since": holder.get("since", "?")}


@contextlib.contextmanager
def _postgres_lock(url: str, purpose: str, deadline: float) -> Iterator[None]:
    from mercury_spotify.warehouse import postgres

    host = socket.gethostname()
    application_name = f"mercury {purpose} pid {os.getpid()} on {host}"
    con = postgres.connect_raw(url, application_name=application_name)
    try:
        for setting, value in (("tcp_keepalives_idle", 60), ("tcp_keepalives_interval", 10),
                               ("tcp_keepalives_count", 6)):
            con.execute(f"set {setting} = {value}")
        while not con.execute("select pg_try_advisory_lock(%s)", [POSTGRES_LOCK_KEY]).fetchone()[0]:
            if time.monotonic() >= deadline:
                raise _busy_error(_postgres_holder(con, host))
            time.sleep(POLL_SECONDS)
        log.debug("warehouse advisory lock taken for %s", purpose)
        yield
    finally:
        # Closing the session releases the advisory lock.
        con.close()


def _postgres_holder(con, local_host: str) -> dict:
    """Look up the pid and start time of the run holding Mercury's advisory lock on the server."""
    row = con.execute(
        "select a.application_name, a.backend_start "
        "from pg_catalog.pg_locks l join pg_catalog.pg_stat_activity a on a.pid = l.pid "
        "where l.locktype = 'advisory' and l.granted and l.classid = 0 and l.objid = %s "
        "and l.database = (select oid from pg_catalog.pg_database where datname = current_database())",
        [POSTGRES_LOCK_KEY],
    ).fetchone()
    if row is None:
        return {"pid": "?", "since": "?"}
    application_name, backend_start = row
    match = _HOLDER_PATTERN.search(application_name or "")
    if match is None:
        pid = "?"
    elif match.group(2) == local_host:
        pid = match.group(1)
    else:
        pid = f"{match.group(1)} on {match.group(2)}"
    since = backend_start.astimezone(dt.timezone.utc).isoformat(timespec="seconds") if backend_start else "?"
    return {"pid": pid, "since": since}
