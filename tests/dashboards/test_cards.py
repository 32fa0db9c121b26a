"""Every card's SQL on the fixture warehouse, against figures worked out by hand from the export.

The fixture's plays are listed in ``fixture_export.py``. Ana has 11 plays (one incognito, one of
0 ms, one podcast episode); Ben has one 90 s play of "Wave" on 2026-03-10.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from mercury_spotify.dashboards.cards import day, health, historical
from mercury_spotify.dashboards.catalog import DATA_BOUNDS_SQL, LISTENERS_SQL
from mercury_spotify.dashboards.reader import Reader, WarehouseTarget, as_date

WHOLE_RANGE = {"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 12, 31)}
ANA = {"listener": "ana", "include_incognito": 0}
ANA_WITH_INCOGNITO = {"listener": "ana", "include_incognito": 1}
EVERYONE = {"listener": "", "include_incognito": 0}
DAY = {"day": dt.date(2026, 3, 10)}


@pytest.fixture(scope="module")
def reader(fixture_settings) -> Reader:
    return Reader(WarehouseTarget.from_settings(fixture_settings), cache_seconds=0)


def rows(reader: Reader, card, **values) -> list[dict]:
    frame = reader.run_card(card, {name: values[name] for name in card.parameters})
    return frame.to_dict("records")


def minutes(seconds: float) -> float:
    return pytest.approx(seconds / 60)


def hours(seconds: float) -> float:
    return pytest.approx(seconds / 3600)


def test_summary_without_incognito(reader):
    [row] = rows(reader, historical.SUMMARY, **WHOLE_RANGE, **ANA)
    # 200+100+180+20+240+300+120+600+0+45 s; streams are the plays of 30 s or more.
    assert row["hours"] == hours(1805)
    assert row["streams"] == 8
    assert row["tracks"] == 4  # Águas de Março, Jóga, Hyperballad, Wave
    assert row["artists"] == 3
    assert row["albums"] == 3
    assert as_date(row["first_day"]) == dt.date(2026, 2, 20)
    assert as_date(row["last_day"]) == dt.date(2026, 3, 10)


def test_summary_with_incognito(reader):
    [row] = rows(reader, historical.SUMMARY, **WHOLE_RANGE, **ANA_WITH_INCOGNITO)
    assert row["hours"] == hours(1865)
    assert row["streams"] == 9


def test_summary_everyone(reader):
    [row] = rows(reader, historical.SUMMARY, **WHOLE_RANGE, **EVERYONE)
    assert row["hours"] == hours(1895)
    assert row["streams"] == 9


def test_summary_date_range(reader):
    [row] = rows(reader, historical.SUMMARY, start_date=dt.date(2026, 3, 9),
                 end_date=dt.date(2026, 3, 9), **ANA)
    assert row["hours"] == hours(440)
    assert row["streams"] == 2


def test_hours_per_month(reader):
    result = rows(reader, historical.HOURS_PER_MONTH, **WHOLE_RANGE, **ANA)
    assert [as_date(row["month"]) for row in result] == [dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    assert [row["hours"] for row in result] == [hours(300), hours(1505)]
    assert [row["streams"] for row in result] == [2, 6]


def test_top_artists(reader):
    result = rows(reader, historical.TOP_ARTISTS, **WHOLE_RANGE, **ANA)
    assert [row["artist_name"] for row in result] == ["Björk", "Elis Regina", "Tom Jobim"]
    assert [row["minutes"] for row in result] == [minutes(660), minutes(425), minutes(120)]
    assert [row["streams"] for row in result] == [3, 3, 1]


def test_top_tracks(reader):
    result = rows(reader, historical.TOP_TRACKS, **WHOLE_RANGE, **ANA)
    assert [row["track_name"] for row in result] == [
        "Hyperballad", "Águas de Março", "Jóga", "Wave", "Como Nossos Pais"]
    assert [row["artist_name"] for row in result] == [
        "Björk", "Elis Regina", "Björk", "Tom Jobim", "Elis Regina"]
    assert [row["minutes"] for row in result] == [
        minutes(540), minutes(425), minutes(120), minutes(120), minutes(0)]
    assert [row["streams"] for row in result] == [2, 3, 1, 1, 0]


def test_top_albums(reader):
    result = rows(reader, historical.TOP_ALBUMS, **WHOLE_RANGE, **ANA)
    assert [row["album_name"] for row in result] == ["Homogenic", "Elis & Tom", "Wave"]
    assert [row["minutes"] for row in result] == [minutes(660), minutes(425), minutes(120)]


def test_weekday_hour(reader):
    result = rows(reader, historical.WEEKDAY_HOUR, **WHOLE_RANGE, **ANA)
    cells = {(row["iso_day_of_week"], row["hour"]): (row["hours"], row["streams"]) for row in result}
    assert cells == {
        (5, 20): (hours(300), 2),
        (1, 7): (hours(200), 1),
        (1, 23): (hours(240), 1),
        (2, 8): (hours(420), 2),
        (2, 9): (hours(600), 1),
        (2, 10): (hours(0), 0),
        (2, 21): (hours(45), 1),
    }


def test_hours_by_platform(reader):
    result = rows(reader, historical.HOURS_BY_PLATFORM, **WHOLE_RANGE, **ANA)
    assert [row["platform_family"] for row in result] == ["ios", "android", "windows"]
    assert [row["hours"] for row in result] == [hours(1265), hours(300), hours(240)]


def test_skip_rate_per_month(reader):
    result = rows(reader, historical.SKIP_RATE_PER_MONTH, **WHOLE_RANGE, **ANA)
    assert [row["skip_rate"] for row in result] == [pytest.approx(0.0), pytest.approx(2 / 8)]
    assert [row["plays"] for row in result] == [2, 8]


def test_new_artists_per_month(reader):
    result = rows(reader, historical.NEW_ARTISTS_PER_MONTH, **WHOLE_RANGE, **ANA)
    assert [(as_date(row["month"]), row["new_artists"]) for row in result] == [
        (dt.date(2026, 2, 1), 2), (dt.date(2026, 3, 1), 1)]


def test_new_artists_count_history_before_range(reader):
    result = rows(reader, historical.NEW_ARTISTS_PER_MONTH, start_date=dt.date(2026, 3, 1),
                  end_date=dt.date(2026, 3, 31), **ANA)
    assert [row["new_artists"] for row in result] == [1]


def test_content_share(reader):
    result = rows(reader, historical.CONTENT_SHARE, **WHOLE_RANGE, **ANA)
    assert [row["content_type"] for row in result] == ["track", "episode"]
    assert [row["share"] for row in result] == [pytest.approx(1205 / 1805), pytest.approx(600 / 1805)]
    assert [row["streams"] for row in result] == [7, 1]


def test_day_summary(reader):
    result = {row["which_day"]: row for row in rows(reader, day.DAY_SUMMARY, **DAY, **ANA)}
    today, before = result["day"], result["previous_day"]
    assert as_date(today["full_date"]) == dt.date(2026, 3, 10)
    assert as_date(before["full_date"]) == dt.date(2026, 3, 9)
    assert today["minutes"] == minutes(1065)
    assert today["streams"] == 4
    assert today["tracks"] == 3
    assert today["artists"] == 3
    assert today["skip_rate"] == pytest.approx(1 / 5)
    assert before["minutes"] == minutes(440)
    assert before["streams"] == 2
    assert before["tracks"] == 2
    assert before["artists"] == 2
    assert before["skip_rate"] == pytest.approx(1 / 3)


def test_day_summary_everyone_with_incognito(reader):
    result = {row["which_day"]: row for row in rows(
        reader, day.DAY_SUMMARY, **DAY, listener="", include_incognito=1)}
    assert result["day"]["minutes"] == minutes(1065 + 60 + 90)
    assert result["day"]["streams"] == 6
    assert result["day"]["skip_rate"] == pytest.approx(1 / 7)


def test_day_summary_without_plays(reader):
    result = {row["which_day"]: row for row in rows(
        reader, day.DAY_SUMMARY, day=dt.date(2026, 3, 1), **ANA)}
    assert result["day"]["minutes"] == 0
    assert result["day"]["streams"] == 0
    assert pd.isna(result["day"]["skip_rate"])


def test_minutes_per_hour(reader):
    result = rows(reader, day.MINUTES_PER_HOUR, **DAY, **ANA)
    assert len(result) == 48
    played = {(row["which_day"], row["hour"]): row["minutes"] for row in result if row["minutes"]}
    assert played == {
        ("previous_day", 7): minutes(200),
        ("previous_day", 23): minutes(240),
        ("day", 8): minutes(420),
        ("day", 9): minutes(600),
        ("day", 21): minutes(45),
    }


def test_top_tracks_of_day(reader):
    result = rows(reader, day.TOP_TRACKS_OF_DAY, **DAY, **ANA)
    assert [row["track_name"] for row in result] == [
        "Hyperballad", "Wave", "Águas de Março", "Como Nossos Pais"]
    assert [row["minutes"] for row in result] == [minutes(300), minutes(120), minutes(45), minutes(0)]
    assert [row["streams"] for row in result] == [1, 1, 1, 0]


def test_top_artists_of_day(reader):
    result = rows(reader, day.TOP_ARTISTS_OF_DAY, **DAY, **ANA)
    assert [row["artist_name"] for row in result] == ["Björk", "Tom Jobim", "Elis Regina"]
    assert [row["minutes"] for row in result] == [minutes(300), minutes(120), minutes(45)]


def test_first_listens(reader):
    [row] = rows(reader, day.FIRST_LISTENS, **DAY, **ANA)
    assert row["track_name"] == "Wave"
    assert row["artist_name"] == "Tom Jobim"
    assert row["first_local_time"] == dt.datetime(2026, 3, 10, 8, 10)
    assert row["streams"] == 1
    assert row["minutes"] == minutes(120)


def test_first_listens_everyone_with_incognito(reader):
    [row] = rows(reader, day.FIRST_LISTENS, **DAY, listener="", include_incognito=1)
    assert row["track_name"] == "Wave"
    assert row["streams"] == 3
    assert row["minutes"] == minutes(120 + 60 + 90)


def test_first_listens_none_on_later_stream(reader):
    assert rows(reader, day.FIRST_LISTENS, day=dt.date(2026, 3, 9), **ANA) == [
        {"first_local_time": dt.datetime(2026, 3, 9, 23, 50), "track_name": "Hyperballad",
         "artist_name": "Björk", "streams": 1, "minutes": minutes(240)}]


def test_plays_of_day(reader):
    result = rows(reader, day.PLAYS_OF_DAY, **DAY, **ANA)
    assert [row["local_started_at"].strftime("%H:%M") for row in result] == [
        "08:00", "08:10", "09:30", "10:00", "21:15"]
    assert [row["title"] for row in result] == [
        "Hyperballad", "Wave", "A crise da água", "Como Nossos Pais", "Águas de Março"]
    assert [row["artist_or_show"] for row in result] == [
        "Björk", "Tom Jobim", "Café da Manhã", "Elis Regina", "Elis Regina"]
    assert [bool(row["is_stream"]) for row in result] == [True, True, True, False, True]
    assert [bool(row["is_skipped"]) for row in result] == [False, False, False, False, True]


def test_last_runs(reader):
    result = rows(reader, health.LAST_RUNS)
    assert [row["kind"] for row in result] == ["build", "import"]
    assert [row["status"] for row in result] == ["succeeded", "succeeded"]
    assert all(row["last_succeeded_at"] is not None for row in result)


def test_freshness(reader):
    [row] = rows(reader, health.FRESHNESS)
    assert row["source"] == "extended"
    assert row["plays"] == 12
    assert row["last_play_at"].astimezone(dt.timezone.utc).replace(tzinfo=None) == dt.datetime(2026, 3, 11, 0, 15, 45)


def test_possible_gaps(reader):
    [row] = rows(reader, health.POSSIBLE_GAPS)
    assert as_date(row["gap_start"]) == dt.date(2026, 2, 21)
    assert as_date(row["gap_end"]) == dt.date(2026, 3, 8)
    assert row["empty_days"] == 16


def test_rejected_records(reader):
    [row] = rows(reader, health.REJECTED_RECORDS)
    assert row["reason"] == "ms_played_negative"
    assert row["records"] == 1


def test_enrichment_backlog(reader):
    result = {row["item"]: (row["waiting"], row["total"]) for row in rows(reader, health.ENRICHMENT_BACKLOG)}
    assert result == {"track": (5, 5), "artist": (3, 3), "album": (3, 3)}


def test_failing_tests(reader):
    [row] = rows(reader, health.FAILING_TESTS)
    assert row["status"] == "succeeded"
    assert row["failures"] is None


def test_table_rows(reader):
    result = {row["table_name"]: row["row_count"] for row in rows(reader, health.TABLE_ROWS)}
    assert result == {"fact_play": 12, "dim_track": 5, "dim_artist": 3, "dim_album": 3,
                      "dim_episode": 1, "dim_listener": 2, "dim_date": 19}


def test_database_size(reader, fixture_settings):
    [row] = rows(reader, health.DATABASE_SIZE)
    assert 0 < row["size_bytes"] <= fixture_settings.duckdb_path.stat().st_size


def test_listeners(reader):
    assert reader.run_sql(LISTENERS_SQL, {})["listener_id"].tolist() == ["ana", "ben"]


def test_data_bounds(reader):
    [row] = reader.run_sql(DATA_BOUNDS_SQL, ANA).to_dict("records")
    assert as_date(row["first_day"]) == dt.date(2026, 2, 20)
    assert as_date(row["last_day"]) == dt.date(2026, 3, 10)
    assert row["plays"] == 10
