"""Run safety: one writer at a time, locks of dead processes taken over, killed imports undone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from mercury_spotify.errors import WarehouseBusyError
from mercury_spotify.operations.run_lock import run_lock_for
from mercury_spotify.pipeline.importer import import_paths
from tests.conftest import _query_rows, create_test_database, drop_test_database, make_settings, warehouse_snapshot

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Runs in a child process: take the run lock, say so, then wait until killed.
HOLD_LOCK = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from mercury_spotify.config import Settings
    from mercury_spotify.operations.run_lock import run_lock_for
    settings = Settings(home=Path(sys.argv[1]), warehouse_url=sys.argv[2], default_timezone="UTC")
    with run_lock_for(settings, "import"):
        print("locked", flush=True)
        sys.stdin.read()
""")

# Runs in a child process: import, and at the first progress report of landing (inside the still
# open transaction) print "landing" and wait until killed.
IMPORT_THEN_WAIT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from mercury_spotify.config import Settings
    from mercury_spotify.pipeline.importer import import_paths
    settings = Settings(home=Path(sys.argv[1]), warehouse_url=sys.argv[2],
                        default_timezone="America/Sao_Paulo")
    def progress(done, total):
        print("landing", flush=True)
        sys.stdin.read()
    import_paths(settings, [Path(path) for path in sys.argv[3:]], progress=progress)
""")


def _start(script: str, *arguments: str) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", script, *arguments], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, cwd=REPOSITORY)
    return process


def _kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait()


def test_second_writer_stops_with_holder(settings):
    holder = _start(HOLD_LOCK, str(settings.home), settings.warehouse_url)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(WarehouseBusyError, match=rf"another Mercury run is in progress \(pid {holder.pid}, since "):
            with run_lock_for(settings, "build", wait_seconds=0.5):
                pass
    finally:
        _kill(holder)


@pytest.mark.postgres
def test_other_host_stopped_by_advisory_lock(postgres_settings, tmp_path):
    holder = _start(HOLD_LOCK, str(postgres_settings.home), postgres_settings.warehouse_url)
    other_host = make_settings(tmp_path / "other-home", postgres_settings.warehouse_url)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(WarehouseBusyError, match=rf"\(pid {holder.pid}, since \d{{4}}-"):
            with run_lock_for(other_host, "build", wait_seconds=0.5):
                pass
    finally:
        _kill(holder)


def test_lock_of_killed_process_taken_over(settings):
    holder = _start(HOLD_LOCK, str(settings.home), settings.warehouse_url)
    assert holder.stdout.readline().strip() == "locked"
    _kill(holder)
    with run_lock_for(settings, "build"):
        pass


def _reference_settings(settings, tmp_path):
    if settings.backend == "duckdb":
        return make_settings(tmp_path / "clean", "duckdb://" + str(tmp_path / "clean" / "mercury.duckdb"))
    return make_settings(tmp_path / "clean", create_test_database())


def test_killed_import_then_rerun_matches_clean_run(settings, tmp_path, demo_export):
    importer = _start(IMPORT_THEN_WAIT, str(settings.home), settings.warehouse_url, *map(str, demo_export))
    assert importer.stdout.readline().strip() == "landing"
    _kill(importer)

    rerun = import_paths(settings, demo_export)
    assert rerun.files_read == 8
    _columns, import_runs = _query_rows(
        settings, "select status, error from raw.load_run where kind = 'import' order by started_at")
    assert [status for status, _error in import_runs] == ["failed", "succeeded"]
    assert "stopped before the run finished" in import_runs[0][1]

    reference = _reference_settings(settings, tmp_path)
    try:
        import_paths(reference, demo_export)
        assert warehouse_snapshot(settings) == warehouse_snapshot(reference)
    finally:
        if reference.backend == "postgres":
            drop_test_database(reference.warehouse_url)


# Runs in a child process: import, and when dbt has built its first model print "building" and
# wait until killed, so the build stops part-way.
IMPORT_THEN_WAIT_IN_BUILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from dbt.cli.main import dbtRunner
    from mercury_spotify.config import Settings
    from mercury_spotify.pipeline.importer import import_paths

    def wait_after_first_model(event):
        if event.info.name == "LogModelResult":
            print("building", flush=True)
            sys.stdin.read()

    original_init = dbtRunner.__init__
    def init_with_callback(self, manifest=None, callbacks=None):
        original_init(self, manifest=manifest, callbacks=[*(callbacks or []), wait_after_first_model])
    dbtRunner.__init__ = init_with_callback

    settings = Settings(home=Path(sys.argv[1]), warehouse_url=sys.argv[2],
                        default_timezone="America/Sao_Paulo")
    import_paths(settings, [Path(path) for path in sys.argv[3:]])
""")


def test_import_killed_in_build_then_rerun(settings, tmp_path, demo_export):
    importer = _start(IMPORT_THEN_WAIT_IN_BUILD, str(settings.home), settings.warehouse_url,
                      *map(str, demo_export))
    # dbt builds on two threads, so two models can report at once on the same line.
    assert importer.stdout.readline().strip().startswith("building")
    _kill(importer)

    rerun = import_paths(settings, demo_export)
    assert rerun.files_read == 0
    assert rerun.built
    _columns, build_runs = _query_rows(
        settings, "select status from raw.load_run where kind = 'build' order by started_at")
    assert [status for (status,) in build_runs] == ["failed", "succeeded"]

    reference = _reference_settings(settings, tmp_path)
    try:
        import_paths(reference, demo_export)
        assert warehouse_snapshot(settings) == warehouse_snapshot(reference)
    finally:
        if reference.backend == "postgres":
            drop_test_database(reference.warehouse_url)


def test_reimport_after_good_build_skips_build(settings, demo_export):
    import_paths(settings, demo_export)
    again = import_paths(settings, demo_export)
    assert not again.built
    assert again.new_plays == 0
