"""Benchmark the dashboards on a DuckDB warehouse of 1,000,000 synthetic plays.

Measures the median time of every card's query (a new read-only connection each time, no
cache), and the time from opening each page in headless Chromium until its charts are drawn.
Writes the figures into the "Dashboards" section of BENCHMARKS.md.

    uv run --extra dashboard --extra test python bench/dashboard.py

The warehouse is built once under bench/data/dashboard-1m (about 1 minute and 160 MB) and
reused by later runs.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_HOME = REPOSITORY / "bench" / "data" / "dashboard-1m"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
QUERY_TARGET_MS = 100
PAGE_TARGET_S = 3.0
# Charts each page draws; the health page has tables only, so it waits for its last table.
PAGE_CHARTS = {"historical": 9, "day": 3, "health": 0}


def build_warehouse(home: Path, plays: int) -> None:
    """Write ``plays`` synthetic extended-history records and import them into ``home``."""
    from mercury_spotify.config import load_settings
    from mercury_spotify.pipeline.importer import import_paths
    from mercury_spotify.sources.export.synthetic import write_extended_files

    export = home / "export"
    print(f"writing {plays:,} synthetic plays to {export}", flush=True)
    paths = write_extended_files(export, plays)
    settings = load_settings(home=home, warehouse="duckdb://" + str((home / "mercury.duckdb").resolve()))
    settings = settings.with_overrides(listener="bench", default_timezone="America/Sao_Paulo")
    started = time.perf_counter()
    report = import_paths(settings, paths)
    print(f"imported in {time.perf_counter() - started:.1f} s: {report.new_plays:,} plays", flush=True)


def card_values(reader) -> dict[str, object]:
    """Return the values a person starts with: all dates, the latest day, everyone."""
    from mercury_spotify.dashboards.catalog import DATA_BOUNDS_SQL
    from mercury_spotify.dashboards.reader import as_date

    base = {"listener": "", "include_incognito": 0}
    bounds = reader.run_sql(DATA_BOUNDS_SQL, base).iloc[0]
    first, last = as_date(bounds["first_day"]), as_date(bounds["last_day"])
    return {**base, "start_date": first, "end_date": last, "day": last}


def time_queries(warehouse: Path, repeat: int) -> list[tuple[str, float, int]]:
    """Time each card: the median milliseconds of ``repeat`` runs, after one warm-up run.

    The runs go round the cards ``repeat`` times, so that a burst of work from other programs
    slows a few runs of many cards instead of every run of one card.
    """
    from mercury_spotify.dashboards.catalog import all_cards
    from mercury_spotify.dashboards.reader import Reader, WarehouseTarget

    reader = Reader(WarehouseTarget("duckdb", duckdb_path=warehouse), cache_seconds=0)
    values = card_values(reader)
    cards = all_cards()
    rows = {card.id: len(reader.run_card(card, values)) for card in cards}
    timings: dict[str, list[float]] = {card.id: [] for card in cards}
    for _ in range(repeat):
        for card in cards:
            started = time.perf_counter()
            reader.run_card(card, values)
            timings[card.id].append((time.perf_counter() - started) * 1000)
    results = []
    for card in cards:
        median = statistics.median(timings[card.id])
        results.append((card.id, median, rows[card.id]))
        print(f"  {card.id:24} {median:7.1f} ms", flush=True)
    return results


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def dashboard_server(home: Path, warehouse: Path):
    """Run ``mercury dashboard`` on a free loopback port and yield its URL."""
    port = free_port()
    env = {**os.environ, "MERCURY_HOME": str(home), "MERCURY_WAREHOUSE": "duckdb://" + str(warehouse),
           "MERCURY_LANG": "en"}
    server = subprocess.Popen([sys.executable, "-m", "mercury_spotify", "dashboard", "--port", str(port)],
                              env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(url + "/_stcore/health") as response:
                    if response.status == 200:
                        break
            time.sleep(0.1)
        yield url
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait()


def time_pages(home: Path, warehouse: Path, repeat: int) -> dict[str, tuple[float, float]]:
    """Time each page from navigation until its charts are drawn: (first load, median of the rest).

    Every load opens a new browser context, so each load is a new Streamlit session. The first
    load after the server starts (the historical page's) also pays for importing the page modules.
    """
    from playwright.sync_api import sync_playwright

    timings: dict[str, list[float]] = {page_id: [] for page_id in PAGE_CHARTS}
    with dashboard_server(home, warehouse) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        # Pages take turns, so that a burst of work from other programs does not hit one page only.
        for _ in range(repeat + 1):
            for page_id, charts in PAGE_CHARTS.items():
                timings[page_id].append(load_page(browser, url, page_id, charts))
        browser.close()
    results = {}
    for page_id, page_timings in timings.items():
        results[page_id] = (page_timings[0], statistics.median(page_timings[1:]))
        print(f"  {page_id:10} first {page_timings[0]:.2f} s, median {results[page_id][1]:.2f} s", flush=True)
    return results


def load_page(browser, url: str, page_id: str, charts: int) -> float:
    """Open one page in a new browser context; return the seconds until its charts are drawn."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    started = time.perf_counter()
    page.goto(f"{url}/?page={page_id}")
    if charts:
        page.wait_for_function(
            "count => document.querySelectorAll("
            "'[data-testid=stVegaLiteChart] svg.marks g.role-mark').length >= count",
            arg=charts)
    else:
        page.get_by_text("Enrichment backlog", exact=True).wait_for()
        page.locator("[data-testid=stTable]").last.wait_for()
    elapsed = time.perf_counter() - started
    context.close()
    return elapsed


def count_rows(warehouse: Path, table: str) -> int:
    """Count the rows of a dw table; a reused warehouse may have another size than --plays."""
    from mercury_spotify.dashboards.reader import Reader, WarehouseTarget

    reader = Reader(WarehouseTarget("duckdb", duckdb_path=warehouse), cache_seconds=0)
    return int(reader.run_sql(f"select count(*) as row_count from dw.{table}", {}).iloc[0]["row_count"])


def machine() -> str:
    """Describe the machine: CPU count, memory and Python version."""
    cpus = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.splitlines()
    total = memory[1].split()[1] if len(memory) > 1 else "?"
    return f"{cpus} CPUs (nproc), {total} memory (free -h), Python {platform.python_version()}, {platform.system()}"


def markdown(plays: int, aggregate_rows: int, size_mb: float, queries, pages, repeat: int,
             page_repeat: int, load: tuple[float, float]) -> str:
    """Build the BENCHMARKS.md section."""
    lines = [
        "## Dashboards",
        "",
        "Command: `uv run --extra dashboard --extra test python bench/dashboard.py`",
        "",
        f"- Data: {plays:,} plays in `dw.fact_play`, synthetic, over 10 years (`write_extended_files`), one listener, "
        f"imported into DuckDB ({size_mb:.0f} MB file).",
        f"- Machine: {machine()}.",
        f"- Load average (1 min) at the start and the end of the run: {load[0]:.1f} and {load[1]:.1f} "
        f"on {os.cpu_count()} CPUs; the benchmark's own browser and server count in it.",
        f"- Date: {dt.date.today().isoformat()}.",
        "",
        f"### Card queries (DuckDB; median of {repeat} runs taken in turns over all cards, new read-only "
        f"connection each run, no cache; target ≤ {QUERY_TARGET_MS} ms)",
        "",
        "| card | median ms | rows |",
        "|---|---:|---:|",
    ]
    lines += [f"| `{card_id}` | {median:.1f} | {rows} |" for card_id, median, rows in queries]
    slowest = max(median for _, median, _ in queries)
    lines += [
        "",
        f"Slowest card: {slowest:.1f} ms.",
        "",
        "The date-range cards that need no hour of the day read `dw.agg_daily_plays` (plays summed per "
        f"listener, day and track; {aggregate_rows:,} rows here). Reading `dw.fact_play` directly, an earlier "
        "version of this script (20 runs of each card in a row, load average 3.4) measured `historical_summary` "
        "173.5 ms, `top_albums` 156.7 ms, `top_artists` 121.7 ms, `top_tracks` 121.0 ms and "
        "`new_artists_per_month` 102.7 ms. The synthetic catalogue has only 37 "
        "tracks, so the aggregate shrinks it more than a real history with thousands of tracks would.",
        "",
        f"### Pages in headless Chromium (until every chart is drawn; target ≤ {PAGE_TARGET_S:.0f} s)",
        "",
        f"Each load is a new browser context, and the pages take turns. \"First\" is each page's first "
        f"load; the historical page goes first after the server starts, so its first load also opens the "
        f"first Streamlit session and reader. The server imports the page modules before it listens "
        f"(`mercury_spotify.dashboards.launch`); without that, the historical page's first load took "
        f"4.31 s in one run on this machine. \"Median\" is over the next {page_repeat} loads of each page.",
        "",
        "| page | first s | median s |",
        "|---|---:|---:|",
    ]
    lines += [f"| {page_id} | {first:.2f} | {median:.2f} |" for page_id, (first, median) in pages.items()]
    lines += ["", "PostgreSQL figures are not measured yet.", ""]
    return "\n".join(lines)


def write_section(section: str, path: Path) -> None:
    """Replace the "## Dashboards" section of ``path`` (or append it)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(r"^## Dashboards\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    if pattern.search(text):
        text = pattern.sub(lambda _match: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME, help="folder of the benchmark warehouse")
    parser.add_argument("--plays", type=int, default=1_000_000, help="synthetic plays to import")
    parser.add_argument("--repeat", type=int, default=30, help="runs per card query")
    parser.add_argument("--page-repeat", type=int, default=7, help="loads per page after the first")
    parser.add_argument("--output", type=Path, default=REPOSITORY / "BENCHMARKS.md")
    args = parser.parse_args()

    warehouse = args.home / "mercury.duckdb"
    if not warehouse.exists():
        build_warehouse(args.home, args.plays)
    load_at_start = os.getloadavg()[0]
    print(f"load average: {load_at_start:.1f}", flush=True)
    print("card queries:", flush=True)
    queries = time_queries(warehouse, args.repeat)
    print("pages:", flush=True)
    pages = time_pages(args.home, warehouse, args.page_repeat)
    load = (load_at_start, os.getloadavg()[0])
    section = markdown(count_rows(warehouse, "fact_play"), count_rows(warehouse, "agg_daily_plays"),
                       warehouse.stat().st_size / 1e6, queries, pages, args.repeat, args.page_repeat, load)
    write_section(section, args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
