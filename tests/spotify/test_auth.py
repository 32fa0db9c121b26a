"""mercury auth: PKCE, the one-shot callback server, token files, refresh and invalid_grant."""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.client
import os
import socket
import stat
import threading
import urllib.parse

import pytest
from click.testing import CliRunner

from mercury_spotify.cli import main
from mercury_spotify.errors import ConfigError, ReauthorizationNeededError, SpotifyAuthorizationError
from mercury_spotify.sources.spotify import auth, token_store
from mercury_spotify.sources.spotify.api import SpotifyApi
from mercury_spotify.sources.spotify.status import spotify_status
from mercury_spotify.sources.spotify.sync import REAUTHORIZATION_NEEDED, sync
from tests.spotify.conftest import CLIENT_ID, USER_ID, authorize_listener, follow_authorize


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_code_challenge_is_unpadded_base64url():
    challenge = auth.code_challenge("a" * 64)
    assert len(challenge) == 43
    assert set(challenge) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_authorize_url_carries_pkce_and_state(settings):
    request = auth.new_authorization_request(settings)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request.url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"] == [auth.code_challenge(request.verifier)]
    assert query["state"] == [request.state]
    assert query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == ["http://127.0.0.1:8888/callback"]
    assert 43 <= len(request.verifier) <= 128


def test_no_browser_auth_saves_private_tokens(settings, stand_in, http_client, clock):
    tokens = authorize_listener(settings, http_client, clock)

    path = token_store.token_path(settings.home, "me")
    assert tokens.listener_id == "me"
    assert tokens.spotify_user_id == USER_ID
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    saved = token_store.load(settings.home, "me")
    assert saved.authorized_at == clock.now
    assert saved.refresh_token == tokens.refresh_token
    assert [item.name for item in path.parent.iterdir()] == ["me.json"]


def test_state_mismatch_is_rejected(settings, stand_in, http_client, clock):
    def tampered(url: str) -> str:
        redirected = follow_authorize(url)
        return redirected.replace("state=", "state=x")

    with pytest.raises(SpotifyAuthorizationError, match="state"):
        auth.authorize(settings, http_client, None, None, tampered, clock)
    assert not token_store.listeners(settings.home)
    assert not stand_in.requests_to("/api/token")


def test_denied_authorization_is_reported(settings):
    request = auth.new_authorization_request(settings)
    redirected = f"http://127.0.0.1:8888/callback?error=access_denied&state={request.state}"
    with pytest.raises(SpotifyAuthorizationError, match="access_denied"):
        auth.code_from_redirect(redirected, request.state)


def test_localhost_redirect_is_rejected():
    with pytest.raises(ConfigError, match="localhost"):
        auth.loopback_address("http://localhost:8888/callback")


def test_callback_server_takes_one_callback(settings, stand_in, http_client, clock):
    port = free_port()
    settings = dataclasses.replace(settings, spotify_redirect_uri=f"http://127.0.0.1:{port}/callback")
    answers: list[int] = []

    def browser(url: str) -> None:
        def visit() -> None:
            location = urllib.parse.urlsplit(follow_authorize(url))
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/favicon.ico")
            answers.append(connection.getresponse().status)
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", f"{location.path}?{location.query}")
            answers.append(connection.getresponse().status)
            connection.close()

        threading.Thread(target=visit, daemon=True).start()

    tokens = auth.authorize(settings, http_client, None, browser, input, clock, timeout_seconds=30)

    assert tokens.spotify_user_id == USER_ID
    assert answers == [404, 200]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_second_account_gets_its_own_listener(settings, stand_in, http_client, clock):
    authorize_listener(settings, http_client, clock)
    stand_in.add_user("ana-spotify", "Ana")
    stand_in.authorizing_user = "ana-spotify"

    without_name = authorize_listener(settings, http_client, clock)
    named = authorize_listener(settings, http_client, clock, listener="ana")

    assert without_name.listener_id == "ana-spotify"
    assert named.listener_id == "ana"
    assert token_store.listeners(settings.home) == ["ana", "ana-spotify", "me"]


def test_listener_of_other_account_rejected(settings, stand_in, http_client, clock):
    authorize_listener(settings, http_client, clock)
    stand_in.add_user("ana-spotify", "Ana")
    stand_in.authorizing_user = "ana-spotify"
    with pytest.raises(SpotifyAuthorizationError, match="another Spotify account"):
        authorize_listener(settings, http_client, clock, listener="me")


def test_refresh_keeps_new_refresh_token(settings, stand_in, http_client, clock):
    tokens = authorize_listener(settings, http_client, clock)
    first_refresh_token = tokens.refresh_token
    stand_in.rotate_refresh_tokens = True
    clock.advance(hours=2)

    refreshed = auth.refresh(http_client, settings, tokens, clock())

    assert refreshed.refresh_token != first_refresh_token
    assert token_store.load(settings.home, "me").refresh_token == refreshed.refresh_token
    assert token_store.load(settings.home, "me").expires_at == clock.now + dt.timedelta(hours=1)


def test_refresh_keeps_unrotated_refresh_token(settings, stand_in, http_client, clock):
    tokens = authorize_listener(settings, http_client, clock)
    first_refresh_token = tokens.refresh_token
    old_access_token = tokens.access_token

    auth.refresh(http_client, settings, tokens, clock())

    saved = token_store.load(settings.home, "me")
    assert saved.refresh_token == first_refresh_token
    assert saved.access_token != old_access_token


def test_expired_access_token_refreshes_once(settings, stand_in, http_client, clock):
    tokens = authorize_listener(settings, http_client, clock)
    api = SpotifyApi(http_client, settings, tokens, clock)
    stand_in.expire_access_tokens()

    assert api.get("/v1/me")["id"] == USER_ID
    assert len(stand_in.requests_to("/api/token")) == 2


def test_invalid_grant_stops_without_loop(settings, stand_in, http_client, clock):
    authorize_listener(settings, http_client, clock)
    stand_in.revoked_users.add(USER_ID)
    clock.advance(hours=2)

    report = sync(settings, http=http_client, now=clock, sleep=clock.sleep, build=False)
    second = sync(settings, http=http_client, now=clock, sleep=clock.sleep, build=False)

    token_requests = [item for item in stand_in.requests_to("/api/token")
                      if item["form"]["grant_type"] == "refresh_token"]
    assert len(token_requests) == 1
    assert report.listeners[0].outcome == REAUTHORIZATION_NEEDED
    assert second.listeners[0].outcome == REAUTHORIZATION_NEEDED
    assert not report.ok
    assert "mercury auth --listener me" in report.listeners[0].message
    assert token_store.load(settings.home, "me").reauthorization_needed
    assert not stand_in.requests_to("/v1/me/player")


def test_invalid_grant_exits_non_zero(settings, stand_in, http_client, clock, monkeypatch):
    authorize_listener(settings, http_client, clock)
    stand_in.revoked_users.add(USER_ID)
    tokens = token_store.load(settings.home, "me")
    with pytest.raises(ReauthorizationNeededError):
        auth.refresh(http_client, settings, tokens, clock())

    monkeypatch.setenv("SPOTIFY_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SPOTIFY_ACCOUNTS_URL", stand_in.url)
    monkeypatch.setenv("SPOTIFY_API_URL", stand_in.url)
    monkeypatch.setenv("MERCURY_TIMEZONE", "UTC")
    result = CliRunner().invoke(main, ["--home", str(settings.home), "sync", "--no-build"])

    assert result.exit_code == 1
    assert "re-authorization" in result.output or "mercury auth --listener me" in result.output
    assert len([item for item in stand_in.requests_to("/api/token")
                if item["form"]["grant_type"] == "refresh_token"]) == 1


def test_token_file_replaced_atomically(settings, stand_in, http_client, clock, monkeypatch):
    tokens = authorize_listener(settings, http_client, clock)
    before = token_store.token_path(settings.home, "me").read_text()

    def failing_replace(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    tokens.access_token = "changed"
    with pytest.raises(OSError):
        token_store.save(settings.home, tokens)

    assert token_store.token_path(settings.home, "me").read_text() == before
    assert [item.name for item in token_store.tokens_dir(settings.home).iterdir()] == ["me.json"]


def test_cli_auth_reads_pasted_url(settings, stand_in, monkeypatch):
    request = auth.new_authorization_request(settings)
    monkeypatch.setattr(auth, "new_authorization_request", lambda _settings: request)
    pasted = follow_authorize(request.url)
    for name, value in {"SPOTIFY_CLIENT_ID": CLIENT_ID, "SPOTIFY_ACCOUNTS_URL": stand_in.url,
                        "SPOTIFY_API_URL": stand_in.url, "MERCURY_TIMEZONE": "UTC"}.items():
        monkeypatch.setenv(name, value)

    result = CliRunner().invoke(main, ["--home", str(settings.home), "auth", "--no-browser"],
                                input=pasted + "\n")

    assert result.exit_code == 0, result.output
    assert request.url in result.output
    assert "Listener me authorized" in result.output
    assert token_store.load(settings.home, "me").spotify_user_id == USER_ID


def test_status_warns_before_expiry(settings, stand_in, http_client, clock, monkeypatch):
    authorize_listener(settings, http_client, clock)
    monkeypatch.setenv("MERCURY_TIMEZONE", "UTC")
    fresh = spotify_status(settings, clock())
    expiring = spotify_status(settings, clock() + dt.timedelta(days=182 - 29))

    assert not fresh.listeners[0].expires_soon
    assert expiring.listeners[0].expires_soon


def test_status_command_shows_reauthorization(settings, stand_in, http_client, clock, monkeypatch):
    tokens = authorize_listener(settings, http_client, clock)
    token_store.mark_reauthorization_needed(settings.home, tokens)
    monkeypatch.setenv("MERCURY_TIMEZONE", "UTC")

    result = CliRunner().invoke(main, ["--home", str(settings.home), "status"])

    assert result.exit_code == 0, result.output
    assert "re-authorization needed: run 'mercury auth --listener me'" in result.output


def test_sync_without_client_id_fails_early(settings, stand_in, http_client, clock):
    authorize_listener(settings, http_client, clock)
    requests_before = len(stand_in.requests)
    with pytest.raises(ConfigError, match="SPOTIFY_CLIENT_ID"):
        sync(dataclasses.replace(settings, spotify_client_id=None), http=http_client, now=clock, build=False)
    assert len(stand_in.requests) == requests_before


def test_no_browser_rejects_localhost_redirect(settings, stand_in, http_client, clock):
    settings = dataclasses.replace(settings, spotify_redirect_uri="http://localhost:8888/callback")
    with pytest.raises(ConfigError, match="localhost"):
        authorize_listener(settings, http_client, clock)
    assert not stand_in.requests


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644])
def test_readable_token_file_is_rejected(settings, stand_in, http_client, clock, mode, caplog):
    authorize_listener(settings, http_client, clock)
    path = token_store.token_path(settings.home, "me")
    os.chmod(path, mode)
    with pytest.raises(ConfigError, match="chmod 600"):
        token_store.load(settings.home, "me")
    assert any("not used" in record.getMessage() for record in caplog.records)
    os.chmod(path, 0o600)
    assert token_store.load(settings.home, "me") is not None
