"""Opening the DuckDB warehouse file.

DuckDB lets one process write a file or any number of processes read it, never both, and a
conflicting open fails at once instead of waiting. Writers therefore retry with bounded backoff,
and readers open read-only, briefly, and retry on the lock error too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from mercury_spotify.errors import WarehouseBusyError, WarehouseError
from mercury_spotify.i18n import _

log = logging.getLogger(__name__)

LOCK_RETRY_SECONDS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0)
PROGRESS_POLL_SECONDS = 0.2
DEFAULT_MEMORY_LIMIT = "1GB"


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file with Mercury's settings, retrying while another process holds it."""
    if read_only and not path.exists():
        raise WarehouseError(
            _("{path}: no warehouse yet; run 'mercury import PATH' or 'mercury demo' first").format(path=path)
        )
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)

    config = {
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "true",
        "TimeZone": "UTC",
        # Above this, DuckDB spills to a temporary folder beside the file instead of growing,
        # so a multi-gigabyte export lands with bounded memory.
        "memory_limit": os.environ.get("MERCURY_DUCKDB_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT),
    }
    for attempt, delay in enumerate((*LOCK_RETRY_SECONDS, None), start=1):
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=config)
            # DuckDB prints a progress bar on stdout for long queries, which would mix with
            # Mercury's own output.
            con.execute("set enable_progress_bar = false")
            return con
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or delay is None:
                if "lock" in str(exc).lower():
                    raise WarehouseBusyError(
                        _("{path}: another program has the warehouse open for writing; "
                          "wait for it to finish and try again").format(path=path)
                    ) from exc
                raise WarehouseError(
                    _("{path}: cannot open the warehouse: {error}").format(path=path, error=exc)
                ) from exc
            log.info("warehouse file locked, retry %d in %.2f s", attempt, delay)
            time.sleep(delay)
        except duckdb.Error as exc:
            raise WarehouseError(
                _("{path}: cannot open the warehouse ({error}); if the file is damaged, "
                  "restore a backup with 'mercury restore FILE'").format(path=path, error=exc)
            ) from exc
    raise AssertionError("unreachable")


@contextlib.contextmanager
def query_progress(con: duckdb.DuckDBPyConnection, report: Callable[[float], None]) -> Iterator[None]:
    """Call ``report`` with the running query's completed fraction, from 0 to 1, while the block runs.

    A thread polls ``query_progress()``, which DuckDB serves while the block's statement runs on
    another thread. Progress is tracked without printing, so Mercury's own bar stays the only one.
    Tracking stays on afterwards: turning it off would be a statement, which fails in a
    transaction that the block's error has aborted.
    """
    con.execute("set enable_progress_bar = true")
    con.execute("set enable_progress_bar_print = false")
    finished = threading.Event()

    def poll() -> None:
        while not finished.wait(PROGRESS_POLL_SECONDS):
            try:
                percent = con.query_progress()
            except duckdb.Error as exc:
                log.debug("query progress unavailable: %s", exc)
                return
            # DuckDB returns -1 before it can estimate, for example while it plans the query.
            if percent >= 0:
                report(min(percent, 100.0) / 100)

    poller = threading.Thread(target=poll, name="mercury-progress", daemon=True)
    poller.start()
    try:
        yield
    finally:
        finished.set()
        poller.join()
