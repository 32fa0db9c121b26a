"""Commands of the server stack: ``stack init``, ``schedule`` and ``metabase provision``."""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
from pathlib import Path

import click

from mercury_spotify.cli import settings_from
from mercury_spotify.i18n import _


@click.group("stack", help=_("Prepare the Docker Compose stack in deploy/."))
def stack_group() -> None:
    pass


@stack_group.command("init", help=_("Write deploy/.env with new random passwords (mode 0600). "
                                    "The passwords are not printed: they stay in that file."))
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("deploy"),
              show_default=True, help=_("Folder of compose.yaml, where .env is written."))
@click.option("--force", is_flag=True, help=_("Replace an existing .env. The databases keep their old "
                                              "passwords, so only use this before the first start."))
@click.option("--timezone", metavar="ZONE", help=_("IANA time zone of the stack (default: this system's)."))
@click.option("--lang", type=click.Choice(["en", "pt-BR"]), help=_("Language of messages and dashboards."))
@click.option("--admin-email", default="admin@mercury.invalid", show_default=True,
              help=_("E-mail of the first Metabase administrator."))
@click.option("--spotify-client-id", envvar="SPOTIFY_CLIENT_ID", default="", metavar="ID",
              help=_("Client id of your Spotify app (can be added to .env later)."))
@click.option("--metabase-port", type=click.IntRange(1, 65535), default=3000, show_default=True,
              help=_("Port on 127.0.0.1 where Metabase is published."))
def stack_init_command(directory: Path, force: bool, timezone: str | None, lang: str | None,
                       admin_email: str, spotify_client_id: str, metabase_port: int) -> None:
    from mercury_spotify.config import system_timezone, validate_zone
    from mercury_spotify.i18n import resolve_language
    from mercury_spotify.operations.stack_env import StackOptions, write_env_file

    options = StackOptions(
        timezone=validate_zone(timezone or os.environ.get("MERCURY_TIMEZONE") or system_timezone(), "--timezone"),
        lang=lang or resolve_language(),
        metabase_admin_email=admin_email,
        metabase_port=metabase_port,
        spotify_client_id=spotify_client_id,
    )
    path = write_env_file(directory, options, force=force)
    click.echo(_("Wrote {path} (readable by you only). The passwords are in that file; they are "
                 "not shown here.").format(path=path))
    click.echo(_("Next: docker compose --project-directory {folder} up -d --build").format(folder=directory))


def _parse_time(_ctx, _param, value: str | None) -> dt.time | None:
    if value is None:
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(_("{value!r} is not a time; use HH:MM, such as 03:30").format(value=value)) from None


@click.command("schedule", help=_("Run sync every N minutes and a daily backup, until stopped "
                                  "(SIGTERM or Ctrl-C). One line is logged per run."))
@click.option("--interval", type=click.FloatRange(min=0.01), default=20.0, show_default=True,
              envvar="MERCURY_SYNC_INTERVAL_MINUTES", metavar="MINUTES", help=_("Minutes between syncs."))
@click.option("--jitter", type=click.FloatRange(min=0.0), default=2.0, show_default=True,
              envvar="MERCURY_SYNC_JITTER_MINUTES", metavar="MINUTES",
              help=_("Up to this many random minutes added to each interval, so installations do "
                     "not all call Spotify at the same moment."))
@click.option("--backup-at", default="03:30", show_default=True, envvar="MERCURY_BACKUP_TIME",
              metavar="HH:MM", callback=_parse_time,
              help=_("Local time (MERCURY_TIMEZONE) of the daily backup."))
@click.option("--no-backup", is_flag=True, help=_("Do not run the daily backup."))
@click.option("--keep", type=click.IntRange(min=1), default=14, show_default=True, envvar="MERCURY_BACKUP_KEEP",
              metavar="N", help=_("Backups to keep; older ones are deleted after a successful backup."))
@click.option("--metabase-url", envvar="MERCURY_METABASE_DB_URL", metavar="URL",
              help=_("Also back up Metabase's application database (a postgresql:// URL)."))
@click.option("--backup-warehouse", envvar="MERCURY_BACKUP_WAREHOUSE", metavar="URL",
              help=_("Warehouse URL for backups, such as the mercury_dba role's (default: the warehouse URL)."))
@click.option("--run-timeout", type=click.FloatRange(min=0.01), default=180.0, show_default=True,
              envvar="MERCURY_RUN_TIMEOUT_MINUTES", metavar="MINUTES",
              help=_("Minutes after which a sync or backup still running is stopped."))
@click.option("--check", is_flag=True, help=_("Exit with status 0 if a scheduler is running for this "
                                              "home, else 1 (for container health checks)."))
@click.pass_context
def schedule_command(ctx: click.Context, interval: float, jitter: float, backup_at: dt.time, no_backup: bool,
                     keep: int, metabase_url: str | None, backup_warehouse: str | None, run_timeout: float,
                     check: bool) -> None:
    from mercury_spotify.operations.schedule import (
        ScheduleConfig,
        Scheduler,
        environment_pairs,
        schedule_lock,
        scheduler_running,
    )
    from mercury_spotify.operations.scheduled_runs import ChildRunner

    settings = settings_from(ctx)
    if check:
        running = scheduler_running(settings.home)
        click.echo(_("scheduler running") if running else _("no scheduler running"))
        ctx.exit(0 if running else 1)

    logger = logging.getLogger("mercury_spotify")
    if logger.level > logging.INFO:
        logger.setLevel(logging.INFO)

    config = ScheduleConfig(
        home=settings.home,
        timezone=settings.default_timezone,
        interval=dt.timedelta(minutes=interval),
        jitter=dt.timedelta(minutes=jitter),
        backup_at=None if no_backup else backup_at,
        keep=keep,
        environment=environment_pairs({"MERCURY_HOME": str(settings.home),
                                       "MERCURY_WAREHOUSE": settings.warehouse_url}),
        backup_environment=environment_pairs({"MERCURY_WAREHOUSE": backup_warehouse,
                                              "MERCURY_METABASE_DB_URL": metabase_url}),
    )
    with schedule_lock(settings.home):
        scheduler = Scheduler(config, runner=ChildRunner(timeout_seconds=run_timeout * 60))
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signal_number, lambda _number, _frame: scheduler.stop())
        scheduler.run()


@click.group("metabase", help=_("Provision Metabase from Mercury's dashboard definition."))
def metabase_group() -> None:
    pass


@metabase_group.command("provision", help=_(
    "Create or update Metabase's warehouse connection, the Mercury collection, one question per "
    "card and the dashboards. Safe to run again. The passwords come from the environment: "
    "METABASE_ADMIN_PASSWORD and MERCURY_READER_PASSWORD."))
@click.option("--url", required=True, envvar="MERCURY_METABASE_URL", metavar="URL",
              help=_("Metabase's address, such as http://127.0.0.1:3000."))
@click.option("--admin-email", required=True, envvar="METABASE_ADMIN_EMAIL", metavar="EMAIL",
              help=_("Administrator e-mail: created on a new Metabase, used to log in otherwise."))
@click.option("--lang", type=click.Choice(["en", "pt-BR"]), help=_("Language of the questions and dashboards."))
@click.option("--warehouse-host", default="warehouse", show_default=True,
              help=_("Warehouse host name as Metabase reaches it."))
@click.option("--warehouse-port", type=click.IntRange(1, 65535), default=5432, show_default=True,
              help=_("Warehouse port as Metabase reaches it."))
@click.option("--warehouse-database", default="mercury", show_default=True, help=_("Warehouse database name."))
@click.option("--update-connection", is_flag=True,
              help=_("Rewrite the warehouse connection even if it looks unchanged (after a new reader password)."))
@click.pass_context
def provision_command(ctx: click.Context, url: str, admin_email: str, lang: str | None, warehouse_host: str,
                      warehouse_port: int, warehouse_database: str, update_connection: bool) -> None:
    from mercury_spotify.dashboards.metabase.client import MetabaseClient
    from mercury_spotify.dashboards.metabase.provision import ProvisionOptions, check_options, provision

    settings = settings_from(ctx)
    options = ProvisionOptions(
        admin_email=admin_email,
        admin_password=os.environ.get("METABASE_ADMIN_PASSWORD", ""),
        reader_password=os.environ.get("MERCURY_READER_PASSWORD", ""),
        lang=lang or settings.lang,
        warehouse_host=warehouse_host,
        warehouse_port=warehouse_port,
        warehouse_database=warehouse_database,
        update_connection=update_connection,
    )
    check_options(options)
    report = provision(MetabaseClient(url), options)
    for action, kind, name in report.actions:
        if action != "unchanged":
            click.echo(f"{action}: {kind} {name}")
    click.echo(_("Metabase provisioned: {created} created, {updated} updated, {unchanged} unchanged").format(
        created=report.count("created"), updated=report.count("updated"), unchanged=report.count("unchanged")))


def register(group: click.Group) -> None:
    """Add this module's commands to the ``mercury`` group."""
    for command in (stack_group, schedule_command, metabase_group):
        group.add_command(command)
