"""The design's rules, checked on small hand-written fixtures imported by the real pipeline."""

import datetime as dt

import pytest

from mercury_spotify.pipeline.importer import import_paths
from tests.conftest import BACKENDS, FIXTURES, backend_settings, query, scalar

UTC = dt.timezone.utc


@pytest.fixture(scope="module", params=BACKENDS)
def built(request, tmp_path_factory):
    """One warehouse per backend with every fixture imported and built (the build takes seconds)."""
    home = tmp_path_factory.mktemp("rules-home")
    with backend_settings(request.param, home, "America/Sao_Paulo") as settings:
        report = import_paths(settings, [
            FIXTURES / "extended_modern.json",
            FIXTURES / "endsong_old.json",
            FIXTURES / "StreamingHistory_music_0.json",
            FIXTURES / "StreamingHistory_podcast_0.json",
            FIXTURES / "StreamingHistory_audiobook_0.json",
        ])
        yield settings, report


def play(settings, where: str):
    rows = query(settings, f"""
        select content_type, started_at, ended_at, ms_played, is_stream, is_skipped, incognito,
               in_extended, in_account, source, date_key, time_key, platform_family, platform
        from dw.fact_play where {where}""")
    assert len(rows) == 1, rows
    keys = ("content_type", "started_at", "ended_at", "ms_played", "is_stream", "is_skipped", "incognito",
            "in_extended", "in_account", "source", "date_key", "time_key", "platform_family", "platform")
    return dict(zip(keys, rows[0], strict=True))


def test_report_counts(built):
    _settings, report = built
    assert report.files_read == 5
    assert report.records == 5 + 3 + 3 + 1 + 1
    assert report.rejected == 0
    # One exact duplicate in endsong_old.json.
    assert report.duplicates == 1
    # Águas de Março and the podcast episode are in both extended and account data.
    assert report.merged == 2
    assert report.new_plays == 13 - 1 - 2
    assert report.zero_ms == 1
    assert report.incognito == 1


def test_fact_play_total(built):
    settings, _report = built
    assert scalar(settings, "select count(*) from dw.fact_play") == 10


def test_offline_timestamp_in_seconds_is_start(built):
    settings, _ = built
    episode = play(settings, "content_type = 'episode'")
    assert episode["started_at"] == dt.datetime(2024, 3, 11, 7, 10, tzinfo=UTC)
    assert episode["ended_at"] == dt.datetime(2024, 3, 11, 8, 30, tzinfo=UTC)


def test_offline_timestamp_in_milliseconds_is_start(built):
    settings, _ = built
    track = play(settings, "ended_at = timestamptz '2021-09-21 19:38:59+00'")
    assert track["started_at"] == dt.datetime(2021, 9, 21, 19, 38, 44, 315000, tzinfo=UTC)


def test_zero_offline_timestamp_falls_back_to_ms_played(built):
    settings, _ = built
    unknown = play(settings, "content_type = 'unknown'")
    assert unknown["started_at"] == dt.datetime(2020, 7, 8, 4, 51, 44, 414000, tzinfo=UTC)


def test_local_date_and_minute_use_time_zone(built):
    settings, _ = built
    # 2024-03-11 07:10 UTC is 04:10 in São Paulo (UTC-3).
    episode = play(settings, "content_type = 'episode'")
    assert episode["date_key"] == 20240311
    assert episode["time_key"] == 4 * 60 + 10


def test_merged_play_keeps_extended_attributes(built):
    settings, _ = built
    merged = play(settings, "ended_at = timestamptz '2024-03-10 12:00:00+00' and ms_played = 200000")
    assert merged["in_extended"] is True
    assert merged["in_account"] is True
    assert merged["source"] == "extended"
    assert merged["platform"] == "android"


def test_same_ts_different_tracks_are_two_plays(built):
    settings, _ = built
    assert scalar(settings, "select count(*) from dw.fact_play where ended_at = timestamptz '2024-03-10 12:00:00+00'") == 2


def test_identical_account_rows_in_one_file_are_two_plays(built):
    settings, _ = built
    rows = query(settings, """
        select count(*) from dw.fact_play f join dw.dim_track t using (track_key)
        where t.track_name = 'Go Outside'""")
    assert rows == [(2,)]


def test_stream_and_skip_flags(built):
    settings, _ = built
    skipped = play(settings, "ended_at = timestamptz '2024-03-10 12:00:00+00' and ms_played = 12000")
    assert skipped["is_stream"] is False
    assert skipped["is_skipped"] is True
    zero = play(settings, "ms_played = 0")
    assert zero["is_stream"] is False
    assert zero["incognito"] is True


def test_content_types(built):
    settings, _ = built
    rows = dict(query(settings, "select content_type, count(*) from dw.fact_play group by 1"))
    assert rows == {"track": 6, "episode": 1, "audiobook": 2, "unknown": 1}


def test_platform_family_and_raw_string(built):
    settings, _ = built
    old = play(settings, "ended_at = timestamptz '2021-09-21 19:38:59+00'")
    assert old["platform_family"] == "ios"
    assert old["platform"] == "iOS 14.7.1 (iPhone10,3)"


def test_old_username_is_alias_not_listener(built):
    settings, _ = built
    assert query(settings, "select listener_id from dw.dim_listener") == [("me",)]
    assert query(settings, "select alias, listener_id from raw.listener_alias") == [("old-username", "me")]


def test_conn_country_zz_is_unknown(built):
    settings, _ = built
    assert scalar(settings, "select count(*) from dw.fact_play where conn_country = 'ZZ'") == 0


def test_star_schema_tables_exist_in_dw(built):
    settings, _ = built
    tables = {name for (name,) in query(settings, "select table_name from information_schema.tables "
                                                  "where table_schema = 'dw' and table_type = 'BASE TABLE'")}
    assert tables == {"dim_date", "dim_time", "dim_listener", "dim_artist", "dim_album", "dim_track",
                      "bridge_track_artist", "dim_episode", "fact_play", "agg_daily_plays"}


def test_staging_views_exist(built):
    settings, _ = built
    views = {name for (name,) in query(settings, "select table_name from information_schema.tables "
                                                 "where table_schema = 'staging' and table_type = 'VIEW'")}
    assert "stg_export_play" in views


def test_dim_time_day_periods(built):
    settings, _ = built
    rows = dict(query(settings, "select day_period, count(*) from dw.dim_time group by 1"))
    assert rows == {"night": 360, "morning": 360, "afternoon": 360, "evening": 360}
    assert query(settings, "select hour, minute from dw.dim_time where time_key = 359") == [(5, 59)]


def test_dim_date_iso_weekday(built):
    settings, _ = built
    # 2024-03-10 was a Sunday.
    assert query(settings, "select iso_day_of_week, is_weekend from dw.dim_date where date_key = 20240310") == [(7, True)]
