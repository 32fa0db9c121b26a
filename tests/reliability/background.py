"""Mercury commands run as child processes, for tests that kill them or run them side by side."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

from mercury_spotify.config import Settings

# Upper bound on every wait for a child, so a hung child fails its test instead of stalling the suite.
MAX_WAIT_SECONDS = 600.0


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a child run on the warehouse and home of ``settings``."""
    return {**os.environ, "MERCURY_HOME": str(settings.home), "MERCURY_WAREHOUSE": settings.warehouse_url,
            "MERCURY_LANG": "en", **extra}


class MercuryProcess:
    """``python -m mercury_spotify ARGS`` in the background, with its output collected as it comes.

    With a ``script``, the child runs ``python -c SCRIPT ARGS`` instead, for a test that patches
    Mercury before calling its command line. Two threads read stdout and stderr, so a child never
    blocks on a full pipe and a test can wait for a given line of its log.
    """

    def __init__(self, *args: str, env: dict[str, str], script: str | None = None):
        program = ["-c", script] if script is not None else ["-m", "mercury_spotify"]
        self.process = subprocess.Popen([sys.executable, *program, *args], env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.pid = self.process.pid
        self._output: dict[str, list[str]] = {"stdout": [], "stderr": []}
        self._changed = threading.Condition()
        self._readers = [threading.Thread(target=self._read, args=(name,), daemon=True) for name in self._output]
        for reader in self._readers:
            reader.start()

    def _read(self, name: str) -> None:
        for line in getattr(self.process, name):
            with self._changed:
                self._output[name].append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def stdout(self) -> str:
        """Everything the child wrote to stdout so far."""
        with self._changed:
            return "".join(self._output["stdout"])

    @property
    def stderr(self) -> str:
        """Everything the child wrote to stderr so far."""
        with self._changed:
            return "".join(self._output["stderr"])

    def running(self) -> bool:
        """Tell whether the child has not exited yet."""
        return self.process.poll() is None

    def wait_for_stderr(self, text: str) -> bool:
        """Wait until a stderr line contains ``text``, and return False if the child exits first."""

        def seen() -> bool:
            return any(text in line for line in self._output["stderr"])

        with self._changed:
            while not seen():
                if not any(reader.is_alive() for reader in self._readers):
                    return False
                self._changed.wait(0.1)
            return True

    def wait_for(self, event: threading.Event) -> bool:
        """Wait until ``event`` is set, and return False if the child exits first."""
        deadline = time.monotonic() + MAX_WAIT_SECONDS
        while not event.wait(0.02):
            if not self.running() or time.monotonic() > deadline:
                return event.is_set()
        return True

    def kill(self) -> None:
        """Send SIGKILL and reap the child."""
        self.process.send_signal(signal.SIGKILL)
        self.finish()

    def finish(self) -> int:
        """Wait until the child exits and its output is read, and return its exit status."""
        self.process.wait(MAX_WAIT_SECONDS)
        for reader in self._readers:
            reader.join(MAX_WAIT_SECONDS)
        return self.process.returncode


def run(*args: str, env: dict[str, str]) -> MercuryProcess:
    """Run a Mercury command to its end."""
    process = MercuryProcess(*args, env=env)
    process.finish()
    return process
