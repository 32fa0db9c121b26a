"""Throwaway PostgreSQL clusters on a free loopback port, for tests that need a server of their own.

Tests use one when they must change the server itself (its authentication, or a restart), which
they may not do to the shared server on 127.0.0.1:5432.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

POSTGRES_BIN = Path(os.environ.get("MERCURY_TEST_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")


def missing_server_programs() -> list[str]:
    """Return the names of the server programs missing from POSTGRES_BIN."""
    return [name for name in SERVER_PROGRAMS if not (POSTGRES_BIN / name).exists()]


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres_user(command: list[str]) -> list[str]:
    """Return ``command``, run as the postgres user when this process is root.

    initdb and pg_ctl exit with an error when run as root.
    """
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class Cluster:
    """A cluster made by ``initdb`` in a temporary folder, listening on 127.0.0.1 only.

    With a ``password``, the superuser ``postgres`` must give it (scram-sha-256). Without one,
    every connection is trusted.
    """

    def __init__(self, prefix: str, password: str | None = None):
        self.root = Path(tempfile.mkdtemp(prefix=prefix))
        self.data = self.root / "data"
        self.password = password
        self.port = _free_loopback_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")

    @property
    def url(self) -> str:
        """The superuser's URL of the maintenance database."""
        credentials = f"postgres:{self.password}" if self.password else "postgres"
        return f"postgresql://{credentials}@127.0.0.1:{self.port}/postgres"

    def init(self) -> Cluster:
        """Create the cluster's data folder."""
        command = [str(POSTGRES_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-E", "UTF8",
                   "--locale=C.UTF-8"]
        if self.password:
            password_file = self.root / "superuser-password"
            password_file.write_text(self.password + "\n")
            if os.geteuid() == 0:
                shutil.chown(password_file, "postgres", "postgres")
            command += ["--auth=scram-sha-256", f"--pwfile={password_file}"]
        else:
            command += ["--auth=trust"]
        subprocess.run(_as_postgres_user(command), check=True, capture_output=True)
        return self

    def pg_ctl(self, *arguments: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run ``pg_ctl`` on this cluster and wait for the action to finish."""
        command = [str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"),
                   "-w", *arguments]
        return subprocess.run(_as_postgres_user(command), check=check, capture_output=True)

    def start(self) -> Cluster:
        """Start the server, with fsync off because the cluster is thrown away."""
        self.pg_ctl("-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        return self

    def restart(self) -> None:
        """Restart the server with fast shutdown: open sessions are ended, open transactions rolled back."""
        self.pg_ctl("-m", "fast", "restart")

    def remove(self) -> None:
        """Stop the server and delete the cluster."""
        self.pg_ctl("-m", "fast", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)
