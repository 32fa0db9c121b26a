"""Opening the DuckDB warehouse file.

DuckDB lets one process write a file or any number of processes read it, never both, and a
conflicting open fails at once instead of waiting. Writers therefore retry with bounded backoff,
and readers open read-only, briefly, and retry on the lock error too.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import duckdb

from mercury_spotify.errors import WarehouseBusyError, WarehouseError
from mercury_spotify.i18n import _

log = logging.getLogger(__name__)

LOCK_RETRY_SECONDS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0)


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
