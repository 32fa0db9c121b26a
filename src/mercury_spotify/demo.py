"""``mercury demo``: a synthetic export, imported into a separate demo home."""

from __future__ import annotations

from pathlib import Path

from mercury_spotify.config import default_home, load_settings
from mercury_spotify.pipeline.importer import ImportReport, import_paths
from mercury_spotify.sources.export.synthetic import write_demo_export


def demo_home(home: Path | None) -> Path:
    """The demo's own data folder: ``demo`` inside the configured home, never the home itself."""
    return (home or default_home()) / "demo"


def run_demo(home: Path | None, years: int = 3, plays_per_day: int = 40) -> tuple[ImportReport, Path]:
    """Write the demo export into the demo home and import it there (once; later runs re-use it)."""
    target = demo_home(home)
    export_folder = target / "export"
    paths = write_demo_export(export_folder, years=years, plays_per_day=plays_per_day)
    settings = load_settings(home=target, warehouse="duckdb://" + str((target / "mercury.duckdb").resolve()))
    settings = settings.with_overrides(listener="demo", default_timezone="America/Sao_Paulo")
    return import_paths(settings, paths), target
