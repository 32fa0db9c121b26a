"""The HTTP client's behaviour: User-Agent, connection reuse, retries, 429, 403 and 404."""

from __future__ import annotations

import logging

import pytest

from mercury_spotify.errors import (
    SpotifyError,
    SpotifyForbiddenError,
    SpotifyNotFoundError,
    SpotifyRateLimitedError,
    SpotifyUnavailableError,
)
from mercury_spotify.sources.spotify.api import SpotifyApi
from mercury_spotify.sources.spotify.client import DEFAULT_MAX_ATTEMPTS, HttpClient
from tests.spotify.conftest import authorize_listener


@pytest.fixture
def api(settings, stand_in, http_client, clock) -> SpotifyApi:
    tokens = authorize_listener(settings, http_client, clock)
    return SpotifyApi(http_client, settings, tokens, clock)


def test_user_agent_names_mercury(api, stand_in):
    api.get("/v1/me")
    from_mercury = [item for item in stand_in.requests if item["path"] != "/authorize"]
    assert len(from_mercury) == 3
    assert all(item["user_agent"].startswith("Mercury/") for item in from_mercury)


def test_one_connection_for_many_requests(api, stand_in):
    connections_before = stand_in.connections
    for _ in range(5):
        api.get("/v1/me")
    assert stand_in.connections == connections_before


def test_server_error_retried_with_backoff(api, stand_in, clock, caplog):
    stand_in.fail_next("/v1/me", 500, times=2)
    with caplog.at_level(logging.WARNING, logger="mercury_spotify"):
        assert api.get("/v1/me")["display_name"] == "Listener One"
    assert clock.slept == [0.5, 1.0]
    retry_lines = [record.getMessage() for record in caplog.records if "retry" in record.getMessage()]
    assert len(retry_lines) == 2
    assert all("GET /v1/me" in line and "listener me" in line for line in retry_lines)


def test_server_error_gives_up_after_max_attempts(api, stand_in, clock):
    requests_before = len(stand_in.requests_to("/v1/me"))
    stand_in.fail_next("/v1/me", 503, times=10)
    with pytest.raises(SpotifyUnavailableError, match="503"):
        api.get("/v1/me")
    assert len(stand_in.requests_to("/v1/me")) - requests_before == DEFAULT_MAX_ATTEMPTS
    assert len(clock.slept) == DEFAULT_MAX_ATTEMPTS - 1


def test_backoff_is_bounded(api, stand_in, clock):
    client = HttpClient(sleep=clock.sleep, clock=clock, jitter=lambda: 1.0, max_attempts=10)
    api.http = client
    stand_in.fail_next("/v1/me", 500, times=9)
    api.get("/v1/me")
    client.close()
    assert max(clock.slept) == 30.0


def test_network_error_retried(settings, clock):
    client = HttpClient(sleep=clock.sleep, clock=clock, jitter=lambda: 0.0, max_attempts=3)
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SpotifyUnavailableError, match="cannot reach Spotify"):
        client.request("GET", f"http://127.0.0.1:{port}/v1/me")
    assert len(clock.slept) == 2


def test_short_retry_after_waits_and_retries(api, stand_in, clock):
    stand_in.fail_next("/v1/me", 429, headers={"Retry-After": "3"})
    assert api.get("/v1/me")["id"]
    assert clock.slept == [3.0]


def test_long_retry_after_stops(api, stand_in, clock):
    stand_in.fail_next("/v1/me", 429, headers={"Retry-After": "7293"})
    with pytest.raises(SpotifyRateLimitedError) as raised:
        api.get("/v1/me")
    assert raised.value.retry_after_seconds == 7293
    assert not raised.value.quota_exceeded
    assert clock.slept == []


def test_quota_exceeded_waits_until_next_day(api, stand_in, clock):
    stand_in.fail_next("/v1/me", 429, headers={"Retry-After": "30"},
                       body={"error": {"status": 429, "message": "API rate limit exceeded",
                                       "reason": "QUOTA_EXCEEDED"}})
    with pytest.raises(SpotifyRateLimitedError) as raised:
        api.get("/v1/me")
    assert raised.value.quota_exceeded
    assert raised.value.retry_after_seconds == 14 * 3600


def test_batch_endpoint_forbidden_names_endpoint(api):
    with pytest.raises(SpotifyForbiddenError, match="GET /v1/tracks"):
        api.get("/v1/tracks", {"ids": "a,b"})


def test_unknown_track_not_found(api):
    with pytest.raises(SpotifyNotFoundError):
        api.get("/v1/tracks/0000000000000000000000")


def test_second_unauthorized_fails_after_one_refresh(api, stand_in):
    refreshes_before = len(stand_in.requests_to("/api/token"))
    stand_in.fail_next("/v1/me", 401, times=2)
    with pytest.raises(SpotifyError, match="mercury auth --listener me"):
        api.get("/v1/me")
    assert len(stand_in.requests_to("/api/token")) - refreshes_before == 1
