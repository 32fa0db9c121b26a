"""Play identity: the same play seen twice is one play, across files and exports."""

import pytest

from mercury_spotify.pipeline.importer import import_paths
from mercury_spotify.sources.export.synthetic import write_extended_files
from mercury_spotify.warehouse import export_landing
from tests.conftest import query, scalar
from tests.helpers import account_music, extended, write


def uri(number: int) -> str:
    return f"spotify:track:{number:022d}"


def snapshot(settings):
    """Every table of the warehouse except the run log, as sorted rows."""
    tables = [f"{schema}.{name}" for schema, name in query(settings, """
        select table_schema, table_name from information_schema.tables
        where table_schema in ('raw', 'dw') and table_type = 'BASE TABLE' and table_name not in ('load_run')
        order by 1, 2""")]
    return {table: sorted(query(settings, f"select * from {table}"), key=repr) for table in tables}


def test_overlapping_extended_exports_count_once(settings, tmp_path):
    first = [extended(f"2024-01-01T{hour:02d}:00:00Z", uri=uri(hour)) for hour in range(0, 10)]
    second = [extended(f"2024-01-01T{hour:02d}:00:00Z", uri=uri(hour)) for hour in range(5, 15)]
    a = write(tmp_path / "2024-06" / "Streaming_History_Audio_2024.json", first)
    b = write(tmp_path / "2024-12" / "Streaming_History_Audio_2024.json", second)
    report_a = import_paths(settings, [a])
    report_b = import_paths(settings, [b])
    assert report_a.new_plays == 10
    assert report_b.new_plays == 5
    assert report_b.duplicates == 5
    assert scalar(settings, "select count(*) from dw.fact_play") == 15


def test_overlapping_account_exports_use_largest_count(settings, tmp_path):
    # Two short plays of one track ending in the same minute are two plays, in either export.
    repeated = account_music("2024-02-01 10:00", 2000, track="Short")
    older = [repeated, repeated, account_music("2024-02-01 09:00", 100_000, track="A")]
    newer = [repeated, repeated, repeated, account_music("2024-02-01 11:00", 100_000, track="B")]
    a = write(tmp_path / "old" / "StreamingHistory_music_0.json", older)
    b = write(tmp_path / "new" / "StreamingHistory_music_0.json", newer)
    import_paths(settings, [a])
    report = import_paths(settings, [b])
    assert report.new_plays == 2
    assert report.duplicates == 2
    assert scalar(settings, "select count(*) from dw.fact_play") == 5


def test_account_merges_with_extended_one_to_one_nearest(settings, tmp_path):
    # Two extended plays of the same track, 40 s apart, same ms_played; one account row.
    extended_rows = [
        extended("2024-03-01T10:00:20Z", ms_played=5000, uri=uri(1), track="T", artist="Ä"),
        extended("2024-03-01T10:01:00Z", ms_played=5000, uri=uri(1), track="T", artist="Ä"),
    ]
    account_rows = [account_music("2024-03-01 10:01", 5000, track=" t ", artist="ä")]
    a = write(tmp_path / "Streaming_History_Audio_2024.json", extended_rows)
    b = write(tmp_path / "StreamingHistory_music_0.json", account_rows)
    report = import_paths(settings, [a, b])
    assert report.new_plays == 2
    assert report.merged == 1
    rows = query(settings, "select ended_at, in_account from dw.fact_play order by ended_at")
    assert [flag for _ended, flag in rows] == [False, True]


def test_account_with_different_ms_played_is_another_play(settings, tmp_path):
    a = write(tmp_path / "Streaming_History_Audio_2024.json",
              [extended("2024-03-01T10:00:20Z", ms_played=5000, uri=uri(1), track="T", artist="A")])
    b = write(tmp_path / "StreamingHistory_music_0.json", [account_music("2024-03-01 10:00", 6000, track="T", artist="A")])
    report = import_paths(settings, [a, b])
    assert report.new_plays == 2
    assert report.merged == 0


def test_account_imported_before_extended_is_merged(settings, tmp_path):
    b = write(tmp_path / "StreamingHistory_music_0.json", [account_music("2024-03-01 10:00", 5000, track="T", artist="A")])
    a = write(tmp_path / "Streaming_History_Audio_2024.json",
              [extended("2024-03-01T10:00:20Z", ms_played=5000, uri=uri(1), track="T", artist="A")])
    import_paths(settings, [b])
    report = import_paths(settings, [a])
    assert report.new_plays == 0
    assert report.merged == 1
    assert query(settings, "select source, in_extended, in_account from dw.fact_play") == [("extended", True, True)]


def test_reimport_changes_nothing(settings, tmp_path):
    rows = [extended(f"2024-01-02T{hour:02d}:00:00Z", uri=uri(hour)) for hour in range(5)]
    path = write(tmp_path / "Streaming_History_Audio_2024.json", rows)
    import_paths(settings, [path])
    before = snapshot(settings)
    report = import_paths(settings, [path])
    assert report.files_read == 0
    assert snapshot(settings) == before


def test_renamed_copy_is_the_same_file(settings, tmp_path):
    rows = [extended("2024-01-02T10:00:00Z", uri=uri(1))]
    a = write(tmp_path / "Streaming_History_Audio_2024.json", rows)
    b = write(tmp_path / "copy" / "endsong_9.json", rows)
    import_paths(settings, [a])
    report = import_paths(settings, [b])
    assert [item.reason for item in report.files_skipped] == ["already imported"]


def test_failure_mid_import_leaves_warehouse_unchanged(settings, tmp_path, monkeypatch):
    first = write(tmp_path / "one" / "Streaming_History_Audio_2023.json", [extended("2023-01-01T10:00:00Z", uri=uri(1))])
    import_paths(settings, [first])
    before = snapshot(settings)

    # Two ZIP-less folders land as two batches; the second batch fails after the first landed.
    second = write(tmp_path / "two" / "Streaming_History_Audio_2024.json", [extended("2024-01-01T10:00:00Z", uri=uri(2))])
    third = write(tmp_path / "three" / "StreamingHistory_music_0.json", [account_music("2024-01-05 10:00", 1000)])
    original = export_landing._move_landing_to_raw
    calls = []

    def failing_move(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full (injected)")
        return original(*args, **kwargs)

    monkeypatch.setattr(export_landing, "_move_landing_to_raw", failing_move)
    with pytest.raises(OSError, match="injected"):
        import_paths(settings, [second, third])
    assert len(calls) == 2
    assert snapshot(settings) == before
    assert query(settings, "select status from raw.load_run where kind = 'import' order by started_at") == [
        ("succeeded",), ("failed",)]

    monkeypatch.setattr(export_landing, "_move_landing_to_raw", original)
    report = import_paths(settings, [second, third])
    assert report.new_plays == 2


def test_progress_rises_to_total_bytes(duckdb_settings, tmp_path):
    write_extended_files(tmp_path / "export", 40_000, per_file=10_000, years=2)
    total = sum(path.stat().st_size for path in (tmp_path / "export").glob("*.json"))
    reports = []
    import_paths(duckdb_settings, [tmp_path / "export"], build=False,
                 progress=lambda done, size: reports.append((done, size)))

    assert reports
    assert {size for _done, size in reports} == {total}
    done_values = [done for done, _size in reports]
    assert done_values == sorted(done_values)
    assert done_values[-1] == total
