"""Detecting what an export file holds from its records' keys."""

import json
import zipfile

import pytest

from mercury_spotify.errors import ExportFormatError, UnsafeArchiveError
from mercury_spotify.sources.export.discover import ExportSource, discover
from mercury_spotify.sources.export.layouts import detect_format, sniff
from tests.conftest import FIXTURES


def source_for(path):
    return ExportSource(display_name=str(path), path=path, size=path.stat().st_size)


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("extended_modern.json", "extended_audio"),
        ("endsong_old.json", "extended_audio"),
        ("StreamingHistory_music_0.json", "account_music"),
        ("StreamingHistory_podcast_0.json", "account_podcast"),
        ("StreamingHistory_audiobook_0.json", "account_audiobook"),
    ],
)
def test_sniff_fixture_layouts(file_name, expected):
    assert sniff(source_for(FIXTURES / file_name)).format == expected


def test_layout_comes_from_keys_not_name(tmp_path):
    renamed = tmp_path / "StreamingHistory_music_9.json"
    renamed.write_text((FIXTURES / "extended_modern.json").read_text(encoding="utf-8"), encoding="utf-8")
    assert sniff(source_for(renamed)).format == "extended_audio"


def test_video_name_marks_extended_video():
    assert detect_format({"ts", "ms_played"}, "Streaming_History_Video_2023.json") == "extended_video"


def test_other_export_json_is_skipped_with_note():
    sniffed = sniff(source_for(FIXTURES / "YourLibrary.json"))
    assert sniffed.format is None
    assert "JSON object" in sniffed.note


def test_array_of_other_records_is_not_history(tmp_path):
    path = tmp_path / "SearchQueries.json"
    path.write_text(json.dumps([{"platform": "x", "searchTime": "y", "searchQuery": "z"}]))
    sniffed = sniff(source_for(path))
    assert sniffed.format is None
    assert "not listening history" in sniffed.note


def test_zero_byte_file_is_skipped(tmp_path):
    path = tmp_path / "Streaming_History_Audio_2020.json"
    path.write_bytes(b"")
    assert sniff(source_for(path)).note == "empty file (0 bytes)"


def test_non_json_start_is_an_error(tmp_path):
    path = tmp_path / "endsong_0.json"
    path.write_text("ts,ms_played\n1,2\n")
    with pytest.raises(ExportFormatError, match="endsong_0.json"):
        sniff(source_for(path))


def test_bom_is_accepted():
    assert (FIXTURES / "StreamingHistory_audiobook_0.json").read_bytes().startswith(b"\xef\xbb\xbf")
    assert sniff(source_for(FIXTURES / "StreamingHistory_audiobook_0.json")).format == "account_audiobook"


def test_folder_is_walked_at_any_depth(tmp_path):
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    (deep / "endsong_0.json").write_text((FIXTURES / "endsong_old.json").read_text(encoding="utf-8"))
    found = list(discover([tmp_path]))
    assert [item.file_name for item in found] == ["endsong_0.json"]


def test_zip_members_are_listed_without_extracting(tmp_path):
    archive = tmp_path / "my_spotify_data.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.write(FIXTURES / "endsong_old.json", "Spotify Extended Streaming History/endsong_0.json")
    found = list(discover([archive]))
    assert [item.member for item in found] == ["Spotify Extended Streaming History/endsong_0.json"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["my_spotify_data.zip"]


@pytest.mark.parametrize("member", ["../evil.json", "/etc/evil.json", "a/../../evil.json"])
def test_zip_member_path_escape_is_rejected(tmp_path, member):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr(member, "[]")
    with pytest.raises(UnsafeArchiveError, match="absolute or '..' path"):
        list(discover([archive]))


def test_zip_bomb_ratio_is_rejected(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as handle:
        handle.writestr("Streaming_History_Audio_2020.json", b" " * (50 * 1024**2))
    with pytest.raises(UnsafeArchiveError, match="compressed"):
        list(discover([archive]))


def test_zip_absolute_size_cap(tmp_path, monkeypatch):
    from mercury_spotify.sources.export import discover as discover_module

    monkeypatch.setattr(discover_module, "MAX_MEMBER_BYTES", 100)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("Streaming_History_Audio_2020.json", b"[" + b" " * 200 + b"]")
    with pytest.raises(UnsafeArchiveError, match="limit for one export file"):
        list(discover([archive]))
