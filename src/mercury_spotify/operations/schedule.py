"""``mercury schedule``: sync every N minutes and back up once a day, until SIGTERM.

One scheduler per ``MERCURY_HOME``: it holds ``schedule.lock`` (``flock``) for its whole life,
so a second scheduler stops at once. Jobs run one after the other in child processes, and each
child takes the installation's run lock like a manual run, so a scheduled sync never writes
while a manual import does (it waits briefly, then this run is logged as busy and skipped).

SIGTERM or SIGINT ends the wait at once; a running child gets SIGTERM and the scheduler waits
for it, so its transaction commits or rolls back before the scheduler exits with status 0.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import os
import random
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from mercury_spotify.errors import WarehouseBusyError
from mercury_spotify.i18n import _
from mercury_spotify.operations.scheduled_runs import ChildRunner, RunResult
from mercury_spotify.operations.token_watch import token_notices

log = logging.getLogger(__name__)

LOCK_FILE_NAME = "schedule.lock"
NOTICE_REPEAT = dt.timedelta(hours=24)  # repeat an unchanged token notice once a day, not every run


@dataclass(frozen=True)
class ScheduleConfig:
    """When to run what, and where (the environment every child gets)."""

    home: Path
    timezone: str
    interval: dt.timedelta = dt.timedelta(minutes=20)
    jitter: dt.timedelta = dt.timedelta(minutes=2)
    backup_at: dt.time | None = dt.time(3, 30)  # local time; None turns the daily backup off
    keep: int = 14
    environment: tuple[tuple[str, str], ...] = ()  # for sync; secrets allowed, never logged
    backup_environment: tuple[tuple[str, str], ...] = ()  # overrides for backup

    def __repr__(self) -> str:
        return (f"ScheduleConfig(home={str(self.home)!r}, interval={self.interval}, "
                f"backup_at={self.backup_at}, keep={self.keep})")


def next_backup_time(after: dt.datetime, at: dt.time, zone: str) -> dt.datetime:
    """The first instant later than ``after`` (UTC) when the local clock of ``zone`` shows ``at``.

    On a day when ``at`` does not exist (clocks jump forward past it), zoneinfo maps it to the
    instant the same number of minutes after the jump.
    """
    tz = ZoneInfo(zone)
    local_day = after.astimezone(tz).date()
    for offset in range(0, 3):
        candidate = dt.datetime.combine(local_day + dt.timedelta(days=offset), at, tzinfo=tz)
        candidate_utc = candidate.astimezone(dt.timezone.utc)
        if candidate_utc > after:
            return candidate_utc
    raise AssertionError("unreachable: a local time occurs within any three days")


@contextlib.contextmanager
def schedule_lock(home: Path) -> Iterator[None]:
    """Hold ``schedule.lock`` or raise WarehouseBusyError naming the scheduler that holds it."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / LOCK_FILE_NAME
    handle = path.open("a+")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            raise WarehouseBusyError(_("another 'mercury schedule' is running for {home} (pid {pid})")
                                     .format(home=home, pid=holder)) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()


def scheduler_running(home: Path) -> bool:
    """True when some process holds the schedule lock of ``home``."""
    path = home / LOCK_FILE_NAME
    if not path.exists():
        return False
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return False


class Scheduler:
    """The loop of ``mercury schedule``, with its clock, wait and randomness injectable for tests."""

    def __init__(self, config: ScheduleConfig, runner: ChildRunner | None = None,
                 clock: Callable[[], dt.datetime] | None = None,
                 rng: random.Random | None = None) -> None:
        self.config = config
        self.runner = runner or ChildRunner()
        self.clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self.rng = rng or random.Random()
        self.stop_requested = threading.Event()
        self._notices_logged: dict[tuple[str, bool], dt.datetime] = {}

    def stop(self) -> None:
        """End the loop: stop waiting now, and ask a running child to stop."""
        self.stop_requested.set()
        self.runner.stop()

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds``; return True when a stop was requested meanwhile."""
        return self.stop_requested.wait(max(seconds, 0.0))

    def run(self) -> None:
        """Run jobs until ``stop`` is called: a sync at once, then on the interval; backups daily."""
        config = self.config
        now = self.clock()
        next_sync = now
        next_backup = next_backup_time(now, config.backup_at, config.timezone) if config.backup_at else None
        log.info("schedule started: sync every %s (jitter up to %s), backup %s", config.interval,
                 config.jitter, f"daily at {config.backup_at} {config.timezone}" if next_backup else "off")

        while not self.stop_requested.is_set():
            now = self.clock()
            if now >= next_sync:
                self.sync()
                next_sync = self.clock() + config.interval + self._jitter()
            if self.stop_requested.is_set():
                break
            now = self.clock()
            if next_backup is not None and now >= next_backup:
                self.backup()
                next_backup = next_backup_time(self.clock(), config.backup_at, config.timezone)

            due = min(moment for moment in (next_sync, next_backup) if moment is not None)
            self.wait((due - self.clock()).total_seconds())
        log.info("schedule stopped")

    def _jitter(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.rng.uniform(0, self.config.jitter.total_seconds()))

    def sync(self) -> RunResult:
        """Run ``mercury sync`` once, log its line, then the token notices."""
        result = self.runner.run("sync", ["sync"], dict(self.config.environment))
        self._log_result(result)
        if result.reauthorization_needed:
            log.error("sync: re-authorization needed; run 'mercury auth' for the listener named above")
        self.check_tokens()
        return result

    def backup(self) -> RunResult:
        """Run ``mercury backup --keep N --json`` once and log its line."""
        environment = {**dict(self.config.environment), **dict(self.config.backup_environment)}
        result = self.runner.run("backup", ["backup", "--keep", str(self.config.keep), "--json"], environment)
        self._log_result(result)
        return result

    def check_tokens(self) -> None:
        """Log, at most once a day each, listeners to re-authorize now or within 30 days."""
        now = self.clock()
        for notice in token_notices(self.config.home, now):
            key = (notice.listener, notice.reauthorization_needed)
            last = self._notices_logged.get(key)
            if last is not None and now - last < NOTICE_REPEAT:
                continue
            self._notices_logged[key] = now
            if notice.reauthorization_needed:
                log.error("listener %s: re-authorization needed; run 'mercury auth --listener %s'",
                          notice.listener, notice.listener)
            else:
                log.warning("listener %s: the Spotify authorization expires on %s; run "
                            "'mercury auth --listener %s' before then", notice.listener,
                            notice.expires_at.date().isoformat(), notice.listener)

    @staticmethod
    def _log_result(result: RunResult) -> None:
        if result.ok:
            level = logging.INFO
        elif result.busy:
            level = logging.WARNING
        else:
            level = logging.ERROR
        log.log(level, "%s", result.log_line())


def environment_pairs(values: dict[str, str | None]) -> tuple[tuple[str, str], ...]:
    """The set values of ``values`` as sorted pairs, for ScheduleConfig."""
    return tuple(sorted((key, value) for key, value in values.items() if value))

