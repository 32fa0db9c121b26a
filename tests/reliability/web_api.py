"""A stand-in Spotify Web API with a listening history, and Mercury homes authorized against it."""

from __future__ import annotations

import dataclasses
import datetime as dt

from mercury_spotify.config import Settings
from mercury_spotify.sources.spotify import auth
from mercury_spotify.sources.spotify.client import HttpClient
from mercury_spotify.warehouse.runs import utc_now
from tests.spotify.catalogue import Track, add_catalogue
from tests.spotify.conftest import CLIENT_ID, USER_ID, follow_authorize, start_stand_in
from tests.spotify.stand_in import SpotifyStandIn

RECENTLY_PLAYED = "/v1/me/player/recently-played"
HISTORY_END = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone.utc)
# 130 plays fill two pages of 50 and part of a third, so a first sync requests four pages.
HISTORY_PLAYS = 130
# Tracks in the catalogue. A complete sync looks up each of them, then their 4 albums and 2 artists.
CATALOGUE_TRACKS = 12


def start_with_history() -> tuple[SpotifyStandIn, list[Track]]:
    """Start a stand-in whose user played the catalogue's tracks in turn, every four minutes."""
    stand_in = start_stand_in()
    tracks = add_catalogue(stand_in, CATALOGUE_TRACKS)
    for number in range(HISTORY_PLAYS):
        stand_in.add_play(USER_ID, HISTORY_END - dt.timedelta(minutes=4 * number),
                          tracks[number % CATALOGUE_TRACKS].track_id)
    return stand_in, tracks


def web_api_environment(stand_in: SpotifyStandIn) -> dict[str, str]:
    """Environment variables that point a child's Spotify calls at the stand-in."""
    return {"SPOTIFY_CLIENT_ID": CLIENT_ID, "SPOTIFY_ACCOUNTS_URL": stand_in.url,
            "SPOTIFY_API_URL": stand_in.url}


def authorize(settings: Settings, stand_in: SpotifyStandIn) -> None:
    """Write the token file of ``settings.home``, as ``mercury auth --no-browser`` does.

    The access token is valid for an hour of real time, so children using it need no refresh.
    """
    with_stand_in = dataclasses.replace(settings, spotify_client_id=CLIENT_ID,
                                        spotify_accounts_url=stand_in.url, spotify_api_url=stand_in.url)
    with HttpClient() as http:
        auth.authorize(with_stand_in, http, None, None, follow_authorize, utc_now)
