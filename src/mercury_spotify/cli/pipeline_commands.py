"""Commands of the main job: ``import``, ``build`` and ``demo``."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import click

from mercury_spotify.cli import settings_from
from mercury_spotify.i18n import _


@click.command("import", help=_("Import Spotify export ZIPs, folders or JSON files, then build "
                               "the warehouse."))
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar=_("PATH..."))
@click.option("--listener", metavar="NAME", help=_("Whose plays these are (default: the "
                                                   "installation's default listener)."))
@click.option("--no-build", is_flag=True, help=_("Only land the files; skip the dbt build."))
@click.option("--json", "as_json", is_flag=True, help=_("Print the summary as JSON."))
@click.pass_context
def import_command(ctx: click.Context, paths: tuple[Path, ...], listener: str | None,
                   no_build: bool, as_json: bool) -> None:
    from mercury_spotify.pipeline.importer import import_paths
    from mercury_spotify.pipeline.summary import render

    settings = settings_from(ctx, listener=listener)
    show_progress = sys.stderr.isatty() and not as_json
    bar = click.progressbar(length=1, label=_("Importing"), file=sys.stderr) if show_progress else None

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

    try:
        report = import_paths(settings, list(paths), build=not no_build, progress=progress)
    finally:
        if bar is not None:
            bar.render_finish()
    click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False) if as_json else render(report))
    if report.build_failures:
        ctx.exit(1)


@click.command("build", help=_("Run the dbt models and tests on the configured warehouse."))
@click.pass_context
def build_command(ctx: click.Context) -> None:
    from mercury_spotify.transform.build import build_warehouse

    result = build_warehouse(settings_from(ctx))
    click.echo(_("{models} models built, {tests} tests run, {failures} failing").format(
        models=result.models, tests=result.tests, failures=len(result.failures)))
    for failure in result.failures:
        click.echo("  " + failure, err=True)
    if not result.ok:
        ctx.exit(1)


@click.command("demo", help=_("Generate a synthetic export in a separate demo home and import it."))
@click.option("--years", default=3, show_default=True, help=_("Years of listening to generate."))
@click.option("--plays-per-day", default=40, show_default=True, help=_("Average plays per day."))
@click.pass_context
def demo_command(ctx: click.Context, years: int, plays_per_day: int) -> None:
    from mercury_spotify.demo import run_demo
    from mercury_spotify.pipeline.summary import render

    report, home = run_demo(ctx.obj["home"], years=years, plays_per_day=plays_per_day)
    click.echo(render(report))
    click.echo(_("Demo warehouse: {path}").format(path=home / "mercury.duckdb"))
    # From a clone, mercury runs through uv, which puts its own virtual environment on the PATH
    # only for that one command, so the PATH cannot tell. uv sets UV for the commands it runs.
    command = "uv run mercury dashboard" if os.environ.get("UV") or not shutil.which("mercury") else "mercury dashboard"
    click.echo(_("Look at it with: MERCURY_HOME={home} {command}").format(home=home, command=command))
    if report.build_failures:
        ctx.exit(1)


def register(group: click.Group) -> None:
    """Add this module's commands to the ``mercury`` group."""
    for command in (import_command, build_command, demo_command):
        group.add_command(command)
