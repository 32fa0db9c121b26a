"""``mercury build``: run the dbt models and tests on the configured warehouse, in-process.

dbt is imported here, lazily, because importing it costs about two seconds and most commands
(``--help`` above all) do not need it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mercury_spotify.config import Settings
from mercury_spotify.errors import BuildError
from mercury_spotify.warehouse import runs

log = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).parent / "dbt_project"


@dataclass
class BuildResult:
    """Result of a dbt build: models built, tests run, and the names of failing tests."""

    models: int = 0
    tests: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every model built and every test passed."""
        return not self.failures


def dbt_vars(settings: Settings) -> dict:
    """Return the dbt vars that carry Mercury's settings into the models."""
    return {
        "default_timezone": settings.default_timezone,
        "timezone_periods": [
            {"since": period.since.isoformat(), "zone": period.zone} for period in settings.timezone_periods
        ],
        "stream_threshold_ms": settings.stream_threshold_ms,
    }


@contextlib.contextmanager
def _dbt_environment(settings: Settings) -> Iterator[None]:
    """Set the environment variables the shipped profiles.yml reads, and restore them after."""
    values = {
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_TARGET_PATH": str(settings.home / "dbt" / "target"),
        "DBT_LOG_PATH": str(settings.home / "dbt" / "logs"),
        "DBT_PACKAGES_INSTALL_PATH": str(settings.home / "dbt" / "packages"),
    }
    if settings.backend == "duckdb":
        values["MERCURY_DBT_DUCKDB_PATH"] = str(settings.duckdb_path)
    else:
        from mercury_spotify.warehouse.urls import postgres_parts

        parts = postgres_parts(settings.warehouse_url)
        values.update({
            "MERCURY_DBT_PG_HOST": parts["host"],
            "MERCURY_DBT_PG_PORT": str(parts["port"]),
            "MERCURY_DBT_PG_USER": parts["user"],
            "MERCURY_DBT_PG_PASSWORD": parts["password"],
            "MERCURY_DBT_PG_DBNAME": parts["dbname"],
            # libpq sets the session time zone from PGTZ: UTC, as on DuckDB, so a timestamp
            # cast to text (part of some play ids) reads the same on both backends.
            "PGTZ": "UTC",
        })
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _release_duckdb_connection(settings: Settings) -> None:
    """Close the DuckDB connection dbt-duckdb keeps open for the process after a run.

    Mercury opens the same file again right after dbt, and DuckDB refuses a second in-process
    connection with a different configuration.
    NOTE: this uses dbt-duckdb's connection-manager internals (checked with 1.11.1).
    """
    if settings.backend != "duckdb":
        return
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()


def run_dbt(settings: Settings, command: str = "build", select: str | None = None) -> BuildResult:
    """Run one dbt command on the warehouse and collect the results."""
    (settings.home / "dbt").mkdir(parents=True, exist_ok=True)
    with _dbt_environment(settings):
        from dbt.cli.main import dbtRunner

        args = [
            command,
            "--project-dir", str(PROJECT_DIR),
            "--profiles-dir", str(PROJECT_DIR),
            "--target", settings.backend,
            "--vars", json.dumps(dbt_vars(settings)),
            "--quiet",
            "--no-use-colors",
        ]
        if select:
            args += ["--select", select]
        try:
            outcome = dbtRunner().invoke(args)
        finally:
            _release_duckdb_connection(settings)

    result = BuildResult()
    if outcome.exception is not None:
        raise BuildError(f"dbt could not run: {outcome.exception}") from outcome.exception
    for node_result in outcome.result or []:
        resource_type = node_result.node.resource_type
        if resource_type == "test":
            result.tests += 1
        elif resource_type == "model":
            result.models += 1
        if str(node_result.status) in ("error", "fail", "runtime error"):
            message = (node_result.message or "").strip().splitlines()[0:1]
            result.failures.append(f"{node_result.node.name}: {message[0] if message else node_result.status}")
    return result


def build_warehouse(settings: Settings, locked: bool = False) -> BuildResult:
    """Build the staging views and star schema, run every dbt test, and log the run.

    ``locked`` means the caller already has the run lock (an import that builds at its end).
    """
    from mercury_spotify.operations.run_lock import run_lock_for
    from mercury_spotify.warehouse.store import open_writer

    lock = contextlib.nullcontext() if locked else run_lock_for(settings, "build")
    with lock:
        with open_writer(settings) as store:
            runs.mark_abandoned_runs(store.con)
            run_id = runs.start_run(store.con, "build")
        try:
            result = run_dbt(settings)
        except BaseException as exc:
            with open_writer(settings) as store:
                runs.finish_run(store.con, run_id, runs.FAILED, error=str(exc)[:2000])
            raise
        counts = {"models": result.models, "tests": result.tests, "failures": result.failures}
        with open_writer(settings) as store:
            runs.finish_run(store.con, run_id, runs.SUCCEEDED if result.ok else runs.FAILED,
                            counts=counts, error="; ".join(result.failures) or None)
    log.info("build %s: %d models, %d tests, %d failures",
             run_id, result.models, result.tests, len(result.failures))
    return result
