"""Crashes, concurrent runs and storage faults never lose or double plays."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from mercury_spotify.config import load_settings
from mercury_spotify.errors import MercuryError
from mercury_spotify.operations.run_lock import run_lock
from mercury_spotify.pipeline.importer import import_paths
from mercury_spotify.sources.export.synthetic import write_demo_export, write_extended_files
from tests.conftest import FIXTURES, query


def mercury(*args, home: Path, env: dict | None = None) -> subprocess.Popen:
    full_env = {**os.environ, "MERCURY_HOME": str(home), "MERCURY_LANG": "en", **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "mercury_spotify", *args], env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def content(home: Path) -> dict:
    """The warehouse's plays and landed records, without run ids or timestamps of runs."""
    settings = load_settings(home=home)
    return {
        "plays": query(settings, "select play_key, started_at, ms_played, in_extended, in_account "
                                 "from dw.fact_play order by 1"),
        "records": query(settings, "select file_sha256, record_index, record_hash from raw.export_play order by 1, 2"),
        "files": query(settings, "select file_sha256, records from raw.export_file order by 1"),
    }


@pytest.fixture(scope="module")
def export_paths(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("crash-export")
    extended = write_extended_files(folder / "extended", 60_000, per_file=2_500, years=2)
    zips = write_demo_export(folder / "zips", years=1, plays_per_day=20)
    return [folder / "extended", *zips] if extended else zips


@pytest.fixture(scope="module")
def clean_run(export_paths, tmp_path_factory) -> dict:
    home = tmp_path_factory.mktemp("clean-home")
    process = mercury("import", *map(str, export_paths), home=home)
    _out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    return content(home)


@pytest.mark.slow
def test_sigkill_import_at_many_points_then_rerun(export_paths, clean_run, tmp_path):
    home = tmp_path / "home"
    # Kill points spread over discovery, landing (several batches) and the dbt build.
    for delay in (0.4, 0.9, 1.6, 2.5, 3.5, 5.0, 7.0):
        process = mercury("import", *map(str, export_paths), home=home)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()

    process = mercury("import", *map(str, export_paths), home=home)
    _out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    # A kill may land after the import committed; then the rerun only builds. Build once more so
    # both paths end with a build over the same raw data.
    rebuild = mercury("build", home=home)
    _out, err = rebuild.communicate(timeout=600)
    assert rebuild.returncode == 0, err

    assert content(home) == clean_run
    statuses = {status for (status,) in query(load_settings(home=home), "select status from raw.load_run")}
    assert "running" not in statuses


@pytest.mark.slow
def test_sigkill_build_then_rebuild(export_paths, clean_run, tmp_path):
    home = tmp_path / "home"
    process = mercury("import", "--no-build", *map(str, export_paths), home=home)
    assert process.wait(timeout=600) == 0
    for delay in (1.0, 2.5):
        build = mercury("build", home=home)
        time.sleep(delay)
        build.send_signal(signal.SIGKILL)
        build.wait()
    build = mercury("build", home=home)
    _out, err = build.communicate(timeout=600)
    assert build.returncode == 0, err
    assert content(home) == clean_run


def test_second_writer_waits_then_stops(tmp_path):
    home = tmp_path / "home"
    with run_lock(home, "test"):
        process = mercury("import", str(FIXTURES / "extended_modern.json"), home=home,
                          env={"MERCURY_LOCK_WAIT_SECONDS": "0.5"})
        _out, err = process.communicate(timeout=120)
    assert process.returncode == 1
    assert f"another Mercury run is in progress (pid {os.getpid()}, since " in err
    assert not (home / "mercury.duckdb").exists()


def test_lock_of_killed_process_is_taken_over(tmp_path):
    home = tmp_path / "home"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from mercury_spotify.operations.run_lock import run_lock\n"
        f"with run_lock(Path({str(home)!r}), 'holder'):\n    print('held', flush=True); time.sleep(600)")],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    process = mercury("import", "--no-build", str(FIXTURES / "extended_modern.json"), home=home,
                      env={"MERCURY_LOCK_WAIT_SECONDS": "0"})
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err


def test_corrupted_warehouse_file_gives_clear_error(tmp_path):
    home = tmp_path / "home"
    settings = load_settings(home=home)
    import_paths(settings, [FIXTURES / "extended_modern.json"], build=False)
    data = bytearray(settings.duckdb_path.read_bytes())
    for offset in range(0, len(data), 4096):
        data[offset + 100: offset + 164] = os.urandom(64)
    settings.duckdb_path.write_bytes(bytes(data))
    with pytest.raises(MercuryError, match="restore a backup"):
        import_paths(settings, [FIXTURES / "endsong_old.json"], build=False)


@pytest.fixture
def small_disk(tmp_path):
    """A 6 MiB tmpfs, when this machine lets the tests mount one (root in a sandbox that allows it)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount_point)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_disk_full_keeps_previous_data_and_rerun_recovers(small_disk, tmp_path):
    home = small_disk / "home"
    settings = load_settings(home=home)
    import_paths(settings, [FIXTURES / "extended_modern.json"], build=False)
    before = query(settings, "select file_sha256, record_index from raw.export_play order by 1, 2")

    big = write_extended_files(tmp_path / "big", 40_000, per_file=40_000)
    with pytest.raises(MercuryError, match="disk|space|warehouse"):
        import_paths(settings, big, build=False)
    assert query(settings, "select file_sha256, record_index from raw.export_play order by 1, 2") == before

    subprocess.run(["mount", "-o", "remount,size=400m", str(small_disk)], check=True)
    report = import_paths(settings, big, build=False)
    assert report.records == 40_000


def test_read_only_storage_gives_clear_error(small_disk):
    home = small_disk / "home"
    settings = load_settings(home=home)
    import_paths(settings, [FIXTURES / "extended_modern.json"], build=False)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        with pytest.raises(MercuryError):
            import_paths(settings, [FIXTURES / "endsong_old.json"], build=False)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    assert con.execute("select count(*) from raw.export_play").fetchone()[0] == 5
    con.close()
    shutil.rmtree(home)
