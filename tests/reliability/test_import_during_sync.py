"""``mercury import`` started while ``mercury sync`` has the run lock: it stops or waits, never interleaves."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest

from tests.conftest import backend_settings, make_settings, query, warehouse_snapshot
from tests.reliability.background import MercuryProcess, environment, run
from tests.reliability.web_api import (
    HISTORY_END,
    RECENTLY_PLAYED,
    authorize,
    start_with_history,
    web_api_environment,
)
from tests.spotify.exports import extended_record, write_export

# Lock wait of the import that waits: long enough for the sync to finish, short enough to end a hung test.
WAIT_UNTIL_DONE = "600"


def write_small_export(folder: Path, tracks) -> Path:
    """Extended history of 40 plays: 20 that the Web API also returns and 20 from the day before."""
    instants = [HISTORY_END - dt.timedelta(minutes=4 * number) for number in range(20)]
    instants += [HISTORY_END - dt.timedelta(days=1, minutes=4 * number) for number in range(20)]
    records = []
    for number, instant in enumerate(instants):
        track = tracks[number % len(tracks)]
        records.append(extended_record(instant, track.duration_ms, track.track_id, track.name,
                                       track.artist, track.album))
    return write_export(folder, records)


def holds_lock_file(pid: int, home: Path) -> bool:
    """Tell whether process ``pid`` has the home's run lock file open, as a run waiting for it has."""
    lock_file = str(home / "mercury.lock")
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(descriptor) == lock_file:
                return True
        except FileNotFoundError:
            continue
    return False


def run_rows(settings, pid: int) -> list[tuple]:
    return query(settings, "select kind, status, started_at, finished_at from raw.load_run where pid = ? "
                           "order by started_at", [pid])


@pytest.mark.slow
def test_import_during_sync_stops_or_waits(settings, tmp_path):
    stand_in, tracks = start_with_history()
    export = write_small_export(tmp_path / "export", tracks)
    try:
        with backend_settings(settings.backend, tmp_path / "one-after-the-other") as reference:
            authorize(reference, stand_in)
            reference_env = environment(reference, **web_api_environment(stand_in))
            assert run("sync", "--no-build", env=reference_env).process.returncode == 0
            assert run("import", str(export), env=reference_env).process.returncode == 0
            expected = warehouse_snapshot(reference)

        authorize(settings, stand_in)
        env = environment(settings, **web_api_environment(stand_in))
        # The sync keeps the run lock while the stand-in delays its second page of recently played.
        # It skips the dbt build, which runs under the same lock and would only add time here.
        pause = stand_in.pause_next(RECENTLY_PLAYED, skip=1)
        sync = MercuryProcess("sync", "--no-build", env=env)
        try:
            assert sync.wait_for(pause.arrived), sync.stderr

            stopped = run("import", str(export), env={**env, "MERCURY_LOCK_WAIT_SECONDS": "0.5"})
            other_host = None
            if settings.backend == "postgres":
                # Another host has its own home but shares the database: the advisory lock stops it.
                other_home = make_settings(tmp_path / "other-host", settings.warehouse_url)
                other_host = run("import", str(export),
                                 env={**environment(other_home), "MERCURY_LOCK_WAIT_SECONDS": "0.5"})

            waiting = MercuryProcess("import", str(export), env={**env, "MERCURY_LOCK_WAIT_SECONDS": WAIT_UNTIL_DONE})
            while waiting.running() and not holds_lock_file(waiting.pid, settings.home):
                time.sleep(0.02)
            assert waiting.running(), waiting.stderr
        finally:
            pause.resume()
        assert sync.finish() == 0, sync.stderr
        assert waiting.finish() == 0, waiting.stderr
    finally:
        stand_in.stop()

    holder = f"another Mercury run is in progress (pid {sync.pid}, since "
    assert stopped.process.returncode == 1
    assert holder in stopped.stderr
    assert run_rows(settings, stopped.pid) == []
    if other_host is not None:
        assert other_host.process.returncode == 1
        assert holder in other_host.stderr
        assert run_rows(settings, other_host.pid) == []

    sync_runs = run_rows(settings, sync.pid)
    import_runs = run_rows(settings, waiting.pid)
    assert [kind for kind, *_rest in sync_runs] == ["sync", "enrich"]
    assert [kind for kind, *_rest in import_runs] == ["import", "build"]
    sync_finished = max(finished for _kind, _status, _started, finished in sync_runs)
    import_started = min(started for _kind, _status, started, _finished in import_runs)
    assert sync_finished <= import_started
    assert warehouse_snapshot(settings) == expected
