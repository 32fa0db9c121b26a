"""Start Streamlit on the dashboard script, bound to one address, with usage statistics off."""

from __future__ import annotations

import ipaddress
import logging
import os
import sys
from pathlib import Path
from typing import NoReturn

from mercury_spotify.config import Settings

log = logging.getLogger(__name__)

APP_SCRIPT = Path(__file__).with_name("app.py")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8501


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def streamlit_command(host: str, port: int) -> list[str]:
    """Build the command line that serves the dashboards.

    Usage statistics, the file watcher and the browser launch are off, so the server sends no
    request of its own to any other host and never reloads code while it runs. The
    ``launch`` module imports the pages before it starts Streamlit.
    """
    return [
        sys.executable, "-m", "mercury_spotify.dashboards.launch", "run", str(APP_SCRIPT),
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
        "--browser.gatherUsageStats", "false",
        "--browser.serverAddress", host,
        "--global.developmentMode", "false",
        "--client.toolbarMode", "minimal",
        "--theme.base", "light",
    ]


def dashboard_environment(settings: Settings, lang: str | None = None) -> dict[str, str]:
    """Build the environment that the dashboard script reads its settings from."""
    environment = dict(os.environ)
    environment["MERCURY_HOME"] = str(settings.home)
    environment["MERCURY_WAREHOUSE"] = settings.warehouse_url
    environment["MERCURY_LANG"] = lang or settings.lang
    environment["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    return environment


def serve(settings: Settings, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          lang: str | None = None) -> NoReturn:
    """Replace this process with the Streamlit server.

    Replacing it (rather than starting a child) lets Ctrl+C and a service manager's SIGTERM
    reach the server directly, so no orphaned server is left behind.
    """
    command = streamlit_command(host, port)
    log.info("starting the dashboard server on %s:%d", host, port)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, command, dashboard_environment(settings, lang))
