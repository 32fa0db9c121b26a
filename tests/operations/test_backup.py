"""Backup and restore on both backends: a full round trip, damaged files and retention."""

from __future__ import annotations

import json
import tarfile

import pytest

from mercury_spotify.errors import BackupError
from mercury_spotify.operations.backup import apply_retention, create_backup, list_backups
from mercury_spotify.operations.restore import restore_backup
from mercury_spotify.pipeline import figures
from mercury_spotify.pipeline.importer import import_paths
from mercury_spotify.warehouse import postgres
from tests.conftest import create_test_database, drop_test_database, make_settings, warehouse_snapshot


@pytest.fixture
def imported(settings, demo_export):
    """The test's warehouse with the demo export imported and built."""
    import_paths(settings, demo_export)
    return settings


def _drop_everything(settings) -> None:
    if settings.backend == "duckdb":
        settings.duckdb_path.unlink()
        return
    with postgres.connect_raw(settings.warehouse_url) as con:
        con.execute("drop schema raw, staging, dw cascade")


def _run_rows(settings, kind: str) -> list[tuple]:
    from tests.conftest import _query_rows

    _columns, rows = _query_rows(settings, f"select status, run_id from raw.load_run where kind = '{kind}'")
    return rows


def _damage(path, offset_from_end: int) -> None:
    """Flip one byte inside the last payload of the tar."""
    data = bytearray(path.read_bytes())
    with tarfile.open(path) as archive:
        last = archive.getmembers()[-1]
    position = last.offset_data + last.size - offset_from_end
    data[position] ^= 0xFF
    path.write_bytes(bytes(data))


def test_round_trip_after_dropping_everything(imported, tmp_path):
    before = warehouse_snapshot(imported)
    plays = figures.play_count(imported)
    result = create_backup(imported, output_dir=tmp_path / "backups")

    _drop_everything(imported)
    restored = restore_backup(imported, result.path)

    assert warehouse_snapshot(imported) == before
    assert figures.play_count(imported) == plays
    assert restored.tables["dw.fact_play"] == plays


def test_manifest_describes_backup(imported, tmp_path):
    result = create_backup(imported, output_dir=tmp_path / "backups")
    with tarfile.open(result.path) as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())
    assert manifest == result.manifest
    assert manifest["backend"] == imported.backend
    assert manifest["mercury_version"]
    assert manifest["warehouse"]["tables"]["dw.fact_play"] == figures.play_count(imported)
    assert manifest["warehouse"]["tables"]["raw.export_play"] == 6046
    assert len(manifest["warehouse"]["sha256"]) == 64
    assert result.path.name.endswith(f"-{imported.backend}.tar")
    assert not list((tmp_path / "backups").glob(".*"))


def test_backup_and_restore_logged(imported, tmp_path):
    result = create_backup(imported, output_dir=tmp_path / "backups")
    assert _run_rows(imported, "backup") == [("succeeded", result.manifest["run_id"])]

    restore_backup(imported, result.path)
    assert _run_rows(imported, "backup") == [("succeeded", result.manifest["run_id"])]
    assert [status for status, _run_id in _run_rows(imported, "restore")] == ["succeeded"]


@pytest.mark.parametrize("damage", ["payload byte", "truncated", "not a tar", "no manifest"])
def test_damaged_backup_rejected(imported, tmp_path, damage):
    result = create_backup(imported, output_dir=tmp_path / "backups")
    path = result.path
    if damage == "payload byte":
        _damage(path, offset_from_end=100)
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "not a tar":
        path.write_bytes(b"this is not a backup\n" * 100)
    else:
        with tarfile.open(path, "w") as archive:
            archive.add(__file__, arcname="warehouse.dump")
    before = warehouse_snapshot(imported)

    with pytest.raises(BackupError, match="damaged or not a Mercury backup"):
        restore_backup(imported, path)
    assert warehouse_snapshot(imported) == before


def test_other_backend_backup_rejected(imported, tmp_path):
    result = create_backup(imported, output_dir=tmp_path / "backups")
    other_backend = "postgres" if imported.backend == "duckdb" else "duckdb"
    other_url = ("postgresql://postgres@127.0.0.1:5432/unused" if other_backend == "postgres"
                 else "duckdb://" + str(tmp_path / "other.duckdb"))
    other = make_settings(tmp_path / "other-home", other_url)
    with pytest.raises(BackupError, match=f"backup of a {imported.backend} warehouse"):
        restore_backup(other, result.path)
    assert not (tmp_path / "other.duckdb").exists()


def test_newer_format_rejected(imported, tmp_path):
    result = create_backup(imported, output_dir=tmp_path / "backups")
    manifest = dict(result.manifest, format_version=99)
    rewritten = tmp_path / "newer.tar"
    manifest_file = tmp_path / "manifest.json"
    manifest_file.write_text(json.dumps(manifest))
    with tarfile.open(result.path) as source, tarfile.open(rewritten, "w") as target:
        target.add(manifest_file, arcname="manifest.json")
        for member in source.getmembers():
            if member.name != "manifest.json":
                target.addfile(member, source.extractfile(member))
    with pytest.raises(BackupError, match="backup format 99"):
        restore_backup(imported, rewritten)


def test_keep_removes_oldest(imported, tmp_path):
    folder = tmp_path / "backups"
    first = create_backup(imported, output_dir=folder).path
    second = create_backup(imported, output_dir=folder).path
    third = create_backup(imported, output_dir=folder, keep=2)

    assert third.removed == [first]
    assert list_backups(folder) == [second, third.path]
    assert apply_retention(folder, 5) == []


def test_keep_zero_rejected(settings, tmp_path):
    with pytest.raises(BackupError, match="--keep must be 1 or more"):
        create_backup(settings, output_dir=tmp_path / "backups", keep=0)


@pytest.mark.postgres
def test_metabase_database_round_trip(imported, tmp_path):
    metabase_url = create_test_database("mercury_test_metabase")
    try:
        with postgres.connect_raw(metabase_url) as con:
            con.execute("create table report_card (id integer primary key, name text)")
            con.execute("insert into report_card values (1, 'Hours per month')")
        result = create_backup(imported, output_dir=tmp_path / "backups", metabase_url=metabase_url)
        assert result.manifest["metabase"]["file"] == "metabase.dump"

        with postgres.connect_raw(metabase_url) as con:
            con.execute("drop table report_card")
        restored = restore_backup(imported, result.path, metabase_url=metabase_url)

        assert restored.metabase_restored
        with postgres.connect_raw(metabase_url) as con:
            assert con.execute("select name from report_card").fetchall() == [("Hours per month",)]
    finally:
        drop_test_database(metabase_url)


def test_metabase_url_without_metabase_dump(imported, tmp_path):
    result = create_backup(imported, output_dir=tmp_path / "backups")
    with pytest.raises(BackupError, match="has no Metabase database"):
        restore_backup(imported, result.path, metabase_url="postgresql://postgres@127.0.0.1:5432/unused")


def _cli(settings, *arguments: str, input_text: str | None = None):
    from click.testing import CliRunner

    from mercury_spotify.cli import main

    return CliRunner().invoke(main, ["--home", str(settings.home), "--warehouse", settings.warehouse_url,
                                     *arguments], input=input_text, env={"MERCURY_LANG": "en"})


def test_backup_and_restore_commands(imported, tmp_path):
    folder = tmp_path / "backups"
    backed_up = _cli(imported, "backup", "--output", str(folder), "--keep", "1")
    assert backed_up.exit_code == 0, backed_up.output
    assert "Backup written:" in backed_up.output
    [path] = list_backups(folder)

    declined = _cli(imported, "restore", str(path), input_text="n\n")
    assert declined.exit_code == 1
    assert "Aborted" in declined.output

    restored = _cli(imported, "restore", str(path), "--yes")
    assert restored.exit_code == 0, restored.output
    assert "Restored the backup of" in restored.output


def test_restore_command_reports_damage(imported, tmp_path):
    broken = tmp_path / "broken.tar"
    broken.write_bytes(b"not a backup")
    result = _cli(imported, "restore", str(broken), "--yes")
    assert result.exit_code == 1
    assert "broken.tar is damaged or not a Mercury backup" in result.output
    assert "Traceback" not in result.output


def test_leftovers_of_killed_backup_removed(settings, tmp_path):
    folder = tmp_path / "backups"
    (folder / ".mercury-backup-k1ll3d").mkdir(parents=True)
    (folder / ".mercury-backup-k1ll3d" / "warehouse.dump").write_bytes(b"partial")
    (folder / ".mercury-backup-20261204T000000.000000Z-duckdb.tar.partial").write_bytes(b"partial")
    (folder / "notes.txt").write_text("not Mercury's")

    result = create_backup(settings, output_dir=folder)

    assert sorted(path.name for path in folder.iterdir()) == sorted([result.path.name, "notes.txt"])
