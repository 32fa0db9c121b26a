"""Bad input gets a clear error or a reasoned rejection, and loses nothing."""

import json
import zipfile

import pytest

from mercury_spotify.errors import ExportError, ExportFormatError, NoHistoryFoundError
from mercury_spotify.pipeline.importer import import_paths
from tests.conftest import FIXTURES, query, scalar
from tests.helpers import extended, write


def rejected(settings):
    return query(settings, "select record_index, reason from raw.rejected_record order by record_index")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"ts": None}, "ts_missing"),
        ({"ts": "yesterday"}, "ts_not_timestamp"),
        ({"ts": 1700000000}, "ts_not_timestamp"),
        ({"ts": "0001-01-01T00:00:00Z"}, "ts_out_of_range"),
        ({"ts": "9999-12-31T23:59:59Z"}, "ts_out_of_range"),
        ({"ms_played": -5}, "ms_played_negative"),
        ({"ms_played": 12.5}, "ms_played_not_integer"),
        ({"ms_played": "300"}, "ms_played_not_integer"),
        ({"ms_played": 10**30}, "ms_played_not_integer"),
        ({"shuffle": "true"}, "shuffle_not_boolean"),
        ({"incognito_mode": 1}, "incognito_mode_not_boolean"),
        ({"spotify_track_uri": "spotify:track:short"}, "spotify_track_uri_malformed"),
        ({"spotify_track_uri": "https://open.spotify.com/track/x"}, "spotify_track_uri_malformed"),
        ({"offline_timestamp": "soon"}, "offline_timestamp_not_integer"),
    ],
)
def test_bad_record_is_rejected_with_reason(settings, tmp_path, changes, reason):
    good = extended("2024-01-01T10:00:00Z", uri="spotify:track:aaaaaaaaaaaaaaaaaaaaaa")
    bad = extended("2024-01-01T11:00:00Z", uri="spotify:track:bbbbbbbbbbbbbbbbbbbbbb")
    bad.update(changes)
    if changes.get("ts", "") is None:
        del bad["ts"]
    path = write(tmp_path / "Streaming_History_Audio_2024.json", [good, bad])
    report = import_paths(settings, [path], build=False)
    assert report.records == 2
    assert dict(report.rejected_by_reason) == {reason: 1}
    assert rejected(settings) == [(2, reason)]
    assert scalar(settings, "select count(*) from raw.export_play") == 1


def test_record_index_per_file_in_batch(settings, tmp_path):
    # One parallel read_json call reads all files of a folder. Each file's records are still
    # numbered from 1 in file order, landed and rejected alike.
    counts = {"2022": 700, "2023": 1_300, "2024": 900}
    bad_at = {"2022": 5, "2023": 1_300, "2024": 1}
    for year, count in counts.items():
        plays = [extended(f"{year}-03-01T00:00:00Z", ms_played=1_000 + index) for index in range(count)]
        plays[bad_at[year] - 1]["ms_played"] = -1
        write(tmp_path / f"Streaming_History_Audio_{year}.json", plays)
    import_paths(settings, [tmp_path], build=False)

    landed = query(settings, """
        select f.file_name, count(*), min(p.record_index), max(p.record_index),
               count(*) filter (where p.ms_played <> 999 + p.record_index)
        from raw.export_play p join raw.export_file f using (file_sha256)
        group by 1 order by 1""")
    assert landed == [(f"Streaming_History_Audio_{year}.json", count - 1, 1 if bad_at[year] != 1 else 2,
                       count if bad_at[year] != count else count - 1, 0)
                      for year, count in counts.items()]
    assert query(settings, "select f.file_name, r.record_index from raw.rejected_record r "
                           "join raw.export_file f using (file_sha256) order by 1") == [
        (f"Streaming_History_Audio_{year}.json", index) for year, index in bad_at.items()]


def test_rejected_record_text_is_kept_without_personal_fields(settings, tmp_path):
    bad = extended("2024-01-01T11:00:00Z", ms_played=-1)
    path = write(tmp_path / "Streaming_History_Audio_2024.json", [bad])
    import_paths(settings, [path], build=False)
    (text,) = query(settings, "select record_text from raw.rejected_record")[0]
    kept = json.loads(text)
    assert kept["ms_played"] == -1
    assert "ip_addr" not in kept


def test_all_null_metadata_is_unknown(settings, tmp_path):
    record = extended("2024-01-01T10:00:00Z", track=None, artist=None, uri=None,
                      master_metadata_album_album_name=None)
    path = write(tmp_path / "Streaming_History_Audio_2024.json", [record])
    report = import_paths(settings, [path])
    assert report.rejected == 0
    assert query(settings, "select content_type from dw.fact_play") == [("unknown",)]


def test_non_object_elements_are_rejected(settings, tmp_path):
    records = [extended("2024-01-01T10:00:00Z"), 3, "text", None]
    path = write(tmp_path / "Streaming_History_Audio_2024.json", records)
    report = import_paths(settings, [path], build=False)
    assert report.records == 4
    assert dict(report.rejected_by_reason) == {"record_not_object": 3}
    assert [row[0] for row in rejected(settings)] == [2, 3, 4]


def test_invalid_json_lands_nothing(settings, tmp_path):
    good = write(tmp_path / "a" / "Streaming_History_Audio_2023.json", [extended("2023-01-01T10:00:00Z")])
    broken = write(tmp_path / "b" / "Streaming_History_Audio_2024.json",
                   '[{"ts": "2024-01-01T10:00:00Z", "ms_played": 5},\n {"ts": oops}]')
    with pytest.raises(ExportFormatError) as caught:
        import_paths(settings, [good, broken], build=False)
    message = str(caught.value)
    assert "Streaming_History_Audio_2024.json" in message
    assert "line 2, column 9, in record 2" in message
    assert scalar(settings, "select count(*) from raw.export_play") == 0
    assert scalar(settings, "select count(*) from raw.export_file") == 0
    assert query(settings, "select kind, status from raw.load_run") == [("import", "failed")]


def test_json_object_given_explicitly_is_an_error(settings, tmp_path):
    path = write(tmp_path / "Streaming_History_Audio_2024.json", '{"ts": "2024-01-01T10:00:00Z"}')
    with pytest.raises(ExportFormatError, match="expected a JSON array"):
        import_paths(settings, [path], build=False)


def test_other_export_files_in_folder_are_skipped(settings, tmp_path):
    folder = tmp_path / "Spotify Account Data"
    write(folder / "StreamingHistory_music_0.json", json.loads((FIXTURES / "StreamingHistory_music_0.json").read_text()))
    write(folder / "YourLibrary.json", '{"tracks": []}')
    (folder / "ReadMeFirst.pdf").write_bytes(b"%PDF-1.4\n")
    (folder / "Playlist1.json").write_text('{"playlists": []}')
    (folder / "StreamingHistory_music_1.json").write_bytes(b"")
    report = import_paths(settings, [folder], build=False)
    assert report.files_read == 1
    assert sorted(item.reason for item in report.files_skipped) == [
        "a JSON object, not a list of plays", "a JSON object, not a list of plays",
        "empty file (0 bytes)", "not a JSON file"]


def test_folder_without_history_fails(settings, tmp_path):
    folder = tmp_path / "nothing"
    write(folder / "YourLibrary.json", '{"tracks": []}')
    with pytest.raises(NoHistoryFoundError, match="no Spotify listening history"):
        import_paths(settings, [folder], build=False)


def test_not_a_zip(settings, tmp_path):
    path = tmp_path / "my_spotify_data.zip"
    path.write_text("this is not a zip")
    with pytest.raises(ExportError, match="not a valid ZIP"):
        import_paths(settings, [path], build=False)


def test_truncated_zip(settings, tmp_path):
    path = tmp_path / "my_spotify_data.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(FIXTURES / "extended_modern.json", "Spotify Extended Streaming History/Streaming_History_Audio_2024.json")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ExportError, match="not a valid ZIP"):
        import_paths(settings, [path], build=False)


def test_missing_path(settings, tmp_path):
    with pytest.raises(ExportError, match="no such file"):
        import_paths(settings, [tmp_path / "nope.zip"], build=False)


def test_same_file_twice_in_one_call(settings):
    report = import_paths(settings, [FIXTURES / "extended_modern.json", FIXTURES / "extended_modern.json"], build=False)
    assert report.files_read == 1
    assert [item.reason for item in report.files_skipped] == ["already imported"]
