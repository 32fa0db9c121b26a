"""``mercury schedule`` run for real as a process, with a stand-in ``mercury`` child on PATH.

The stand-in child (``fake_mercury.py``) lets these tests check the scheduler itself: interval,
daily backup, busy and re-authorization reports, one scheduler per home and SIGTERM handling.
The tests at the end run the real ``mercury sync`` and ``mercury backup`` and skip when this
build of Mercury has no such command.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mercury_spotify.operations.schedule import ScheduleConfig, Scheduler, next_backup_time
from mercury_spotify.operations.scheduled_runs import RunResult

HERE = Path(__file__).parent
EVENT_TIMEOUT = 60.0  # generous: only how long a test waits for something to happen


def mercury_commands() -> str:
    return subprocess.run([sys.executable, "-m", "mercury_spotify", "--help"], capture_output=True,
                          text=True, check=True).stdout


def has_command(name: str) -> bool:
    return any(line.split()[:1] == [name] for line in mercury_commands().split("Commands:", 1)[-1].splitlines())


@pytest.fixture
def fake_path(tmp_path) -> Path:
    """A folder with the stand-in ``mercury`` executable."""
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "mercury"
    script.write_text(f"#!{sys.executable}\n" + (HERE / "fake_mercury.py").read_text(encoding="utf-8"))
    script.chmod(0o755)
    return folder


class Schedule:
    """One ``mercury schedule`` process and what it logged."""

    def __init__(self, home: Path, arguments: list[str], env: dict[str, str]) -> None:
        self.log_path = home.parent / f"schedule-{time.monotonic_ns()}.log"
        self.log_handle = self.log_path.open("w")
        self.process = subprocess.Popen([sys.executable, "-m", "mercury_spotify", "schedule", *arguments],
                                        env=env, stdout=subprocess.PIPE, stderr=self.log_handle, text=True)

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8")

    def wait_for_log(self, text: str, count: int = 1) -> None:
        deadline = time.monotonic() + EVENT_TIMEOUT
        while self.output().count(text) < count:
            if self.process.poll() is not None:
                raise AssertionError(f"schedule exited ({self.process.returncode}) before logging {text!r}:\n"
                                     + self.output())
            if time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} after {EVENT_TIMEOUT} s:\n" + self.output())
            time.sleep(0.05)

    def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=EVENT_TIMEOUT)
        self.log_handle.close()
        return code


@pytest.fixture
def environment(home, fake_path, tmp_path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "PATH": f"{fake_path}{os.pathsep}{env.get('PATH', '')}",
        "MERCURY_HOME": str(home),
        "MERCURY_TIMEZONE": "UTC",
        "MERCURY_LANG": "en",
        "FAKE_MERCURY_LOG": str(tmp_path / "calls.jsonl"),
        "FAKE_MERCURY_MODE": "ok",
    })
    return env


def calls(environment) -> list[dict]:
    path = Path(environment["FAKE_MERCURY_LOG"])
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


FAST = ["--interval", "0.01", "--jitter", "0", "--no-backup"]


def test_sync_repeats_on_interval(home, environment):
    schedule = Schedule(home, FAST, environment)
    schedule.wait_for_log("sync ok", count=2)
    assert schedule.terminate() == 0

    output = schedule.output()
    assert "listeners=2 new_plays=5" in output
    assert "schedule stopped" in output
    syncs = [call for call in calls(environment) if call["args"] == ["sync"]]
    assert len(syncs) >= 2
    assert syncs[0]["env"]["MERCURY_HOME"] == str(home)
    assert syncs[0]["env"]["MERCURY_LANG"] == "en"


def test_second_scheduler_refused(home, environment):
    first = Schedule(home, FAST, environment)
    first.wait_for_log("sync ok")

    second = subprocess.run([sys.executable, "-m", "mercury_spotify", "schedule", *FAST], env=environment,
                            capture_output=True, text=True, timeout=EVENT_TIMEOUT)
    check = subprocess.run([sys.executable, "-m", "mercury_spotify", "schedule", "--check"], env=environment,
                           capture_output=True, text=True, timeout=EVENT_TIMEOUT)

    assert first.terminate() == 0
    assert second.returncode == 1
    assert "another 'mercury schedule' is running" in second.stderr
    assert check.returncode == 0
    after = subprocess.run([sys.executable, "-m", "mercury_spotify", "schedule", "--check"], env=environment,
                           capture_output=True, text=True, timeout=EVENT_TIMEOUT)
    assert after.returncode == 1


def test_sigterm_stops_running_child(home, environment, tmp_path):
    environment["FAKE_MERCURY_MODE"] = "slow"
    schedule = Schedule(home, FAST, environment)
    deadline = time.monotonic() + EVENT_TIMEOUT
    while not calls(environment):
        assert time.monotonic() < deadline, schedule.output()
        time.sleep(0.05)

    assert schedule.terminate() == 0
    events = [call["event"] for call in calls(environment)]
    assert events == ["start", "terminated"]
    assert "sync interrupted" in schedule.output()


def test_overdue_run_stopped(home, environment):
    environment["FAKE_MERCURY_MODE"] = "slow"
    schedule = Schedule(home, [*FAST, "--run-timeout", "0.02"], environment)
    schedule.wait_for_log("timed out after 1 s")
    assert schedule.terminate() == 0
    assert [call["event"] for call in calls(environment)][:2] == ["start", "terminated"]


def test_sigterm_while_waiting(home, environment):
    schedule = Schedule(home, ["--interval", "600", "--jitter", "0", "--no-backup"], environment)
    schedule.wait_for_log("sync ok")
    assert schedule.terminate() == 0
    assert "schedule stopped" in schedule.output()


def test_backup_at_configured_time(home, environment):
    at = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=3)).time().replace(microsecond=0)
    environment["MERCURY_METABASE_DB_URL"] = "postgresql://metabase:mb-secret-value@metabase-db/metabase"
    environment["MERCURY_BACKUP_WAREHOUSE"] = "postgresql://mercury_dba:dba-secret-value@warehouse/mercury"
    schedule = Schedule(home, ["--interval", "600", "--jitter", "0", "--backup-at", at.isoformat(),
                               "--keep", "3"], environment)
    schedule.wait_for_log("backup ok")
    assert schedule.terminate() == 0

    backups = [call for call in calls(environment) if call["args"][:1] == ["backup"]]
    assert len(backups) == 1
    assert backups[0]["args"] == ["backup", "--keep", "3", "--json"]
    assert backups[0]["env"]["MERCURY_WAREHOUSE"] == environment["MERCURY_BACKUP_WAREHOUSE"]
    assert backups[0]["env"]["MERCURY_METABASE_DB_URL"] == environment["MERCURY_METABASE_DB_URL"]
    output = schedule.output()
    assert "file=mercury-backup-x.tar removed=2" in output
    assert "secret-value" not in output


def test_busy_run_logged_and_retried(home, environment):
    environment["FAKE_MERCURY_MODE"] = "busy"
    schedule = Schedule(home, FAST, environment)
    schedule.wait_for_log("sync busy", count=2)
    assert schedule.terminate() == 0


def test_reauthorization_reported(home, environment):
    environment["FAKE_MERCURY_MODE"] = "reauthorize"
    tokens = home / "tokens"
    tokens.mkdir()
    (tokens / "me.json").write_text(json.dumps({"authorized_at": "2026-01-01T00:00:00+00:00",
                                                "reauthorization_needed": True}))
    schedule = Schedule(home, FAST, environment)
    schedule.wait_for_log("sync failed")
    schedule.wait_for_log("listener me: re-authorization needed")
    assert schedule.terminate() == 0
    assert schedule.output().count("listener me: re-authorization needed") == 1


def test_expiry_warned_a_month_ahead(home):
    tokens = home / "tokens"
    tokens.mkdir()
    now = dt.datetime(2026, 12, 4, 12, tzinfo=dt.timezone.utc)
    (tokens / "soon.json").write_text(json.dumps({"authorized_at": (now - dt.timedelta(days=160)).isoformat()}))
    (tokens / "later.json").write_text(json.dumps({"authorized_at": (now - dt.timedelta(days=100)).isoformat()}))
    messages = []

    class Recorder:
        def stop(self):
            pass

    scheduler = Scheduler(ScheduleConfig(home=home, timezone="UTC"), runner=Recorder(), clock=lambda: now)
    import logging

    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())
    logger = logging.getLogger("mercury_spotify.operations.schedule")
    logger.addHandler(handler)
    try:
        scheduler.check_tokens()
        scheduler.check_tokens()
    finally:
        logger.removeHandler(handler)
    assert len(messages) == 1
    assert messages[0].startswith("listener soon: the Spotify authorization expires on 2026-12-26")


def test_next_backup_time_across_dst():
    # Sao Paulo has no DST now; Lisbon leaves winter time on 2026-03-29 at 01:00 UTC.
    before = dt.datetime(2026, 3, 28, 23, 0, tzinfo=dt.timezone.utc)
    assert next_backup_time(before, dt.time(3, 30), "Europe/Lisbon") == dt.datetime(
        2026, 3, 29, 2, 30, tzinfo=dt.timezone.utc)
    assert next_backup_time(before, dt.time(23, 30), "UTC") == dt.datetime(
        2026, 3, 28, 23, 30, tzinfo=dt.timezone.utc)
    assert next_backup_time(dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.timezone.utc), dt.time(23, 30),
                            "UTC") == dt.datetime(2026, 3, 29, 23, 30, tzinfo=dt.timezone.utc)


def test_loop_order_with_fake_clock(tmp_path):
    """Sync first, then every interval; the backup once its local time has come."""
    now = [dt.datetime(2026, 12, 4, 3, 0, tzinfo=dt.timezone.utc)]
    jobs = []

    class Runner:
        def run(self, job, arguments, environment):
            jobs.append((job, now[0].strftime("%H:%M")))
            return RunResult(job, 0, 0.0)

        def stop(self):
            pass

    config = ScheduleConfig(home=tmp_path, timezone="UTC", interval=dt.timedelta(minutes=20),
                            jitter=dt.timedelta(0), backup_at=dt.time(3, 30))
    scheduler = Scheduler(config, runner=Runner(), clock=lambda: now[0])

    def wait(seconds):
        now[0] += dt.timedelta(seconds=seconds)
        if now[0] >= dt.datetime(2026, 12, 4, 4, 0, tzinfo=dt.timezone.utc):
            scheduler.stop_requested.set()
        return scheduler.stop_requested.is_set()

    scheduler.wait = wait
    scheduler.run()
    assert jobs == [("sync", "03:00"), ("sync", "03:20"), ("backup", "03:30"), ("sync", "03:40")]


# --- with the real commands -----------------------------------------------------------------------

needs_sync = pytest.mark.skipif(not has_command("sync"), reason="this build has no 'mercury sync' command "
                                                                 "(it comes with the Spotify Web API source)")
needs_backup = pytest.mark.skipif(not has_command("backup"), reason="this build has no 'mercury backup' "
                                                                     "command (it comes with the PostgreSQL work)")


@pytest.fixture
def real_environment(home) -> dict[str, str]:
    """The real ``mercury`` on PATH; Spotify's addresses point at a closed loopback port."""
    env = dict(os.environ)
    env.update({"MERCURY_HOME": str(home), "MERCURY_TIMEZONE": "UTC", "MERCURY_LANG": "en",
                "SPOTIFY_CLIENT_ID": "stand-in-client-id",
                "SPOTIFY_ACCOUNTS_URL": "http://127.0.0.1:9", "SPOTIFY_API_URL": "http://127.0.0.1:9"})
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def write_rejected_token(home: Path) -> None:
    """A token file whose refresh token Spotify has rejected, so sync calls no server."""
    tokens = home / "tokens"
    tokens.mkdir(mode=0o700, exist_ok=True)
    path = tokens / "me.json"
    path.write_text(json.dumps({
        "listener_id": "me", "spotify_user_id": "me", "display_name": None,
        "access_token": "expired", "refresh_token": "rejected", "expires_at": "2026-01-01T00:00:00+00:00",
        "scope": "user-read-recently-played", "authorized_at": "2026-01-01T00:00:00+00:00",
        "reauthorization_needed": True,
    }), encoding="utf-8")
    path.chmod(0o600)


@needs_sync
def test_real_sync_reports_reauthorization(home, real_environment):
    write_rejected_token(home)
    schedule = Schedule(home, ["--interval", "600", "--jitter", "0", "--no-backup"], real_environment)
    schedule.wait_for_log("sync failed")
    schedule.wait_for_log("listener me: re-authorization needed")
    assert schedule.terminate() == 0


@needs_sync
def test_real_sync_waits_for_run_lock(home, real_environment):
    from mercury_spotify.operations.run_lock import run_lock

    write_rejected_token(home)
    with run_lock(home, "test holds the warehouse"):
        schedule = Schedule(home, ["--interval", "600", "--jitter", "0", "--no-backup"], real_environment)
        schedule.wait_for_log("sync busy")
    assert schedule.terminate() == 0


def extended_record(ts: str, track: str) -> dict:
    """One record of Spotify's extended streaming history."""
    return {
        "ts": ts, "platform": "android", "ms_played": 200_000, "conn_country": "BR",
        "master_metadata_track_name": track, "master_metadata_album_artist_name": "Artist",
        "master_metadata_album_album_name": "Album", "spotify_track_uri": "spotify:track:0123456789abcdefghijkl",
        "episode_name": None, "episode_show_name": None, "spotify_episode_uri": None,
        "audiobook_title": None, "audiobook_uri": None, "audiobook_chapter_uri": None,
        "audiobook_chapter_title": None, "reason_start": "clickrow", "reason_end": "trackdone",
        "shuffle": False, "skipped": False, "offline": False, "offline_timestamp": None, "incognito_mode": False,
    }


@needs_backup
def test_real_backup_on_schedule(home, real_environment):
    export = home.parent / "Streaming_History_Audio_2024_0.json"
    export.write_text(json.dumps([extended_record("2024-03-09T12:00:00Z", "Song"),
                                  extended_record("2024-03-09T12:05:00Z", "Other")]), encoding="utf-8")
    imported = subprocess.run([sys.executable, "-m", "mercury_spotify", "import", str(export)], env=real_environment,
                              capture_output=True, text=True, timeout=600)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    at = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=3)).time().replace(microsecond=0)
    schedule = Schedule(home, ["--interval", "600", "--jitter", "0", "--backup-at", at.isoformat(),
                               "--keep", "2"], real_environment)
    schedule.wait_for_log("backup ok")
    assert schedule.terminate() == 0
    assert list((home / "backups").glob("mercury-backup-*"))
