"""The ``dashboard`` command: serve the built-in dashboards with Streamlit."""

from __future__ import annotations

import importlib.util

import click

from mercury_spotify.cli import settings_from
from mercury_spotify.errors import UsageError
from mercury_spotify.i18n import _


@click.command("dashboard", help=_("Serve the built-in dashboards (historical, day, health) in "
                                    "the browser, on 127.0.0.1 unless --host says otherwise."))
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535),
              help=_("TCP port to listen on."))
@click.option("--host", default="127.0.0.1", show_default=True,
              help=_("Address to listen on; anything but a loopback address exposes your "
                     "listening history to the network."))
@click.option("--lang", type=click.Choice(["en", "pt-BR"]),
              help=_("Language the pages start in (default: MERCURY_LANG, then the locale)."))
@click.pass_context
def dashboard_command(ctx: click.Context, port: int, host: str, lang: str | None) -> None:
    from mercury_spotify.dashboards.server import is_loopback, serve

    if importlib.util.find_spec("streamlit") is None or importlib.util.find_spec("altair") is None:
        raise UsageError(_("the dashboards need the 'dashboard' extra; install it with "
                           "pip install 'mercury-spotify[dashboard]'"))
    settings = settings_from(ctx)
    if not is_loopback(host):
        click.echo(_("warning: listening on {host}, not on a loopback address: anyone who can "
                     "reach this machine on port {port} can read your listening history")
                   .format(host=host, port=port), err=True)
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(_("Dashboards at http://{host}:{port} (Ctrl+C stops them)").format(host=shown_host, port=port))
    serve(settings, host=host, port=port, lang=lang)


def register(group: click.Group) -> None:
    """Add this module's commands to the ``mercury`` group."""
    group.add_command(dashboard_command)
