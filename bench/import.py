"""Benchmark ``mercury import`` on N synthetic extended-history records (DuckDB warehouse).

Reports, each in a fresh process so peak memory is per step:
  - the floor: DuckDB's own ``read_json`` with typed columns over the same files into a table
    in a new database file;
  - landing alone (``mercury import --no-build``), its rate and its ratio to the floor;
  - landing alone timed inside the process (``import_paths(..., build=False)``), compared with
    the floor's own in-process time, so that Python's start-up counts on neither side;
  - the dbt build alone (``mercury build``) on the landed data;
  - the whole ``mercury import`` (landing and build) into a fresh warehouse;
  - peak RSS of each step.

Usage: python bench/import.py [--records 1000000] [--per-file 16000] [--data bench/data]
The generated files are kept in --data and re-used when the count matches.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR_SCRIPT = """
import duckdb, glob, sys, time
files = sorted(glob.glob(sys.argv[1] + '/Streaming_History_*.json'))
con = duckdb.connect(sys.argv[2])
con.execute("set enable_progress_bar = false")
text = ['ts', 'platform', 'conn_country', 'master_metadata_track_name', 'master_metadata_album_artist_name',
        'master_metadata_album_album_name', 'spotify_track_uri', 'episode_name', 'episode_show_name',
        'spotify_episode_uri', 'audiobook_title', 'audiobook_uri', 'audiobook_chapter_uri',
        'audiobook_chapter_title', 'reason_start', 'reason_end']
columns = {name: 'VARCHAR' for name in text}
columns.update(ts='TIMESTAMPTZ', ms_played='BIGINT', shuffle='BOOLEAN', skipped='BOOLEAN', offline='BOOLEAN',
               offline_timestamp='BIGINT', incognito_mode='BOOLEAN')
start = time.perf_counter()
con.execute(f"create table plays as select * from read_json({files}, format='array', columns={columns})")
elapsed = time.perf_counter() - start
print(elapsed, con.execute('select count(*) from plays').fetchone()[0])
con.close()
"""

LANDING_SCRIPT = """
import glob, sys, time
from pathlib import Path
from mercury_spotify.config import load_settings
from mercury_spotify.pipeline.importer import import_paths
files = [Path(name) for name in sorted(glob.glob(sys.argv[1] + '/Streaming_History_*.json'))]
settings = load_settings(home=Path(sys.argv[2]))
start = time.perf_counter()
report = import_paths(settings, files, build=False)
print(time.perf_counter() - start, report.records)
"""


def run_step(label: str, command: list[str], env: dict) -> dict:
    """Run one step in a child process; return its wall time and the child's peak RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if completed.returncode != 0:
        sys.exit(f"{label} failed:\n{completed.stdout}\n{completed.stderr}")
    # ru_maxrss of children is the maximum over all children so far; each step's peak is at
    # least that of earlier steps only if it grew, so report it as "max so far" when unchanged.
    return {"label": label, "seconds": elapsed, "peak_rss_mib": peak_kib / 1024,
            "peak_is_max_so_far": peak_kib == before, "stdout": completed.stdout}


def machine() -> str:
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return f"{os.cpu_count()} cores, {memory_gib:.0f} GiB RAM, {platform.machine()}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--per-file", type=int, default=16_000)
    parser.add_argument("--data", type=Path, default=Path(__file__).parent / "data")
    args = parser.parse_args()

    from mercury_spotify.sources.export.synthetic import write_extended_files

    data = args.data / f"extended-{args.records}"
    marker = data / "complete.marker"
    if not marker.exists():
        shutil.rmtree(data, ignore_errors=True)
        print(f"generating {args.records:,} records in {data} ...", flush=True)
        write_extended_files(data, args.records, per_file=args.per_file)
        marker.write_text(json.dumps({"records": args.records}))
    files = sorted(data.glob("Streaming_History_*.json"))
    size_mib = sum(path.stat().st_size for path in files) / 1024**2

    work = Path(tempfile.mkdtemp(prefix="mercury-bench-"))
    env = {**os.environ, "MERCURY_LANG": "en", "MERCURY_TIMEZONE": "UTC", "DO_NOT_TRACK": "1"}
    mercury = [sys.executable, "-m", "mercury_spotify"]
    try:
        floor_step = run_step("floor: DuckDB read_json", [sys.executable, "-c", FLOOR_SCRIPT, str(data), str(work / "floor.duckdb")], env)
        floor_seconds, floor_rows = floor_step["stdout"].split()
        floor_seconds = float(floor_seconds)

        landing_env = {**env, "MERCURY_HOME": str(work / "landing")}
        landing = run_step("landing (import --no-build)", [*mercury, "import", "--no-build", "--json", *map(str, files)], landing_env)
        inside_step = run_step("landing timed inside the process",
                               [sys.executable, "-c", LANDING_SCRIPT, str(data), str(work / "inside")], env)
        inside_seconds = float(inside_step["stdout"].split()[0])
        build = run_step("dbt build alone", [*mercury, "build"], landing_env)

        whole_env = {**env, "MERCURY_HOME": str(work / "whole")}
        whole = run_step("whole mercury import", [*mercury, "import", "--json", *map(str, files)], whole_env)
        summary = json.loads(whole["stdout"])
    finally:
        shutil.rmtree(work, ignore_errors=True)

    records = args.records
    print()
    print(f"machine: {machine()}")
    print(f"data: {records:,} records in {len(files)} files, {size_mib:,.0f} MiB; floor read {int(floor_rows):,} rows")
    print(f"floor, whole process: {floor_step['seconds']:.2f} s = {records / floor_step['seconds']:,.0f} records/s")
    print(f"floor, read_json timed inside the process: {floor_seconds:.2f} s = {records / floor_seconds:,.0f} records/s")
    for step in (landing, build, whole):
        print(f"{step['label']}: {step['seconds']:.2f} s, peak RSS {step['peak_rss_mib']:,.0f} MiB"
              + (" (max so far)" if step["peak_is_max_so_far"] else ""))
    landing_rate = records / landing["seconds"]
    print(f"landing rate, whole process: {landing_rate:,.0f} records/s; "
          f"ratio to the floor's whole process: {floor_step['seconds'] / landing['seconds']:.2f}")
    print(f"landing timed inside the process: {inside_seconds:.2f} s = {records / inside_seconds:,.0f} records/s; "
          f"ratio to the floor's in-process time: {floor_seconds / inside_seconds:.2f}")
    print(f"whole import: {whole['seconds']:.2f} s for {summary['new_plays']:,} new plays")


if __name__ == "__main__":
    main()
