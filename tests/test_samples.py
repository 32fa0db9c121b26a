"""Import every real export sample and compare with figures computed here, independently of SQL.

The expected values come from reading the JSON files with Python and applying the play-identity
rules directly, so a mistake in the dbt models shows up as a difference.
"""

import datetime as dt
import json
import unicodedata

import pytest

from mercury_spotify.pipeline.importer import import_paths
from tests.conftest import BACKENDS, backend_settings, query, samples_or_skip, scalar


def load(path):
    return json.loads(path.read_text(encoding="utf-8-sig"))


def norm(text):
    return unicodedata.normalize("NFC", text or "").strip().lower()


def expected_figures(files):
    extended_plays = {}
    account_rows = []
    records = 0
    for path in files:
        rows = load(path)
        records += len(rows)
        for row in rows:
            if "ts" in row:
                content = (row.get("spotify_track_uri") or row.get("spotify_episode_uri")
                           or row.get("audiobook_chapter_uri")
                           or f"name:{row.get('master_metadata_album_artist_name') or ''}|{row.get('master_metadata_track_name') or ''}")
                extended_plays.setdefault((row["ts"], content, row["ms_played"]), row)
            else:
                account_rows.append(row)

    def extended_kind(row):
        if row.get("spotify_track_uri") or row.get("master_metadata_track_name"):
            return "track"
        if row.get("audiobook_chapter_uri") or row.get("audiobook_title"):
            return "audiobook"
        if row.get("spotify_episode_uri") or row.get("episode_name"):
            return "episode"
        return "unknown"

    # Pair account rows with extended plays: same names, end within 90 s, equal ms_played.
    def end_of(row):
        return dt.datetime.fromisoformat(row["ts"].replace("Z", "+00:00"))

    by_names = {}
    for row in extended_plays.values():
        names = (norm(row.get("master_metadata_album_artist_name")), norm(row.get("master_metadata_track_name")))
        show = (norm(row.get("episode_show_name") or row.get("audiobook_title")),
                norm(row.get("episode_name") or row.get("audiobook_chapter_title")))
        by_names.setdefault(names, []).append(row)
        by_names.setdefault(show, []).append(row)
    matched = 0
    used = set()
    for row in account_rows:
        names = (norm(row.get("artistName") or row.get("podcastName") or row.get("audiobookName")),
                 norm(row.get("trackName") or row.get("episodeName") or row.get("chapterName")))
        end = dt.datetime.strptime(row["endTime"], "%Y-%m-%d %H:%M").replace(tzinfo=dt.timezone.utc)
        for candidate in by_names.get(names, []):
            if (id(candidate) not in used and candidate["ms_played"] == row["msPlayed"]
                    and abs((end_of(candidate) - end).total_seconds()) <= 90):
                used.add(id(candidate))
                matched += 1
                break

    video_names = {"jayeshironside__Spotify-Streaming-history-analysis__Data__endvideo.json"}
    kinds = {"track": 0, "episode": 0, "audiobook": 0, "video": 0, "unknown": 0}
    video_rows = [row for path in files if path.name in video_names for row in load(path)]
    video_keys = {(row["ts"], row.get("spotify_track_uri") or row.get("spotify_episode_uri"), row["ms_played"])
                  for row in video_rows}
    for key, row in extended_plays.items():
        if (key[0], key[1], key[2]) in video_keys:
            kinds["video"] += 1
        else:
            kinds[extended_kind(row)] += 1
    for row in account_rows:
        kinds["track" if "trackName" in row else "audiobook" if "chapterName" in row else "episode"] += 1
    kinds = {kind: count for kind, count in kinds.items() if count}
    return {
        "records": records,
        "plays": len(extended_plays) + len(account_rows) - matched,
        "matched": matched,
        "extended_duplicates": sum(1 for path in files for row in load(path) if "ts" in row) - len(extended_plays),
        "kinds_before_matching": kinds,
    }


@pytest.fixture(scope="module", params=BACKENDS)
def imported(request, tmp_path_factory):
    files = samples_or_skip()
    home = tmp_path_factory.mktemp("samples-home")
    with backend_settings(request.param, home) as settings:
        report = import_paths(settings, files)
        yield settings, report, files


def test_samples_summary_matches_independent_figures(imported):
    settings, report, files = imported
    expected = expected_figures(files)
    assert report.records == expected["records"] == 6778
    assert report.rejected == 0
    assert report.new_plays == expected["plays"]
    assert report.duplicates == expected["extended_duplicates"]
    assert report.merged == expected["matched"]
    assert report.build_failures == []


def test_samples_content_types(imported):
    settings, _report, files = imported
    expected = expected_figures(files)
    # The samples come from different people, so no account row pairs with an extended play.
    assert expected["matched"] == 0
    rows = dict(query(settings, "select content_type, count(*) from dw.fact_play group by 1"))
    assert rows == expected["kinds_before_matching"]


def test_samples_fact_play_count(imported):
    settings, _report, files = imported
    assert scalar(settings, "select count(*) from dw.fact_play") == expected_figures(files)["plays"]


def test_samples_zero_ms_and_short_plays(imported):
    settings, report, files = imported
    rows = [row for path in files for row in load(path)]
    zero = sum(1 for row in rows if (row.get("ms_played", row.get("msPlayed"))) == 0)
    short = sum(1 for row in rows if 0 < row.get("ms_played", row.get("msPlayed")) < 30_000)
    assert report.zero_ms == zero
    assert report.under_threshold == short


def test_samples_streams_count(imported):
    settings, _report, files = imported
    streams = scalar(settings, "select count(*) from dw.fact_play where is_stream")
    assert streams == scalar(settings, "select count(*) from dw.fact_play where ms_played >= 30000")
    assert streams > 0


def test_samples_non_ascii_names_survive(imported):
    settings, _report, _files = imported
    names = [name for (name,) in query(settings, "select episode_name from dw.dim_episode")]
    assert any("’" in name for name in names if name)


def test_samples_old_username_is_alias(imported):
    settings, _report, _files = imported
    assert query(settings, "select alias from raw.listener_alias") == [("listener1",)]
    assert scalar(settings, "select count(*) from dw.dim_listener") == 1


def test_samples_second_import_changes_nothing(imported, tmp_path):
    settings, _report, files = imported
    before = query(settings, "select play_key, started_at, ms_played from dw.fact_play order by 1")
    again = import_paths(settings, files)
    assert again.files_read == 0
    assert len(again.files_skipped) == len(files)
    assert query(settings, "select play_key, started_at, ms_played from dw.fact_play order by 1") == before


def test_samples_offline_timestamp_units(imported):
    settings, _report, _files = imported
    # erickmay's endsong file gives offline_timestamp in milliseconds; none may land before 2001.
    assert scalar(settings, "select min(started_at) > timestamptz '2001-09-09 00:00:00+00' from dw.fact_play")
    assert scalar(settings, "select count(*) from dw.fact_play where started_at > ended_at") == 0
