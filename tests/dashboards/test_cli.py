"""The ``mercury dashboard`` command line and the server settings it passes to Streamlit."""

from __future__ import annotations

import subprocess
import sys

from mercury_spotify.dashboards.server import is_loopback, streamlit_command


def test_help_lists_options():
    result = subprocess.run([sys.executable, "-m", "mercury_spotify", "dashboard", "--help"],
                            capture_output=True, text=True, check=True)
    assert "--port" in result.stdout
    assert "--host" in result.stdout
    assert "8501" in result.stdout


def test_invalid_port_is_usage_error():
    result = subprocess.run([sys.executable, "-m", "mercury_spotify", "dashboard", "--port", "0"],
                            capture_output=True, text=True)
    assert result.returncode == 2


def test_streamlit_command_stays_local():
    command = streamlit_command("127.0.0.1", 8501)
    settings = dict(zip(command[5::2], command[6::2], strict=True))
    assert settings["--server.address"] == "127.0.0.1"
    assert settings["--server.port"] == "8501"
    assert settings["--browser.gatherUsageStats"] == "false"
    assert settings["--server.headless"] == "true"
    assert settings["--server.fileWatcherType"] == "none"


def test_loopback_addresses():
    assert is_loopback("127.0.0.1")
    assert is_loopback("localhost")
    assert is_loopback("::1")
    assert not is_loopback("0.0.0.0")
    assert not is_loopback("192.168.1.10")
    assert not is_loopback("example.org")
