"""End to end: ``mercury dashboard`` on the fixture warehouse, driven in Debian's headless Chromium.

Screenshots go to ``artifacts/browser/``. Chromium resolves no host but 127.0.0.1, and the tests
check that the pages requested nothing else.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
# Generous, so a slow machine fails only when something is really stuck; not a speed check.
WAIT_MS = 120_000
CHART = "[data-testid=stVegaLiteChart]"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at "
                                                     "/usr/bin/chromium (apt-get install -y chromium)"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def dashboard_server(settings, extra_env: dict[str, str] | None = None):
    """Run ``mercury dashboard`` on a free loopback port; yield its base URL."""
    port = free_port()
    env = {**os.environ, "MERCURY_HOME": str(settings.home), "MERCURY_WAREHOUSE": settings.warehouse_url,
           "MERCURY_LANG": "en", **(extra_env or {})}
    server = subprocess.Popen([sys.executable, "-m", "mercury_spotify", "dashboard", "--port", str(port)],
                              env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, server)
        yield url
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_healthy(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError("the dashboard server stopped: " + server.stdout.read().decode())
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url + "/_stcore/health") as response:
                if response.status == 200:
                    return
        time.sleep(0.2)
    raise AssertionError("the dashboard server did not become healthy")


@pytest.fixture(scope="module")
def server_url(fixture_settings):
    with dashboard_server(fixture_settings) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def requested_hosts() -> set[str]:
    """The host:port of every request the page makes."""
    return set()


@pytest.fixture
def page(browser, requested_hosts):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(WAIT_MS)
    tab.on("request", lambda request: requested_hosts.add(request.url.split("/")[2]))
    yield tab
    context.close()


def wait_for_charts(page, count: int) -> None:
    """Wait until ``count`` charts have drawn their marks."""
    page.wait_for_function(
        "count => document.querySelectorAll('[data-testid=stVegaLiteChart] svg.marks g.role-mark')"
        ".length >= count && document.querySelectorAll('[data-testid=stVegaLiteChart]').length >= count",
        arg=count)


def metric_values(page) -> dict[str, str]:
    labels = page.locator("[data-testid=stMetricLabel]").all_inner_texts()
    values = page.locator("[data-testid=stMetricValue]").all_inner_texts()
    return {label.strip(): value.strip() for label, value in zip(labels, values, strict=True)}


def wait_for_metric(page, label: str, value: str) -> None:
    page.wait_for_function(
        """([label, value]) => Array.from(document.querySelectorAll('[data-testid=stMetric]')).some(
               metric => metric.querySelector('[data-testid=stMetricLabel]')?.innerText.trim() === label
                   && metric.querySelector('[data-testid=stMetricValue]')?.innerText.trim() === value)""",
        arg=[label, value])


def hover_tooltip(page, chart_index: int, expected: str) -> str:
    """Hover the largest mark of a chart until a tooltip containing ``expected`` shows; return it.

    The hover is repeated because Streamlit may redraw a chart (after a rerun) under the mouse.
    """
    tooltip = page.locator("#vg-tooltip-element.visible")
    for _attempt in range(30):
        chart = page.locator(CHART).nth(chart_index)
        chart.scroll_into_view_if_needed()
        marks = chart.locator("svg.marks g.role-mark path")
        boxes = [box for box in (marks.nth(index).bounding_box() for index in range(marks.count())) if box]
        largest = max(boxes, key=lambda box: box["width"] * box["height"])
        page.mouse.move(1, 1)
        page.mouse.move(largest["x"] + largest["width"] / 2, largest["y"] + largest["height"] / 2)
        with contextlib.suppress(PlaywrightTimeoutError):
            tooltip.filter(has_text=expected).wait_for(state="visible", timeout=2_000)
            return tooltip.inner_text()
    raise AssertionError(f"no tooltip with {expected!r} on chart {chart_index}")


def screenshot(page, name: str) -> None:
    """Save the whole page, not only the visible part."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("document.querySelector('[data-testid=stMainBlockContainer]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": int(height) + 120})
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_historical_page(page, server_url, requested_hosts):
    page.goto(server_url + "/?page=historical")
    wait_for_charts(page, 9)
    values = metric_values(page)
    assert values["Hours played"] == "0.5"
    assert values["Streams"] == "9"
    assert values["Distinct tracks"] == "4"
    text = hover_tooltip(page, 2, "Hours played")
    assert "Weekday" in text
    screenshot(page, "historical-en")
    assert requested_hosts == {server_url.removeprefix("http://")}


def test_day_page_switch_day_and_language(page, server_url, requested_hosts):
    page.goto(server_url + "/?page=day")
    wait_for_charts(page, 3)
    wait_for_metric(page, "Minutes played", "19.3")
    assert metric_values(page)["Streams"] == "5"
    text = hover_tooltip(page, 0, "Minutes played")
    assert "Hour" in text
    assert "10.0" in text  # the largest bar: 600 s of podcast at 09:00 on the chosen day
    screenshot(page, "day-en")

    page.get_by_role("button", name="Previous day").click()
    wait_for_metric(page, "Minutes played", "7.3")
    assert metric_values(page)["Streams"] == "2"
    page.get_by_text("Mon 2026-03-09").wait_for()

    page.get_by_text("Português (Brasil)").click()
    wait_for_metric(page, "Minutos ouvidos", "7,3")
    page.get_by_text("seg. 09/03/2026").wait_for()
    wait_for_charts(page, 3)
    text = hover_tooltip(page, 0, "Minutos ouvidos")
    assert "Hora" in text
    assert "4,0" in text  # the largest bar: 240 s at 23:50 on 2026-03-09
    screenshot(page, "day-pt-BR")
    assert requested_hosts == {server_url.removeprefix("http://")}


def test_health_page(page, server_url):
    page.goto(server_url + "/?page=health&lang=pt-BR")
    page.get_by_text("ms_played_negative").wait_for()
    assert list(metric_values(page)) == ["Tamanho"]
    page.get_by_text("O build mais recente passou em todos os testes de dados.", exact=False).wait_for()
    page.get_by_text("Importação").first.wait_for()
    screenshot(page, "health-pt-BR")


def test_updating_while_writer_holds_file(page, fixture_settings, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    warehouse = home / "mercury.duckdb"
    shutil.copy(fixture_settings.duckdb_path, warehouse)
    settings = fixture_settings.with_overrides(home=home, warehouse_url="duckdb://" + str(warehouse))
    writer_script = textwrap.dedent(f"""
        import sys, duckdb
        con = duckdb.connect({str(warehouse)!r})
        print("locked", flush=True)
        sys.stdin.readline()
        con.close()
    """)
    with dashboard_server(settings, {"MERCURY_DASHBOARD_BUSY_RETRY_SECONDS": "1"}) as url:
        writer = subprocess.Popen([sys.executable, "-c", writer_script], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert writer.stdout.readline().strip() == "locked"
            page.goto(url + "/?page=day")
            page.get_by_text("Updating…", exact=False).wait_for()
            screenshot(page, "day-updating")
        finally:
            writer.stdin.write("\n")
            writer.stdin.flush()
            writer.wait()
        wait_for_metric(page, "Minutes played", "19.3")
