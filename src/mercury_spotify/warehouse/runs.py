"""The run log, ``raw.load_run``: one row per import, sync, enrichment, build or backup.

A run row is written as ``running`` before the run's work starts and committed on its own, so a
crash leaves evidence. The next writer, holding the run lock, marks such rows ``failed``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import uuid

log = logging.getLogger(__name__)

RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
PARTIAL = "partial"


def new_run_id() -> str:
    """A random, sortable-enough id for a run (UUID4 hex)."""
    return uuid.uuid4().hex


def utc_now() -> dt.datetime:
    """The current UTC instant."""
    return dt.datetime.now(dt.timezone.utc)


def start_run(con, kind: str, listener_id: str | None = None) -> str:
    """Insert a ``running`` row for a new run and return its id."""
    run_id = new_run_id()
    con.execute(
        "insert into raw.load_run (run_id, kind, started_at, status, pid, listener_id) "
        "values (?, ?, ?, ?, ?, ?)",
        [run_id, kind, utc_now(), RUNNING, os.getpid(), listener_id],
    )
    log.info("run %s (%s) started", run_id, kind)
    return run_id


def finish_run(con, run_id: str, status: str, counts: dict | None = None, error: str | None = None) -> None:
    """Record the end of a run with its status, counts and error message."""
    con.execute(
        "update raw.load_run set finished_at = ?, status = ?, counts = ?, error = ? where run_id = ?",
        [utc_now(), status, json.dumps(counts or {}, sort_keys=True, default=str), error, run_id],
    )
    log.info("run %s finished: %s", run_id, status)


def mark_abandoned_runs(con) -> int:
    """Mark runs left ``running`` by a process that died as ``failed``; return how many.

    Call this only while holding the run lock: then no other run can be in progress.
    """
    rows = con.execute(
        "select run_id from raw.load_run where status = ?", [RUNNING]
    ).fetchall()
    for (run_id,) in rows:
        con.execute(
            "update raw.load_run set status = ?, finished_at = ?, error = ? where run_id = ?",
            [FAILED, utc_now(), "the process stopped before the run finished (crash or kill)", run_id],
        )
        log.warning("run %s was left running by a stopped process; marked failed", run_id)
    return len(rows)


def build_pending(con) -> bool:
    """Return True when an import landed files after the last successful build started.

    That happens when the build at the end of an import failed or its process was killed. The
    next import then builds even if it lands nothing new.
    """
    last_build = con.execute(
        "select max(started_at) from raw.load_run where kind = 'build' and status = ?", [SUCCEEDED]
    ).fetchone()[0]
    imports = con.execute(
        "select started_at, counts from raw.load_run where kind = 'import' and status = ? "
        "order by started_at desc",
        [SUCCEEDED],
    ).fetchall()
    for started_at, counts in imports:
        if last_build is not None and started_at <= last_build:
            return False
        try:
            files_read = json.loads(counts or "{}").get("files_read", 0)
        except ValueError:
            files_read = 0
        if files_read:
            return True
    return False
