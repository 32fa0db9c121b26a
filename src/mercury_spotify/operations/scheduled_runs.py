"""Run one ``mercury sync`` or ``mercury backup`` as a child process and summarize its output.

The scheduler runs each job in its own process, so a crash or a leak in one run never harms the
next, and the job takes the installation's run lock itself exactly as a manual run does. The
child gets English messages (``MERCURY_LANG=en``) because the summary reads its output.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

BUSY_MESSAGE = "another Mercury run is in progress"
DEFAULT_RUN_TIMEOUT_SECONDS = 3 * 3600.0  # a run still going after this is stopped with SIGTERM
KILL_AFTER_SECONDS = 300.0  # then killed if it has not exited this long after SIGTERM
_NEW_PLAYS = re.compile(r"^(\S+): (\d+) new plays$", re.MULTILINE)
_REAUTHORIZATION = re.compile(r"re-?authoriz", re.IGNORECASE)


@dataclass
class RunResult:
    """The outcome of one child run: exit status, counts for the log line, and flags."""

    job: str
    exit_code: int
    seconds: float
    counts: dict = field(default_factory=dict)
    busy: bool = False
    reauthorization_needed: bool = False
    interrupted: bool = False
    error: str = ""

    @property
    def ok(self) -> bool:
        """True when the child exited with status 0."""
        return self.exit_code == 0

    def log_line(self) -> str:
        """Format the one line the scheduler logs for this run."""
        if self.ok:
            status = "ok"
        elif self.busy:
            status = "busy"
        elif self.interrupted:
            status = "interrupted"
        else:
            status = "failed"
        parts = [f"{self.job} {status}", f"exit={self.exit_code}", f"seconds={self.seconds:.1f}"]
        parts += [f"{key}={value}" for key, value in self.counts.items()]
        if self.error and not self.ok:
            parts.append(f"error={self.error!r}")
        return " ".join(parts)


def mercury_command() -> list[str]:
    """The command that starts Mercury: ``mercury`` on PATH, else this Python with ``-m``."""
    found = shutil.which("mercury")
    return [found] if found else [sys.executable, "-m", "mercury_spotify"]


class ChildRunner:
    """Starts one child at a time and forwards a stop request to it as SIGTERM."""

    def __init__(self, command: list[str] | None = None,
                 timeout_seconds: float = DEFAULT_RUN_TIMEOUT_SECONDS) -> None:
        self.command = command or mercury_command()
        self.timeout_seconds = timeout_seconds
        self._child: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._stopping = False

    def stop(self) -> None:
        """Ask the running child (if any) to stop; it finishes or rolls back its transaction."""
        with self._lock:
            self._stopping = True
            child = self._child
        if child is not None and child.poll() is None:
            log.info("forwarding SIGTERM to %s (pid %s)", " ".join(self.command[-1:]), child.pid)
            child.send_signal(signal.SIGTERM)

    def run(self, job: str, arguments: list[str], environment: dict[str, str]) -> RunResult:
        """Run ``mercury ARGUMENTS`` to the end and return its result."""
        env = {**os.environ, **environment, "MERCURY_LANG": "en"}
        started = time.monotonic()
        with self._lock:
            if self._stopping:
                return RunResult(job, -signal.SIGTERM, 0.0, interrupted=True)
            self._child = subprocess.Popen([*self.command, *arguments], env=env, stdout=subprocess.PIPE,
                                           stderr=subprocess.PIPE, text=True, start_new_session=True)
        timed_out = False
        try:
            stdout, stderr = self._child.communicate(timeout=self.timeout_seconds)
        except subprocess.TimeoutExpired:
            timed_out = True
            stdout, stderr = self._stop_overdue(job)
        finally:
            exit_code = self._child.returncode
            with self._lock:
                self._child = None
        result = RunResult(job, exit_code, time.monotonic() - started)
        result.interrupted = self._stopping
        _summarize(result, stdout, stderr)
        if timed_out:
            result.error = f"timed out after {self.timeout_seconds:.0f} s"
        return result

    def _stop_overdue(self, job: str) -> tuple[str, str]:
        """Send SIGTERM to a child past its timeout, then SIGKILL if it does not exit."""
        log.error("%s (pid %s) still running after %.0f s; sending SIGTERM", job, self._child.pid,
                  self.timeout_seconds)
        self._child.send_signal(signal.SIGTERM)
        try:
            return self._child.communicate(timeout=KILL_AFTER_SECONDS)
        except subprocess.TimeoutExpired:
            log.error("%s (pid %s) ignored SIGTERM for %.0f s; killing it", job, self._child.pid,
                      KILL_AFTER_SECONDS)
            self._child.kill()
            return self._child.communicate()


def _summarize(result: RunResult, stdout: str, stderr: str) -> None:
    output = stdout + "\n" + stderr
    result.busy = BUSY_MESSAGE in output
    result.reauthorization_needed = bool(_REAUTHORIZATION.search(output))
    if result.job == "sync":
        plays = [int(count) for _listener, count in _NEW_PLAYS.findall(stdout)]
        result.counts = {"listeners": len(plays), "new_plays": sum(plays)}
    elif result.job == "backup" and result.ok:
        result.counts = _backup_counts(stdout)
    if not result.ok:
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        result.error = lines[-1][:300] if lines else ""


def _backup_counts(stdout: str) -> dict:
    try:
        report = json.loads(stdout)
    except ValueError:
        return {}
    return {"file": os.path.basename(str(report.get("file", ""))), "removed": len(report.get("removed") or [])}
