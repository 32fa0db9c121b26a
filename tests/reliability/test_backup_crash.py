"""``mercury backup`` killed with SIGKILL at seeded points: the earlier backup stays good, no partial file counts."""

from __future__ import annotations

import hashlib
import json
import random
import tarfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from mercury_spotify.operations.backup import list_backups, sha256_of
from mercury_spotify.operations.run_lock import run_lock_for
from mercury_spotify.pipeline.importer import import_paths
from tests.conftest import FIXTURES, backend_settings, query, warehouse_snapshot
from tests.reliability.background import MercuryProcess, environment, run

SEED = 20261205

# Runs ``mercury ARGS`` in a child that stops at one point of the backup, prints "paused" to
# stderr and waits there until the test kills it. Its arguments are the point, the point's
# parameter, then the command line.
BACKUP_PAUSED_AT = textwrap.dedent("""
    import gzip, os, subprocess, sys, tarfile, threading, time
    from mercury_spotify.cli import main
    from mercury_spotify.operations import backup
    from mercury_spotify.warehouse import runs

    point, parameter = sys.argv[1], float(sys.argv[2])

    def pause():
        print("paused", file=sys.stderr, flush=True)
        threading.Event().wait()

    def before(function, condition=lambda *args, **kwargs: True):
        def wrapper(*args, **kwargs):
            if condition(*args, **kwargs):
                pause()
            return function(*args, **kwargs)
        return wrapper

    def after_call(function, number):
        calls = []
        def wrapper(*args, **kwargs):
            result = function(*args, **kwargs)
            calls.append(None)
            if len(calls) == number:
                pause()
            return result
        return wrapper

    def pg_dump_started(function):
        def wrapper(command, **kwargs):
            if not command[0].endswith("pg_dump"):
                return function(command, **kwargs)
            subprocess.Popen(command, env=kwargs.get("env"), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
            time.sleep(parameter)
            pause()
        return wrapper

    if point == "before payload":
        backup._write_payloads = before(backup._write_payloads)
    elif point == "payload written":
        backup._write_payloads = after_call(backup._write_payloads, 1)
    elif point == "gzip chunk":
        gzip.GzipFile.write = after_call(gzip.GzipFile.write, int(parameter))
    elif point == "pg_dump running":
        subprocess.run = pg_dump_started(subprocess.run)
    elif point == "tar manifest only":
        tarfile.TarFile.add = after_call(tarfile.TarFile.add, 1)
    elif point == "before rename":
        os.replace = before(os.replace, lambda source, target: str(target).endswith(".tar"))
    elif point == "after rename":
        runs.finish_run = before(runs.finish_run, lambda con, run_id, status, **kwargs: status == "succeeded")
    main(sys.argv[3:], prog_name="mercury")
""")


@dataclass(frozen=True)
class KillPoint:
    """A point of a backup where the test kills it, with the point's parameter.

    The parameter is the gzip chunk written before the kill ("gzip chunk", DuckDB), or the
    seconds pg_dump runs before the kill ("pg_dump running", PostgreSQL); other points ignore it.
    """

    point: str
    parameter: float = 0.0


def kill_points(rng: random.Random, backend: str) -> list[KillPoint]:
    """Draw one kill in each phase of a backup, in an order and with parameters drawn from ``rng``."""
    points = [KillPoint("before payload"), KillPoint("payload written"), KillPoint("tar manifest only"),
              KillPoint("before rename"), KillPoint("after rename")]
    if backend == "duckdb":
        # The warehouse file of the demo export is over 6 MiB, gzipped in 1 MiB chunks.
        points.append(KillPoint("gzip chunk", rng.randint(1, 5)))
    else:
        points.append(KillPoint("pg_dump running", round(rng.uniform(0.0, 0.2), 3)))
    rng.shuffle(points)
    return points


def verified_manifest(path: Path) -> dict:
    """Return the manifest of a backup file after checking its payload's size and SHA-256."""
    with tarfile.open(path) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))
        payload = archive.extractfile(manifest["warehouse"]["file"]).read()
    assert len(payload) == manifest["warehouse"]["bytes"], path.name
    assert hashlib.sha256(payload).hexdigest() == manifest["warehouse"]["sha256"], path.name
    return manifest


def restored_snapshot(backup: Path, backend: str, home: Path) -> dict:
    """Restore ``backup`` with ``mercury restore`` into a fresh warehouse and return its snapshot."""
    with backend_settings(backend, home) as fresh:
        restore = run("restore", str(backup), "--yes", env=environment(fresh))
        assert restore.process.returncode == 0, restore.stderr
        return warehouse_snapshot(fresh)


@pytest.mark.slow
def test_sigkill_backup_at_seeded_points(settings, tmp_path, demo_export):
    import_paths(settings, demo_export)
    earlier_state = warehouse_snapshot(settings)
    folder = tmp_path / "backups"
    env = environment(settings)
    first = run("backup", "--output", str(folder), env=env)
    assert first.process.returncode == 0, first.stderr
    [earlier] = list_backups(folder)
    earlier_digest = sha256_of(earlier)
    # New data after the earlier backup, so a backup taken now differs from it.
    import_paths(settings, [FIXTURES / "extended_modern.json"], build=False)
    later_state = warehouse_snapshot(settings)

    points = kill_points(random.Random(SEED), settings.backend)
    for kill in points:
        backup = MercuryProcess(kill.point, str(kill.parameter), "backup", "--output", str(folder),
                                env=env, script=BACKUP_PAUSED_AT)
        assert backup.wait_for_stderr("paused"), f"{kill} not reached: {backup.stderr}"
        backup.kill()

        leftovers = sorted(path.name for path in folder.iterdir() if path.name.startswith("."))
        if kill.point != "after rename":
            assert leftovers, f"{kill} left no scratch folder to clean"
        if kill.point in ("tar manifest only", "before rename"):
            assert any(name.endswith(".tar.partial") for name in leftovers), leftovers
        assert sha256_of(earlier) == earlier_digest
        for path in list_backups(folder):
            assert not path.name.startswith(".")
            assert verified_manifest(path)["backend"] == settings.backend

    with run_lock_for(settings, "test", wait_seconds=0):
        pass
    rerun = run("backup", "--output", str(folder), env=env)
    assert rerun.process.returncode == 0, rerun.stderr
    newest = list_backups(folder)[-1]

    assert sorted(path.name for path in folder.iterdir() if path.name.startswith(".")) == []
    # Only the kill after the rename left a whole backup beside the earlier and the newest one.
    assert len(list_backups(folder)) == 3
    assert sha256_of(earlier) == earlier_digest
    assert query(settings, "select count(*) from raw.load_run where status = 'running'") == [(0,)]
    assert query(settings, "select count(*) from raw.load_run where kind = 'backup' and status = 'failed'") == [
        (len(points),)]
    assert restored_snapshot(earlier, settings.backend, tmp_path / "earlier") == earlier_state
    assert restored_snapshot(newest, settings.backend, tmp_path / "newest") == later_state
