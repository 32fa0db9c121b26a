"""Capture the README screenshots of each dashboard page, in English and Portuguese, from demo data.

    uv run mercury demo
    uv run --extra dashboard --extra test python docs/screenshots/capture.py

The demo warehouse is read from ``$MERCURY_HOME/demo`` (``mercury demo`` writes it there).
Chromium is Debian's ``/usr/bin/chromium``, kept off every host but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from mercury_spotify.config import default_home

HERE = Path(__file__).resolve().parent
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
PAGES = {"historical": 9, "day": 3, "health": 0}
WIDTH = 1280


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def server(demo_home: Path):
    port = free_port()
    env = {**os.environ, "MERCURY_HOME": str(demo_home),
           "MERCURY_WAREHOUSE": "duckdb://" + str(demo_home / "mercury.duckdb")}
    process = subprocess.Popen([sys.executable, "-m", "mercury_spotify", "dashboard", "--port", str(port)],
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
        process.send_signal(signal.SIGTERM)
        process.wait()


def capture(url: str, output: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        for lang in ("en", "pt-BR"):
            for page_id, charts in PAGES.items():
                context = browser.new_context(viewport={"width": WIDTH, "height": 900})
                page = context.new_page()
                page.set_default_timeout(120_000)
                page.goto(f"{url}/?page={page_id}&lang={lang}")
                if charts:
                    page.wait_for_function(
                        "count => document.querySelectorAll("
                        "'[data-testid=stVegaLiteChart] svg.marks g.role-mark').length >= count", arg=charts)
                else:
                    page.locator("[data-testid=stTable]").last.wait_for()
                # Grow the window to the page's height twice, because the charts reflow after a
                # resize; the pause lets Vega finish redrawing them.
                for _ in range(2):
                    height = page.evaluate("document.querySelector('[data-testid=stMainBlockContainer]').scrollHeight")
                    page.set_viewport_size({"width": WIDTH, "height": int(height) + 80})
                    page.wait_for_timeout(1500)
                path = output / f"{page_id}-{lang}.png"
                page.screenshot(path=str(path))
                print(path)
                context.close()
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-home", type=Path, default=Path(os.environ.get("MERCURY_HOME") or default_home()) / "demo",
                        help="folder that contains the demo warehouse (mercury.duckdb)")
    parser.add_argument("--output", type=Path, default=HERE, help="folder for the PNG files")
    args = parser.parse_args()
    if not (args.demo_home / "mercury.duckdb").exists():
        sys.exit(f"{args.demo_home / 'mercury.duckdb'}: not found; run 'mercury demo' first")
    with server(args.demo_home) as url:
        capture(url, args.output)


if __name__ == "__main__":
    main()
