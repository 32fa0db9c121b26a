"""The ``mercury`` command as a user runs it: help, exit status, summaries, languages."""

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from mercury_spotify.cli import main
from tests.conftest import FIXTURES


def run(*args, env=None):
    """Run ``mercury`` in a fresh interpreter, as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "mercury_spotify", *args], capture_output=True,
                          text=True, env=full_env, check=False)


@pytest.mark.parametrize("command", [[], ["import"], ["build"], ["demo"]])
def test_every_command_has_help(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_help_does_not_import_dbt():
    code = "import sys; from mercury_spotify.cli import main; print('dbt' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert output.stdout.strip() == "False"


def test_import_json_summary(home):
    result = run("import", "--no-build", "--json", str(FIXTURES / "extended_modern.json"))
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["files_read"] == 1
    assert summary["records"] == 5
    assert summary["new_plays"] is None
    assert summary["not_counted_as_streams"] == {"zero_ms": 1, "under_threshold": 1, "incognito": 1}


def test_import_table_summary_and_build(home):
    result = run("import", str(FIXTURES / "extended_modern.json"))
    assert result.returncode == 0, result.stderr
    assert "New plays" in result.stdout
    lines = {line.rsplit(None, 1)[0].strip(): line.rsplit(None, 1)[1] for line in result.stdout.splitlines()
             if line and line[0] != " " and not line.startswith("skipped")}
    assert lines["New plays"] == "5"


def test_folder_without_history_exits_1(home, tmp_path):
    folder = tmp_path / "empty-export"
    folder.mkdir()
    (folder / "Userdata.json").write_text("{}")
    result = run("import", str(folder))
    assert result.returncode == 1
    assert "no Spotify listening history" in result.stderr


def test_usage_error_exits_2(home):
    result = run("import")
    assert result.returncode == 2


def test_invalid_json_exits_1_with_file_name(home, tmp_path):
    path = tmp_path / "Streaming_History_Audio_2024.json"
    path.write_text('[{"ts": "2024-01-01T10:00:00Z", "ms_played": 5},\n {"ts": oops}]')
    result = run("import", str(path))
    assert result.returncode == 1
    assert "Streaming_History_Audio_2024.json" in result.stderr
    assert "line 2" in result.stderr


def test_portuguese_messages(home):
    result = run("import", "--no-build", str(FIXTURES / "extended_modern.json"), env={"MERCURY_LANG": "pt-BR"})
    assert result.returncode == 0, result.stderr
    assert "Arquivos lidos" in result.stdout
    assert "não construído" in result.stdout


def test_portuguese_from_locale(home):
    env = {"LANG": "pt_BR.UTF-8", "MERCURY_LANG": ""}
    result = run("--help", env=env)
    assert "Mostra" in result.stdout or "Mercury guarda" in result.stdout


def test_portuguese_number_format(home, tmp_path):
    from tests.helpers import extended, write

    rows = [extended(f"2024-01-01T{hour:02d}:{minute:02d}:00Z", uri=f"spotify:track:{hour * 60 + minute:022d}")
            for hour in range(24) for minute in range(0, 60, 1)][:1200]
    path = write(tmp_path / "Streaming_History_Audio_2024.json", rows)
    result = run("import", "--no-build", str(path), env={"MERCURY_LANG": "pt-BR"})
    assert "1.200" in result.stdout


def test_verbose_logs_do_not_show_personal_fields(home):
    result = run("-v", "import", "--no-build", str(FIXTURES / "endsong_old.json"))
    assert result.returncode == 0
    assert "192.0.2.55" not in result.stderr
    assert "old-username" not in result.stderr
