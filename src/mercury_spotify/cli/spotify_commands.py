"""Commands of the Spotify Web API source (``auth``, ``sync``) and its part of ``mercury status``."""

from __future__ import annotations

import datetime as dt
import sys

import click

from mercury_spotify.cli import settings_from
from mercury_spotify.i18n import _, format_number, resolve_language
from mercury_spotify.sources.spotify.enrichment import DEFAULT_MAX_REQUESTS


@click.command("auth", help=_("Authorize Mercury to read a listener's recently played tracks "
                              "(Spotify authorization code flow with PKCE)."))
@click.option("--listener", metavar="NAME", help=_("Name to keep this Spotify account under "
                                                   "(default: the installation's listener, or "
                                                   "the Spotify user id when that is taken)."))
@click.option("--no-browser", is_flag=True, help=_("Print the authorization URL and read the "
                                                   "redirected URL from standard input, for "
                                                   "servers and containers."))
@click.pass_context
def auth_command(ctx: click.Context, listener: str | None, no_browser: bool) -> None:
    from mercury_spotify.sources.spotify.auth import authorize, browser_opener
    from mercury_spotify.sources.spotify.client import HttpClient
    from mercury_spotify.warehouse.runs import utc_now

    settings = settings_from(ctx)

    def read_redirect(url: str) -> str:
        click.echo(_("Open this URL in a browser, log in to Spotify and accept:"), err=True)
        click.echo(url)
        click.echo(_("The browser then goes to an address that does not load. Paste that "
                     "whole address here and press Enter:"), err=True)
        return sys.stdin.readline()

    opener = None
    if not no_browser:
        browser = browser_opener()

        def opener(url: str) -> None:
            click.echo(_("Opening the browser. If it does not open, visit:"), err=True)
            click.echo(url, err=True)
            browser(url)

    with HttpClient() as http:
        tokens = authorize(settings, http, listener, opener, read_redirect, utc_now)
    click.echo(_("Listener {listener} authorized; the authorization lasts until {date}.").format(
        listener=tokens.listener_id, date=tokens.refresh_token_expires_at.date().isoformat()))


@click.command("sync", help=_("Poll recently played tracks of every authorized listener, look "
                              "up track, album and artist metadata, then build the warehouse."))
@click.option("--listener", "listeners", metavar="NAME", multiple=True,
              help=_("Sync only this listener (repeatable)."))
@click.option("--max-requests", type=click.IntRange(min=0), default=DEFAULT_MAX_REQUESTS,
              show_default=True, help=_("Maximum metadata lookups (HTTP requests) in this run."))
@click.option("--no-build", is_flag=True, help=_("Only store what Spotify returned; skip the dbt build."))
@click.pass_context
def sync_command(ctx: click.Context, listeners: tuple[str, ...], max_requests: int,
                 no_build: bool) -> None:
    from mercury_spotify.sources.spotify.sync import sync

    report = sync(settings_from(ctx), list(listeners) or None, max_requests=max_requests,
                  build=not no_build)
    if report.skipped_until is not None:
        click.echo(_("Spotify asked Mercury to wait until {time} UTC; nothing was requested.")
                   .format(time=_utc_text(report.skipped_until)))
        return
    for item in report.listeners:
        if item.outcome == "ok":
            click.echo(_("{listener}: {count} new plays").format(listener=item.listener_id,
                                                                 count=item.new_plays))
        elif item.outcome == "skipped":
            click.echo(_("{listener}: not polled (Spotify asked Mercury to wait)").format(
                listener=item.listener_id))
        else:
            click.echo(_("{listener}: {message}").format(listener=item.listener_id,
                                                         message=item.message), err=True)
        if item.possible_gap:
            click.echo(_("{listener}: possible gap between {after} and {before}; import an export "
                         "to fill it").format(listener=item.listener_id, after=item.possible_gap["after"],
                                              before=item.possible_gap["before"]), err=True)
    if report.enrichment is not None:
        result = report.enrichment
        click.echo(_("Metadata: {tracks} tracks, {albums} albums, {artists} artists looked up "
                     "({requests} requests); waiting: {pending} tracks").format(
            tracks=result.tracks, albums=result.albums, artists=result.artists,
            requests=result.requests, pending=result.pending_tracks))
    if report.enrichment_message:
        click.echo(_("Metadata lookup stopped: {message}").format(message=report.enrichment_message),
                   err=True)
    if report.rate_limited_until is not None:
        click.echo(_("Spotify asked Mercury to wait; the run stopped and the next run after "
                     "{time} UTC resumes.").format(time=_utc_text(report.rate_limited_until)), err=True)
    if report.built:
        click.echo(_("Warehouse built: {models} models, {failures} failing tests").format(
            models=report.build_models, failures=len(report.build_failures)))
        for failure in report.build_failures:
            click.echo("  " + failure, err=True)
    if not report.ok:
        ctx.exit(1)


def _collect_spotify_status(con, settings) -> dict:
    """The Web API part of ``mercury status``, as JSON-ready data."""
    from mercury_spotify.sources.spotify.status import spotify_status
    from mercury_spotify.warehouse.runs import utc_now

    status = spotify_status(settings, utc_now(), con=con)

    def instant(value):
        return value.isoformat() if value is not None else None

    return {
        "listeners": [{
            "listener_id": item.listener_id,
            "authorized_at": instant(item.authorized_at),
            "refresh_token_expires_at": instant(item.refresh_token_expires_at),
            "expires_soon": item.expires_soon,
            "reauthorization_needed": item.reauthorization_needed,
            "last_sync_at": instant(item.last_sync_at),
            "last_sync_status": item.last_sync_status,
        } for item in status.listeners],
        "possible_gaps": [{
            "listener_id": gap.listener_id, "after": instant(gap.after), "before": instant(gap.before),
            "filled_by_export": gap.filled_by_export,
        } for gap in status.gaps],
        "metadata_backlog": status.backlog,
        "rate_limited_until": instant(status.rate_limited_until),
    }


def _render_spotify_status(data: dict) -> list[str]:
    """Text lines of the Web API part of ``mercury status``."""
    lines = []
    if not data["listeners"]:
        lines.append(_("No listener has authorized Mercury; run 'mercury auth'."))
    for item in data["listeners"]:
        last = item["last_sync_at"]
        lines.append(_("{listener}: authorized {authorized}, expires {expires}, last sync {last} ({state})")
                     .format(listener=item["listener_id"], authorized=item["authorized_at"][:10],
                             expires=item["refresh_token_expires_at"][:10],
                             last=_utc_text(dt.datetime.fromisoformat(last)) if last else _("never"),
                             state=item["last_sync_status"] or "-"))
        if item["reauthorization_needed"]:
            lines.append(_("  re-authorization needed: run 'mercury auth --listener {listener}'")
                         .format(listener=item["listener_id"]))
        elif item["expires_soon"]:
            lines.append(_("  the authorization expires within 30 days: run 'mercury auth --listener "
                           "{listener}'").format(listener=item["listener_id"]))
    for gap in data["possible_gaps"]:
        state = _("filled by an export") if gap["filled_by_export"] else _("not filled yet")
        lines.append(_("Possible gap for {listener} between {after} and {before} UTC: {state}").format(
            listener=gap["listener_id"], after=_utc_text(dt.datetime.fromisoformat(gap["after"])),
            before=_utc_text(dt.datetime.fromisoformat(gap["before"])), state=state))
    backlog = data["metadata_backlog"]
    if backlog:
        language = resolve_language()
        lines.append(_("Metadata backlog: {tracks} tracks, {albums} albums, {artists} artists").format(
            tracks=format_number(backlog["pending_tracks"], language),
            albums=format_number(backlog["pending_albums"], language),
            artists=format_number(backlog["pending_artists"], language)))
    if data["rate_limited_until"]:
        lines.append(_("Spotify asked Mercury to wait until {time} UTC.").format(
            time=_utc_text(dt.datetime.fromisoformat(data["rate_limited_until"]))))
    return lines


def _utc_text(instant: dt.datetime) -> str:
    return instant.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")


def register(group: click.Group) -> None:
    """Add this module's commands to the ``mercury`` group."""
    from mercury_spotify.operations.status import StatusSection, register_section

    for command in (auth_command, sync_command):
        group.add_command(command)
    # ``mercury status`` (in the operations commands) shows this section after its own.
    register_section(StatusSection("spotify", _collect_spotify_status, _render_spotify_status,
                                   without_warehouse=True))
