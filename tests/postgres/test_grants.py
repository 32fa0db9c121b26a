"""Roles and grants of ``mercury db init``, checked on a real server with password authentication."""

from __future__ import annotations

import psycopg
import pytest

from mercury_spotify.errors import WarehouseError
from mercury_spotify.operations.db_init import init_database
from mercury_spotify.pipeline.importer import import_paths
from mercury_spotify.warehouse import postgres
from mercury_spotify.warehouse.urls import with_credentials, with_database
from tests.conftest import make_settings

pytestmark = pytest.mark.postgres

DATABASE = "mercury"
DENIED = psycopg.errors.InsufficientPrivilege


@pytest.fixture(scope="module")
def initialized(scram_server, tmp_path_factory, demo_export):
    """A warehouse made by db init, with the demo export imported and built as mercury_etl."""
    report = init_database(scram_server, DATABASE, with_metabase=True)
    settings = make_settings(tmp_path_factory.mktemp("home"), report.urls["mercury_etl"])
    import_report = import_paths(settings, demo_export)
    return report, import_report


def _connect(url: str) -> psycopg.Connection:
    return postgres.connect_raw(url)


def _denied(url: str, statement: str) -> None:
    with _connect(url) as con:
        with pytest.raises(DENIED):
            con.execute(statement)


def test_import_and_build_as_etl(initialized):
    _report, import_report = initialized
    assert import_report.built
    assert import_report.build_failures == []
    assert import_report.new_plays > 0


def test_reader_selects_dw_tables(initialized):
    report, import_report = initialized
    with _connect(report.urls["mercury_reader"]) as con:
        plays = con.execute("select count(*) from dw.fact_play").fetchone()[0]
        artists = con.execute("select count(*) from dw.dim_artist").fetchone()[0]
    assert plays == import_report.new_plays
    assert artists > 0


def test_reader_selects_run_log_views(initialized):
    report, _import_report = initialized
    with _connect(report.urls["mercury_reader"]) as con:
        kinds = {kind for (kind,) in con.execute("select kind from dw.pipeline_run").fetchall()}
        con.execute("select count(*) from dw.rejected_record_summary").fetchone()
    assert {"import", "build"} <= kinds


@pytest.mark.parametrize("statement", [
    "select count(*) from raw.export_play",
    "select count(*) from raw.load_run",
    "select count(*) from staging.stg_export_play",
    "select count(*) from staging.int_plays",
    "insert into dw.dim_listener (listener_key) values ('x')",
    "update dw.fact_play set ms_played = 0",
    "delete from dw.fact_play",
    "truncate dw.fact_play",
    "drop table dw.fact_play",
    "create table dw.extra (id integer)",
    "create table public.extra (id integer)",
    "create view dw.extra as select 1 as one",
    "create temporary table extra (id integer)",
    "create schema extra",
])
def test_reader_denied(initialized, statement):
    report, _import_report = initialized
    _denied(report.urls["mercury_reader"], statement)


def test_etl_lands_in_raw(initialized):
    report, _import_report = initialized
    with _connect(report.urls["mercury_etl"]) as con:
        con.execute("begin")
        con.execute("insert into raw.listener values ('grant-test', 'grant-test', now(), 'run')")
        seen = con.execute("select count(*) from raw.listener where listener_id = 'grant-test'").fetchone()[0]
        con.execute("rollback")
    assert seen == 1


def test_etl_rebuilds_staging_and_dw(initialized):
    report, _import_report = initialized
    with _connect(report.urls["mercury_etl"]) as con:
        con.execute("begin")
        con.execute("create table dw.grant_test as select * from dw.dim_time")
        con.execute("drop table dw.grant_test")
        con.execute("create or replace view staging.grant_test as select 1 as one")
        con.execute("rollback")


@pytest.mark.parametrize("statement", [
    "drop table raw.export_play",
    "truncate raw.export_play",
    "delete from raw.export_play",
    "update raw.export_play set ms_played = 0",
    "delete from raw.load_run",
    "update raw.load_run set kind = 'import'",
    "alter table raw.export_play add column extra integer",
    "create table raw.extra (id integer)",
    "create role extra",
    "create database extra",
    "create schema extra",
    "create table public.extra (id integer)",
])
def test_etl_denied(initialized, statement):
    report, _import_report = initialized
    _denied(report.urls["mercury_etl"], statement)


def test_etl_updates_run_status(initialized):
    report, _import_report = initialized
    with _connect(report.urls["mercury_etl"]) as con:
        con.execute("begin")
        updated = con.execute("update raw.load_run set status = status, error = error").rowcount
        con.execute("rollback")
    assert updated > 0


@pytest.mark.parametrize("database", ["metabase", "postgres_extra"])
def test_etl_cannot_connect_elsewhere(initialized, scram_server, database):
    report, _import_report = initialized
    if database == "postgres_extra":
        with _connect(scram_server) as admin:
            admin.execute("create database postgres_extra")
            admin.execute("revoke all on database postgres_extra from public")
    try:
        with pytest.raises(WarehouseError, match="permission denied for database"):
            _connect(with_database(report.urls["mercury_etl"], database))
    finally:
        if database == "postgres_extra":
            with _connect(scram_server) as admin:
                admin.execute("drop database postgres_extra")


def test_metabase_role_has_no_warehouse_access(initialized, scram_server):
    report, _import_report = initialized
    with _connect(scram_server) as admin:
        admin.execute("alter role metabase password 'metabase-test-password'")
    url = with_credentials(with_database(scram_server, DATABASE), "metabase", "metabase-test-password")
    with pytest.raises(WarehouseError, match="permission denied for database"):
        _connect(url)
    with _connect(with_database(url, "metabase")) as con:
        owner = con.execute("select pg_catalog.pg_get_userbyid(datdba) from pg_database "
                            "where datname = current_database()").fetchone()[0]
    assert owner == "metabase"


def test_wrong_password_rejected(initialized):
    report, _import_report = initialized
    url = with_credentials(report.urls["mercury_etl"], "mercury_etl", "not-the-password")
    with pytest.raises(WarehouseError, match="password authentication failed"):
        _connect(url)


def test_new_dw_table_readable_by_reader(initialized):
    report, _import_report = initialized
    with _connect(report.urls["mercury_etl"]) as con:
        con.execute("create table dw.default_privileges_test as select 1 as one")
    try:
        with _connect(report.urls["mercury_reader"]) as con:
            assert con.execute("select one from dw.default_privileges_test").fetchone()[0] == 1
    finally:
        with _connect(report.urls["mercury_etl"]) as con:
            con.execute("drop table dw.default_privileges_test")


def test_second_init_changes_nothing(initialized, scram_server):
    report, _import_report = initialized
    again = init_database(scram_server, DATABASE, with_metabase=True)
    assert again.created == []
    assert again.passwords == {}
    assert sorted(again.kept_passwords) == ["mercury_dba", "mercury_etl", "mercury_reader", "metabase"]
    with _connect(report.urls["mercury_etl"]) as con:
        assert con.execute("select current_user").fetchone()[0] == "mercury_etl"


def test_reset_passwords_replaces_them(initialized, scram_server):
    report, _import_report = initialized
    again = init_database(scram_server, DATABASE, passwords={"mercury_reader": "new-reader-password"},
                          reset_passwords=True)
    try:
        assert again.passwords["mercury_reader"] == "new-reader-password"
        with pytest.raises(WarehouseError, match="password authentication failed"):
            _connect(report.urls["mercury_reader"])
        with _connect(again.urls["mercury_reader"]) as con:
            assert con.execute("select count(*) from dw.fact_play").fetchone()[0] > 0
    finally:
        # Put the first passwords back for the tests that run after this one.
        with _connect(scram_server) as admin:
            for role, password in report.passwords.items():
                admin.execute(f"alter role {role} password '{password}'")


def test_backup_as_etl_restore_as_dba(initialized, tmp_path_factory):
    from mercury_spotify.operations.backup import create_backup
    from mercury_spotify.operations.restore import restore_backup
    from tests.conftest import warehouse_snapshot

    report, _import_report = initialized
    home = tmp_path_factory.mktemp("backup-home")
    settings = make_settings(home, report.urls["mercury_etl"])
    before = warehouse_snapshot(settings)
    backup = create_backup(settings, output_dir=home / "backups")

    with _connect(report.urls["mercury_dba"]) as con:
        con.execute("drop table dw.fact_play")
        con.execute("truncate raw.rejected_record")
    # Only the user and password of the admin URL count: the restore goes into the warehouse.
    restore_backup(settings, backup.path, admin_url=with_database(report.urls["mercury_dba"], "postgres"))

    assert warehouse_snapshot(settings) == before
    with _connect(report.urls["mercury_reader"]) as con:
        assert con.execute("select count(*) from dw.fact_play").fetchone()[0] > 0
    with _connect(report.urls["mercury_dba"]) as con:
        owner = con.execute("select tableowner from pg_tables where schemaname = 'dw' "
                            "and tablename = 'fact_play'").fetchone()[0]
    assert owner == "mercury_etl"


def test_import_as_reader_explains_role(initialized, tmp_path_factory, demo_export):
    report, _import_report = initialized
    settings = make_settings(tmp_path_factory.mktemp("reader-home"), report.urls["mercury_reader"])
    with pytest.raises(WarehouseError, match="role mercury_reader may not do this: permission denied"):
        import_paths(settings, demo_export)


def test_missing_raw_table_asks_for_db_init(initialized, scram_server, tmp_path_factory, demo_export):
    report, _import_report = initialized
    with _connect(with_database(scram_server, DATABASE)) as admin:
        admin.execute("alter table raw.api_artist rename to api_artist_moved")
    try:
        settings = make_settings(tmp_path_factory.mktemp("etl-home"), report.urls["mercury_etl"])
        with pytest.raises(WarehouseError, match=r"lacks raw\.api_artist .* run 'mercury db init"):
            import_paths(settings, demo_export)
    finally:
        with _connect(with_database(scram_server, DATABASE)) as admin:
            admin.execute("alter table raw.api_artist_moved rename to api_artist")
