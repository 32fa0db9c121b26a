"""One writer at a time: an advisory file lock in ``MERCURY_HOME``.

The lock is ``flock`` on ``mercury.lock``, so the kernel releases it when its process dies and a
lock left by a killed run is simply taken over. The file also records the holder's pid and start
time for the message the waiting run prints.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

from mercury_spotify.errors import WarehouseBusyError, WarehouseError
from mercury_spotify.i18n import _

log = logging.getLogger(__name__)

DEFAULT_WAIT_SECONDS = 10.0
POLL_SECONDS = 0.2


@contextlib.contextmanager
def run_lock(home: Path, purpose: str, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold the installation's run lock, waiting up to ``wait_seconds`` for another run.

    The default wait is ``MERCURY_LOCK_WAIT_SECONDS`` or 10 seconds.
    """
    if wait_seconds is None:
        wait_seconds = float(os.environ.get("MERCURY_LOCK_WAIT_SECONDS", DEFAULT_WAIT_SECONDS))
    path = home / "mercury.lock"
    try:
        home.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
    except OSError as exc:
        raise WarehouseError(
            _("{path}: cannot open the run lock file ({error}); check that the folder exists "
              "and is writable").format(path=path, error=exc.strerror)
        ) from exc
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _read_holder(path)
                    raise WarehouseBusyError(
                        _("another Mercury run is in progress (pid {pid}, since {since}); "
                          "try again when it has finished").format(**holder)
                    ) from None
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
