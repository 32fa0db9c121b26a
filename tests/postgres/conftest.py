"""A private PostgreSQL cluster with password (SCRAM) authentication, for role and grant tests.

The shared server on 127.0.0.1:5432 trusts every local connection, so it can neither refuse a
wrong password nor keep the test roles apart from a real installation's. These tests start their
own cluster with ``initdb`` on a free loopback port instead, and remove it afterwards.
"""

from __future__ import annotations

import pytest

from tests.postgres.cluster import POSTGRES_BIN, Cluster


@pytest.fixture(scope="module")
def scram_server():
    """The superuser URL of a throwaway cluster that requires scram-sha-256 passwords.

    Each test module gets its own cluster, because roles are global to a cluster.
    """
    if not (POSTGRES_BIN / "initdb").exists():
        pytest.fail(f"initdb not found in {POSTGRES_BIN}; set MERCURY_TEST_POSTGRES_BIN")
    cluster = Cluster("mercury-scram-", password="test-superuser-password")
    try:
        cluster.init().start()
        yield cluster.url
    finally:
        cluster.remove()
