"""``mercury db init`` from the command line, on the password-checking test cluster."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mercury_spotify.cli import main
from mercury_spotify.warehouse import postgres
from mercury_spotify.warehouse.urls import with_credentials, with_database

pytestmark = pytest.mark.postgres


def _run(*arguments: str, env: dict | None = None):
    return CliRunner().invoke(main, ["db", "init", *arguments], env=env or {})


def test_init_prints_passwords_once(scram_server):
    first = _run("--admin-url", scram_server, "--database", "cli_init",
                 env={"MERCURY_READER_PASSWORD": "reader-from-env", "MERCURY_WAREHOUSE": ""})
    assert first.exit_code == 0, first.output
    assert "created: database cli_init" in first.output
    assert "mercury_reader: reader-from-env" in first.output
    assert first.output.count("URL for mercury_etl: postgresql://mercury_etl:") == 1

    second = _run("--admin-url", scram_server, "--database", "cli_init")
    assert second.exit_code == 0, second.output
    assert "nothing to change" in second.output
    assert "Passwords set now" not in second.output
    assert "role mercury_reader exists: password unchanged" in second.output

    reader_url = with_credentials(with_database(scram_server, "cli_init"), "mercury_reader", "reader-from-env")
    with postgres.connect_raw(reader_url) as con:
        assert con.execute("select current_user").fetchone()[0] == "mercury_reader"


def test_init_rejects_non_superuser(scram_server):
    with postgres.connect_raw(scram_server) as admin:
        admin.execute("create role plain_admin login createdb createrole password 'plain-admin-password'")
    try:
        url = with_credentials(scram_server, "plain_admin", "plain-admin-password")
        result = _run("--admin-url", url, "--database", "cli_init_plain")
        assert result.exit_code == 2
        assert "needs a superuser" in result.output
        assert "plain-admin-password" not in result.output
    finally:
        with postgres.connect_raw(scram_server) as admin:
            admin.execute("drop role plain_admin")
