"""Fixtures of the stack tests, kept here so they do not depend on the suite-wide ones."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """An empty MERCURY_HOME for one test."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("MERCURY_HOME", str(path))
    return path
