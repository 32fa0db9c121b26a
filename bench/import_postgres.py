"""Benchmark: land and build 1,000,000 extended-history records on PostgreSQL (and DuckDB).

Usage, from the repository root:

    uv run python bench/import_postgres.py [--records 1000000] [--admin-url URL] [--also-duckdb]

The synthetic export is written once to ``bench/data/extended-<records>`` and reused. Each run
imports it into a new database (created with the admin URL, dropped at the end) with
``--no-build``, then runs the dbt build on its own, and prints the landing rate and build time.
Results are also written to ``bench/results/import_postgres-<time>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from mercury_spotify.config import Settings
from mercury_spotify.operations.db_init import create_database
from mercury_spotify.pipeline.importer import import_paths
from mercury_spotify.sources.export.synthetic import write_extended_files
from mercury_spotify.transform.build import build_warehouse
from mercury_spotify.warehouse.postgres import connect_raw
from mercury_spotify.warehouse.urls import with_database

BENCH_DIR = Path(__file__).parent


def export_files(records: int) -> list[Path]:
    """Return the files of the synthetic export of ``records`` records, writing them on first use."""
    folder = BENCH_DIR / "data" / f"extended-{records}"
    done_marker = folder / ".complete"
    if not done_marker.exists():
        print(f"writing {records:,} records to {folder} ...", flush=True)
        write_extended_files(folder, records)
        done_marker.touch()
    return sorted(folder.glob("*.json"))


class CopyRateHandler(logging.Handler):
    """Keeps the rows and seconds of the COPY stage that the PostgreSQL landing logs."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.rows = self.seconds = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith("COPY stored"):
            self.rows, self.seconds = record.args[0], record.args[1]


def measure(settings: Settings, files: list[Path], records: int) -> dict:
    """Time the landing (import without build) and then the dbt build."""
    copy_rate = CopyRateHandler()
    landing_log = logging.getLogger("mercury_spotify.warehouse.postgres_landing")
    landing_log.addHandler(copy_rate)
    landing_log.setLevel(logging.INFO)
    started = time.perf_counter()
    report = import_paths(settings, files, build=False)
    landing_seconds = time.perf_counter() - started
    landing_log.removeHandler(copy_rate)
    if report.records != records:
        raise SystemExit(f"expected {records} records, landed {report.records}")

    started = time.perf_counter()
    result = build_warehouse(settings)
    build_seconds = time.perf_counter() - started
    return {
        "records": report.records,
        "landing_seconds": round(landing_seconds, 2),
        "landing_records_per_second": round(report.records / landing_seconds),
        "copy_seconds": round(copy_rate.seconds, 2) if copy_rate.seconds else None,
        "copy_rows_per_second": round(copy_rate.rows / copy_rate.seconds) if copy_rate.seconds else None,
        "build_seconds": round(build_seconds, 2),
        "build_models": result.models,
        "build_tests": result.tests,
        "build_failures": result.failures,
    }


def machine() -> dict:
    """CPU count, memory and versions of the machine that ran the benchmark."""
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.splitlines()
    return {"nproc": os.cpu_count(), "free_h": memory[1] if len(memory) > 1 else "?",
            "load_average_1_5_15": os.getloadavg(),
            "python": platform.python_version(), "platform": platform.platform()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--admin-url", default=os.environ.get(
        "MERCURY_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--also-duckdb", action="store_true", help="run the same import on a DuckDB file")
    arguments = parser.parse_args()

    files = export_files(arguments.records)
    results: dict = {"started_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                     "machine": machine(), "files": len(files),
                     "bytes": sum(path.stat().st_size for path in files)}

    database = f"mercury_bench_{uuid.uuid4().hex[:8]}"
    with connect_raw(arguments.admin_url) as admin:
        create_database(admin, database, owner=None)
        server_version = admin.execute("show server_version").fetchone()[0]
    results["postgres_version"] = server_version
    try:
        with tempfile.TemporaryDirectory(prefix="mercury-bench-") as home:
            settings = Settings(home=Path(home), warehouse_url=with_database(arguments.admin_url, database),
                                default_timezone="UTC")
            results["postgres"] = measure(settings, files, arguments.records)
            print("postgres:", json.dumps(results["postgres"]), flush=True)
    finally:
        with connect_raw(arguments.admin_url) as admin:
            admin.execute(f'drop database if exists "{database}" with (force)')

    if arguments.also_duckdb:
        with tempfile.TemporaryDirectory(prefix="mercury-bench-") as home:
            settings = Settings(home=Path(home), warehouse_url="duckdb://" + str(Path(home) / "mercury.duckdb"),
                                default_timezone="UTC")
            results["duckdb"] = measure(settings, files, arguments.records)
            print("duckdb:", json.dumps(results["duckdb"]), flush=True)

    output = BENCH_DIR / "results" / f"import_postgres-{results['started_at'].replace(':', '')}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2))
    print(f"results written to {output}")


if __name__ == "__main__":
    sys.exit(main())
