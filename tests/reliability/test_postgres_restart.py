"""PostgreSQL restarted while ``mercury import`` lands: a clear error, nothing half-landed, a rerun recovers.

The restart must not hit the shared server on 127.0.0.1:5432, so these tests start a cluster of
their own. A session of the test holds a table lock that the import needs, so the import is
certain to be waiting inside its open transaction when the server restarts.
"""

from __future__ import annotations

import time
import uuid

import pytest

from mercury_spotify.operations.db_init import create_database
from mercury_spotify.pipeline.importer import import_paths
from mercury_spotify.warehouse.postgres import connect_raw
from mercury_spotify.warehouse.urls import with_database
from tests.conftest import FIXTURES, make_settings, query, warehouse_snapshot
from tests.postgres.cluster import POSTGRES_BIN, Cluster, missing_server_programs
from tests.reliability.background import MercuryProcess, environment, run

pytestmark = pytest.mark.postgres

FIRST_EXPORT = FIXTURES / "extended_modern.json"


@pytest.fixture(scope="module")
def restartable_server():
    """A throwaway cluster with trust authentication that a test may restart."""
    missing = missing_server_programs()
    if missing:
        pytest.skip(f"PostgreSQL server programs not found in {POSTGRES_BIN}: {', '.join(missing)}; "
                    "install the server or set MERCURY_TEST_POSTGRES_BIN")
    cluster = Cluster("mercury-restart-")
    try:
        cluster.init().start()
        yield cluster
    finally:
        cluster.remove()


def new_warehouse(cluster: Cluster) -> str:
    """Create an empty warehouse database on ``cluster`` and return its URL."""
    name = f"mercury_{uuid.uuid4().hex[:12]}"
    with connect_raw(cluster.url) as admin:
        create_database(admin, name, owner=None)
    return with_database(cluster.url, name)


@pytest.fixture(scope="module")
def clean_import(restartable_server, demo_export, tmp_path_factory) -> dict:
    """The snapshot of a warehouse where both exports were imported without any fault."""
    settings = make_settings(tmp_path_factory.mktemp("clean-home"), new_warehouse(restartable_server))
    import_paths(settings, [FIRST_EXPORT], build=False)
    import_paths(settings, demo_export, build=False)
    return warehouse_snapshot(settings)


def wait_until_writer_waits_for_lock(url: str, importer: MercuryProcess) -> bool:
    """Wait until the import's session waits for a lock; return False if the import ends first."""
    with connect_raw(url, application_name="mercury tests") as monitor:
        while importer.running():
            waiting = monitor.execute(
                "select count(*) from pg_catalog.pg_stat_activity "
                "where application_name = 'mercury writer' and wait_event_type = 'Lock'").fetchone()[0]
            if waiting:
                return True
            time.sleep(0.05)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("locked_table", ["export_play", "export_file"],
                         ids=["during the first COPY", "after every COPY"])
def test_restart_mid_import_then_rerun(restartable_server, clean_import, demo_export, tmp_path, locked_table):
    settings = make_settings(tmp_path / "home", new_warehouse(restartable_server))
    env = environment(settings)
    first = run("import", "--no-build", str(FIRST_EXPORT), env=env)
    assert first.process.returncode == 0, first.stderr
    before = warehouse_snapshot(settings)

    # SHARE mode lets the import read the table but makes its COPY or INSERT wait.
    blocker = connect_raw(settings.warehouse_url, application_name="mercury tests")
    try:
        blocker.execute("begin")
        blocker.execute(f"lock table raw.{locked_table} in share mode")
        importer = MercuryProcess("import", "--no-build", *map(str, demo_export), env=env)
        assert wait_until_writer_waits_for_lock(settings.warehouse_url, importer), importer.stderr
        restartable_server.restart()
    finally:
        blocker.close()
    assert importer.finish() == 1

    assert "Traceback" not in importer.stderr
    assert importer.stderr.splitlines()[-1] == (
        "error: the connection to the PostgreSQL warehouse failed: terminating connection due to "
        "administrator command; check that the server is running, then run the command again")
    assert warehouse_snapshot(settings) == before

    rerun = run("import", "--no-build", *map(str, demo_export), env=env)
    assert rerun.process.returncode == 0, rerun.stderr
    statuses = query(settings, "select status, count(*) from raw.load_run where kind = 'import' group by 1 order by 1")
    assert statuses == [("failed", 1), ("succeeded", 2)]
    assert warehouse_snapshot(settings) == clean_import
