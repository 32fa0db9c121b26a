"""Local date and minute keys across DST changes, half-hour zones and time-zone periods."""

import pytest

from mercury_spotify.config import load_settings
from mercury_spotify.pipeline.importer import import_paths
from tests.conftest import query
from tests.helpers import extended, write


def local_keys(warehouse, records, zone, toml=""):
    home = warehouse.home
    home.mkdir(parents=True, exist_ok=True)
    (home / "mercury.toml").write_text(toml, encoding="utf-8")
    settings = load_settings(home=home, warehouse=warehouse.warehouse_url).with_overrides(default_timezone=zone)
    path = write(home / "in" / "Streaming_History_Audio_2024.json", records)
    import_paths(settings, [path])
    return query(settings, "select date_key, time_key from dw.fact_play order by started_at")


def test_dst_start_in_new_york(settings):
    # DST began 2024-03-10 at 07:00 UTC (02:00 EST became 03:00 EDT).
    rows = local_keys(settings, [
        extended("2024-03-10T06:30:00Z", ms_played=0, uri="spotify:track:aaaaaaaaaaaaaaaaaaaaa1"),
        extended("2024-03-10T07:30:00Z", ms_played=0, uri="spotify:track:aaaaaaaaaaaaaaaaaaaaa2"),
    ], "America/New_York")
    assert rows == [(20240310, 1 * 60 + 30), (20240310, 3 * 60 + 30)]


def test_dst_end_in_sao_paulo_history(settings):
    # Brazil still had DST in 2018: it ended 2019-02-17 at 02:00 UTC (00:00 local became 23:00).
    rows = local_keys(settings, [
        extended("2019-02-17T01:30:00Z", ms_played=0, uri="spotify:track:aaaaaaaaaaaaaaaaaaaaa1"),
        extended("2019-02-17T02:30:00Z", ms_played=0, uri="spotify:track:aaaaaaaaaaaaaaaaaaaaa2"),
    ], "America/Sao_Paulo")
    assert rows == [(20190216, 23 * 60 + 30), (20190216, 23 * 60 + 30)]


@pytest.mark.parametrize(
    ("zone", "expected"),
    [("Asia/Kolkata", (20240115, 5 * 60 + 30 + 20)), ("Australia/Adelaide", (20240115, 10 * 60 + 30 + 20)),
     ("Asia/Kathmandu", (20240115, 5 * 60 + 45 + 20))],
)
def test_half_hour_zones(settings, zone, expected):
    rows = local_keys(settings, [extended("2024-01-15T00:20:00Z", ms_played=0)], zone)
    assert rows == [expected]


def test_time_zone_periods_from_config(settings):
    toml = '[[timezone]]\nsince = "2024-03-01"\nzone = "Europe/Lisbon"\n'
    rows = local_keys(settings, [
        extended("2024-02-29T23:30:00Z", ms_played=0, uri="spotify:track:aaaaaaaaaaaaaaaaaaaaa1"),
        extended("2024-03-01T00:30:00Z", ms_played=0, uri="spotify:track:aaaaaaaaaaaaaaaaaaaaa2"),
    ], "America/Sao_Paulo", toml)
    # Before the period: São Paulo (UTC-3). From 2024-03-01 00:00 UTC: Lisbon (UTC+0 in winter).
    assert rows == [(20240229, 20 * 60 + 30), (20240301, 0 * 60 + 30)]


def test_unknown_zone_is_a_config_error(home, monkeypatch):
    from mercury_spotify.errors import ConfigError

    monkeypatch.setenv("MERCURY_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigError, match="Mars/Olympus"):
        load_settings(home=home)
