"""``mercury sync`` killed with SIGKILL at seeded points, then rerun: the same warehouse as one clean sync."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import pytest

from mercury_spotify.operations.run_lock import run_lock_for
from tests.conftest import backend_settings, query, warehouse_snapshot
from tests.reliability.background import MercuryProcess, environment, run
from tests.reliability.web_api import RECENTLY_PLAYED, authorize, start_with_history, web_api_environment

SEED = 20261204


@dataclass(frozen=True)
class KillPoint:
    """Where one sync is killed.

    With a ``path``, the sync is killed while the stand-in delays its ``skip + 1``-th request to
    that path, or ``delay`` seconds after the stand-in sends the response. Without a ``path``,
    the sync is killed ``delay`` seconds after its dbt build has started.
    """

    path: str | None
    skip: int = 0
    delay: float | None = None


def kill_points(rng: random.Random) -> list[KillPoint]:
    """Draw kill points in the order a sync reaches them, so each killed run gets to the next one.

    A token refresh and the recently played pages come first: a killed poll makes the next sync
    walk every page again. Track lookups come next, few enough that the 12 pending tracks last
    through two killed runs. The build comes last.
    """

    def held_or_delay() -> float | None:
        return None if rng.random() < 0.5 else round(rng.uniform(0.0, 0.05), 3)

    points = [KillPoint("/api/token", 0, held_or_delay())]
    points += [KillPoint(RECENTLY_PLAYED, page, held_or_delay()) for page in sorted(rng.sample(range(4), 2))]
    points += [KillPoint("/v1/tracks/", rng.randrange(6), held_or_delay()),
               KillPoint("/v1/tracks/", rng.randrange(5), held_or_delay())]
    points.append(KillPoint(None, delay=round(rng.uniform(0.1, 1.0), 2)))
    return points


def kill_sync_at(point: KillPoint, stand_in, env: dict[str, str]) -> None:
    """Start ``mercury sync``, kill it at ``point`` and check that the kill hit a running sync."""
    pause = stand_in.pause_next(point.path, point.skip) if point.path else None
    sync = MercuryProcess("--verbose", "sync", env=env)
    try:
        if pause is not None:
            assert sync.wait_for(pause.arrived), f"{point} not reached: {sync.stderr}"
            if point.delay is not None:
                pause.resume()
                time.sleep(point.delay)
        else:
            assert sync.wait_for_stderr("(build) started"), f"build not reached: {sync.stderr}"
            time.sleep(point.delay)
        assert sync.running(), f"the sync ended before the kill at {point}: {sync.stderr}"
    finally:
        sync.kill()
        if pause is not None:
            pause.resume()


@pytest.mark.slow
def test_sigkill_sync_at_seeded_points(settings, tmp_path):
    stand_in, _tracks = start_with_history()
    try:
        with backend_settings(settings.backend, tmp_path / "clean-home") as clean:
            authorize(clean, stand_in)
            clean_sync = run("sync", env=environment(clean, **web_api_environment(stand_in)))
            assert clean_sync.process.returncode == 0, clean_sync.stderr
            expected = warehouse_snapshot(clean)

        authorize(settings, stand_in)
        env = environment(settings, **web_api_environment(stand_in))
        # The first kill point is the token refresh that a rejected access token starts.
        stand_in.expire_access_tokens()
        points = kill_points(random.Random(SEED))
        for point in points:
            kill_sync_at(point, stand_in, env)

        with run_lock_for(settings, "test", wait_seconds=0):
            pass
        rerun = run("sync", env=env)
    finally:
        stand_in.stop()

    assert rerun.process.returncode == 0, rerun.stderr
    assert warehouse_snapshot(settings) == expected
    assert query(settings, "select count(*) from raw.load_run where status = 'running'") == [(0,)]
    abandoned = query(settings, "select count(*) from raw.load_run where status = 'failed' "
                                "and error like '%stopped before the run finished%'")
    assert abandoned == [(len(points),)]
