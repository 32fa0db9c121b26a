"""Fixtures for the Spotify source tests: the stand-in server, a Mercury home and a clock."""

from __future__ import annotations

import datetime as dt
import http.client
import logging
import urllib.parse

import pytest

from mercury_spotify.config import Settings
from mercury_spotify.sources.spotify import auth
from mercury_spotify.sources.spotify.client import HttpClient
from tests.spotify.stand_in import SpotifyStandIn

CLIENT_ID = "test-client-id"
USER_ID = "listener1-spotify"
START = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone.utc)


class Clock:
    """A settable clock; ``sleep`` advances it instead of waiting."""

    def __init__(self, now: dt.datetime):
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> dt.datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += dt.timedelta(seconds=seconds)

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


def start_stand_in() -> SpotifyStandIn:
    """A running stand-in with one user, who is the one that logs in."""
    server = SpotifyStandIn(CLIENT_ID).start()
    server.add_user(USER_ID, "Listener One")
    return server


def make_settings(home, stand_in: SpotifyStandIn) -> Settings:
    """Settings for a fresh home whose Spotify hosts are the stand-in."""
    return Settings(
        home=home,
        warehouse_url="duckdb://" + str(home / "mercury.duckdb"),
        default_timezone="UTC",
        spotify_client_id=CLIENT_ID,
        spotify_redirect_uri="http://127.0.0.1:8888/callback",
        spotify_accounts_url=stand_in.url,
        spotify_api_url=stand_in.url,
    )


def make_http_client(clock: Clock) -> HttpClient:
    """A client whose waits advance ``clock`` and whose jitter is always one half."""
    return HttpClient(sleep=clock.sleep, clock=clock, jitter=lambda: 0.5)


@pytest.fixture
def stand_in():
    server = start_stand_in()
    yield server
    server.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def settings(tmp_path, stand_in) -> Settings:
    return make_settings(tmp_path / "home", stand_in)


@pytest.fixture
def http_client(clock) -> HttpClient:
    client = make_http_client(clock)
    yield client
    client.close()


def follow_authorize(url: str) -> str:
    """Do what the browser does: open the authorize URL and return where it redirects."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    try:
        connection.request("GET", f"{parts.path}?{parts.query}")
        response = connection.getresponse()
        response.read()
        assert response.status == 303, response.status
        return response.getheader("Location")
    finally:
        connection.close()


def authorize_listener(settings: Settings, http_client: HttpClient, clock: Clock,
                       listener: str | None = None):
    """Run ``mercury auth --no-browser`` against the stand-in."""
    return auth.authorize(settings, http_client, listener, None, follow_authorize, clock)


@pytest.fixture(autouse=True)
def restore_logging():
    """Undo what a CLI invocation's logging set-up does to the ``mercury_spotify`` logger."""
    logger = logging.getLogger("mercury_spotify")
    saved = (list(logger.handlers), logger.propagate, logger.level)
    yield
    logger.handlers[:], logger.propagate, logger.level = saved[0], saved[1], saved[2]
