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


def register(group: click.Group) -> None:
    """Add this module's commands to the ``mercury`` group."""
    for command in (db_group,):
        group.add_command(command)
