"""A private PostgreSQL cluster with password (SCRAM) authentication, for role and grant tests.

The shared server on 127.0.0.1:5432 trusts every local connection, so it can neither refuse a
wrong password nor keep the test roles apart from a real installation's. These tests start their
own cluster with ``initdb`` on a free loopback port instead, and remove it afterwards.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

POSTGRES_BIN = Path(os.environ.get("MERCURY_TEST_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres_user(command: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as the postgres user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@pytest.fixture(scope="module")
def scram_server():
    """The superuser URL of a throwaway cluster that requires scram-sha-256 passwords.

    Each test module gets its own cluster, because roles are global to a cluster.
    """
    if not (POSTGRES_BIN / "initdb").exists():
        pytest.fail(f"initdb not found in {POSTGRES_BIN}; set MERCURY_TEST_POSTGRES_BIN")
    root = Path(tempfile.mkdtemp(prefix="mercury-scram-"))
    data, password_file = root / "data", root / "superuser-password"
    password = "test-superuser-password"
    password_file.write_text(password + "\n")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(password_file, "postgres", "postgres")
    port = _free_loopback_port()

    subprocess.run(_as_postgres_user([
        str(POSTGRES_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=scram-sha-256",
        f"--pwfile={password_file}", "-E", "UTF8", "--locale=C.UTF-8",
    ]), check=True, capture_output=True)
    subprocess.run(_as_postgres_user([
        str(POSTGRES_BIN / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w",
        "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off", "start",
    ]), check=True, capture_output=True)
    try:
        yield f"postgresql://postgres:{password}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres_user([str(POSTGRES_BIN / "pg_ctl"), "-D", str(data), "-m", "fast",
                                          "-w", "stop"]), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
