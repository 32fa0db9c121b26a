"""Commands that run the warehouse: ``db init``, ``backup``, ``restore`` and ``status``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mercury_spotify.cli import settings_from
from mercury_spotify.i18n import _


@click.group("db", help=_("Administer a PostgreSQL warehouse."))
def db_group() -> None:
    pass


@db_group.command("init", help=_("Create the PostgreSQL warehouse database, its schemas, roles and "
                                 "grants. Safe to run again: it only adds what is missing."))
@click.option("--admin-url", required=True, envvar="MERCURY_ADMIN_URL", metavar="URL",
              help=_("A superuser's URL, such as postgresql://postgres@127.0.0.1:5432/postgres."))
@click.option("--database", metavar="NAME",
              help=_("Warehouse database name (default: the one in MERCURY_WAREHOUSE, else mercury)."))
@click.option("--dba-password", envvar="MERCURY_DBA_PASSWORD", metavar="TEXT",
              help=_("Password for mercury_dba when it is created (default: generated)."))
@click.option("--etl-password", envvar="MERCURY_ETL_PASSWORD", metavar="TEXT",
              help=_("Password for mercury_etl when it is created (default: generated)."))
@click.option("--reader-password", envvar="MERCURY_READER_PASSWORD", metavar="TEXT",
              help=_("Password for mercury_reader when it is created (default: generated)."))
@click.option("--metabase", "with_metabase", is_flag=True,
              help=_("Also create the metabase role and Metabase's own database."))
@click.option("--metabase-database", default="metabase", show_default=True, metavar="NAME",
              help=_("Name of Metabase's application database."))
@click.option("--metabase-password", envvar="MERCURY_METABASE_PASSWORD", metavar="TEXT",
              help=_("Password for the metabase role when it is created (default: generated)."))
@click.option("--reset-passwords", is_flag=True,
              help=_("Set new passwords for roles that already exist (given ones, else generated)."))
@click.pass_context
def db_init_command(ctx: click.Context, admin_url: str, database: str | None, dba_password: str | None,
                    etl_password: str | None, reader_password: str | None, with_metabase: bool,
                    metabase_database: str, metabase_password: str | None, reset_passwords: bool) -> None:
    from mercury_spotify.operations.db_init import init_database
    from mercury_spotify.warehouse.urls import postgres_parts

    if database is None:
        warehouse = ctx.obj.get("warehouse")
        is_postgres = warehouse and warehouse.startswith(("postgresql://", "postgres://"))
        database = postgres_parts(warehouse)["dbname"] if is_postgres else "mercury"
    report = init_database(
        admin_url,
        database=database,
        passwords={"mercury_dba": dba_password, "mercury_etl": etl_password,
                   "mercury_reader": reader_password, "metabase": metabase_password},
        reset_passwords=reset_passwords,
        with_metabase=with_metabase,
        metabase_database=metabase_database,
    )
    if report.created:
        for item in report.created:
            click.echo(_("created: {item}").format(item=item))
    else:
        click.echo(_("database {name}: nothing to change").format(name=database))
    for role in report.kept_passwords:
        click.echo(_("role {role} exists: password unchanged (use --reset-passwords to set a new one)")
                   .format(role=role))
    if report.passwords:
        click.echo(_("Passwords set now (shown only this once; keep them in a password manager or "
                     "an .env file outside version control):"))
        for role, password in report.passwords.items():
            click.echo(f"  {role}: {password}")
    for role, url in report.urls.items():
        click.echo(_("URL for {role}: {url}").format(role=role, url=url))


@click.command("backup", help=_("Write a compressed, checksummed backup of the warehouse."))
@click.option("--output", "output_dir", type=click.Path(file_okay=False, path_type=Path),
              help=_("Folder for the backup files (default: backups in MERCURY_HOME)."))
@click.option("--keep", type=click.IntRange(min=1), metavar="N",
              help=_("After a successful backup, delete all but the N newest backups in the folder."))
@click.option("--metabase-url", envvar="MERCURY_METABASE_DB_URL", metavar="URL",
              help=_("Also back up Metabase's application database (a postgresql:// URL)."))
@click.option("--json", "as_json", is_flag=True, help=_("Print the manifest as JSON."))
@click.pass_context
def backup_command(ctx: click.Context, output_dir: Path | None, keep: int | None, metabase_url: str | None,
                   as_json: bool) -> None:
    from mercury_spotify.operations.backup import create_backup

    result = create_backup(settings_from(ctx), output_dir=output_dir, keep=keep, metabase_url=metabase_url)
    if as_json:
        click.echo(json.dumps({"file": str(result.path), "manifest": result.manifest,
                               "removed": [str(path) for path in result.removed]}, indent=2))
        return
    click.echo(_("Backup written: {path} ({size} bytes)").format(path=result.path, size=result.path.stat().st_size))
    for path in result.removed:
        click.echo(_("Removed old backup: {path}").format(path=path))


@click.command("restore", help=_("Replace the warehouse with a backup file, after checking it completely."))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--admin-url", metavar="URL",
              help=_("PostgreSQL: a URL with the user and password that restore, such as mercury_dba's "
                     "(default: the warehouse URL's). The restore always goes into the warehouse's "
                     "own database."))
@click.option("--metabase-url", envvar="MERCURY_METABASE_DB_URL", metavar="URL",
              help=_("Also restore Metabase's application database from the backup into this database."))
@click.option("--yes", is_flag=True, help=_("Do not ask for confirmation."))
@click.pass_context
def restore_command(ctx: click.Context, file: Path, admin_url: str | None, metabase_url: str | None,
                    yes: bool) -> None:
    from mercury_spotify.operations.restore import read_manifest, restore_backup

    settings = settings_from(ctx)
    manifest = read_manifest(file)
    if not yes:
        click.confirm(_("Replace the warehouse with the backup of {time}? Its current contents will be lost")
                      .format(time=manifest["created_at"]), abort=True)
    result = restore_backup(settings, file, admin_url=admin_url, metabase_url=metabase_url)
    rows = sum(count for name, count in result.tables.items() if name.startswith("dw."))
    click.echo(_("Restored the backup of {time}: {tables} tables, {rows} rows in dw").format(
        time=manifest["created_at"], tables=len(result.tables), rows=rows))
    if result.metabase_restored:
        click.echo(_("Restored Metabase's application database."))


@click.command("status", help=_("Show the last runs, data freshness, totals, rejected records, failing "
                                 "dbt tests, token expiry, possible gaps between Web API polls and the "
                                 "metadata backlog."))
@click.option("--json", "as_json", is_flag=True, help=_("Print the status as JSON."))
@click.pass_context
def status_command(ctx: click.Context, as_json: bool) -> None:
    from mercury_spotify.errors import WarehouseError
    from mercury_spotify.operations.status import (
        collect_status,
        collect_status_without_warehouse,
        render_status,
        to_json,
    )

    settings = settings_from(ctx)
    try:
        status = collect_status(settings)
    except WarehouseError:
        # Before the first import only the Web API part (tokens) has something to say.
        if settings.backend != "duckdb" or settings.duckdb_path.exists():
            raise
        status = collect_status_without_warehouse(settings)
        if len(status) == 1:
            raise
    click.echo(to_json(status) if as_json else render_status(status))


def register(group: click.Group) -> None:
    """Add this module's commands to the ``mercury`` group."""
    for command in (db_group, backup_command, restore_command, status_command):
        group.add_command(command)
