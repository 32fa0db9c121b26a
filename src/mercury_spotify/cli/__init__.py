"""The ``mercury`` command: a click group whose sub-commands live in the modules beside this one.

Each command is a thin wrapper: it parses arguments, calls the library, and prints the result.
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from mercury_spotify import __version__
from mercury_spotify.config import load_settings
from mercury_spotify.errors import MercuryError
from mercury_spotify.i18n import _, install_global_domain, resolve_language
from mercury_spotify.logs import configure_logging

log = logging.getLogger(__name__)

install_global_domain(resolve_language())


class MercuryGroup(click.Group):
    """A click group that turns Mercury's errors into a message and an exit status."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MercuryError as exc:
            click.echo(_("error: {message}").format(message=exc), err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=MercuryGroup, help=_("Mercury keeps your Spotify listening history in a "
                                      "warehouse you own, and shows it in dashboards."))
@click.version_option(__version__, prog_name="mercury")
@click.option("--home", type=click.Path(path_type=Path), envvar="MERCURY_HOME",
              help=_("Data folder: warehouse file, tokens, backups, logs."))
@click.option("--warehouse", metavar="URL", envvar="MERCURY_WAREHOUSE",
              help=_("duckdb:///PATH or postgresql://user:password@host:port/database."))
@click.option("-v", "--verbose", is_flag=True, help=_("Log progress and decisions to stderr."))
@click.pass_context
def main(ctx: click.Context, home: Path | None, warehouse: str | None, verbose: bool) -> None:
    configure_logging(verbose)
    ctx.obj = {"home": home, "warehouse": warehouse}


def settings_from(ctx: click.Context, **overrides):
    """The resolved settings, with the command's own flags (when given) on top."""
    settings = load_settings(home=ctx.obj["home"], warehouse=ctx.obj["warehouse"])
    return settings.with_overrides(**overrides)


def _register_commands() -> None:
    from mercury_spotify.cli import (
        dashboard_commands,
        operations_commands,
        pipeline_commands,
        spotify_commands,
        stack_commands,
    )

    for module in (pipeline_commands, operations_commands, spotify_commands, dashboard_commands, stack_commands):
        module.register(main)
    _translate_usage_placeholders(main)


def _translate_usage_placeholders(command: click.Command) -> None:
    """Translate the ``[OPTIONS]`` and ``COMMAND [ARGS]...`` of usage lines.

    click's message catalogue covers its other words, but these are plain attributes of each
    command, set in English.
    """
    command.options_metavar = _("[OPTIONS]")
    if isinstance(command, click.Group):
        command.subcommand_metavar = _("COMMAND [ARGS]...")
        for child in command.commands.values():
            _translate_usage_placeholders(child)


_register_commands()
