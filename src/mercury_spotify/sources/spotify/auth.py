"""Spotify's authorization code flow with PKCE, and the token refresh.

PKCE (RFC 7636, method S256) needs no client secret, so each user registers their own Spotify
app and gives Mercury only its client id. The redirect URI must be a loopback address by IP
(Spotify rejects ``localhost``): ``mercury auth`` listens there for exactly one callback, or with
``--no-browser`` reads the redirected URL that the user pastes.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import http.server
import ipaddress
import logging
import re
import secrets
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from mercury_spotify.config import Settings
from mercury_spotify.errors import (
    ConfigError,
    ReauthorizationNeededError,
    SpotifyAuthorizationError,
    SpotifyError,
)
from mercury_spotify.i18n import _
from mercury_spotify.sources.spotify import token_store
from mercury_spotify.sources.spotify.client import HttpClient
from mercury_spotify.sources.spotify.token_store import TokenSet

log = logging.getLogger(__name__)

SCOPES = ("user-read-recently-played",)
CALLBACK_TIMEOUT_SECONDS = 300.0
CALLBACK_PAGE = ("<!doctype html><meta charset='utf-8'><title>Mercury</title>"
                 "<p>{message}</p>")


@dataclass(frozen=True)
class PkceRequest:
    """One authorization attempt: the PKCE verifier, the ``state`` and the URL to open."""

    verifier: str
    state: str
    url: str


def code_challenge(verifier: str) -> str:
    """Return the S256 challenge of a verifier: base64url of its SHA-256, without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_authorization_request(settings: Settings) -> PkceRequest:
    """Create a fresh verifier and state, and the authorize URL that carries them."""
    client_id = require_client_id(settings)
    verifier = secrets.token_urlsafe(64)[:128]
    state = secrets.token_urlsafe(24)
    query = urllib.parse.urlencode({
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": settings.spotify_redirect_uri,
        "code_challenge_method": "S256",
        "code_challenge": code_challenge(verifier),
        "scope": " ".join(SCOPES),
        "state": state,
    })
    return PkceRequest(verifier, state, f"{settings.spotify_accounts_url.rstrip('/')}/authorize?{query}")


def require_client_id(settings: Settings) -> str:
    """Return the Spotify app's client id; raise ConfigError with how to set it when missing."""
    if not settings.spotify_client_id:
        raise ConfigError(_("SPOTIFY_CLIENT_ID is not set; create an app in Spotify's developer "
                            "dashboard and set its client id in SPOTIFY_CLIENT_ID or mercury.toml"))
    return settings.spotify_client_id


def loopback_address(redirect_uri: str) -> tuple[str, int, str]:
    """Host IP, port and path of a loopback redirect URI; ConfigError for anything else."""
    parts = urllib.parse.urlsplit(redirect_uri)
    host = parts.hostname or ""
    if parts.scheme != "http" or host == "localhost":
        raise _not_loopback_by_ip(redirect_uri)
    try:
        is_loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        is_loopback = False
    if not is_loopback:
        raise ConfigError(_("SPOTIFY_REDIRECT_URI {uri!r}: Mercury can only listen on a loopback "
                            "address such as 127.0.0.1; use --no-browser for any other redirect")
                          .format(uri=redirect_uri))
    return host, parts.port or 80, parts.path or "/"


def _not_loopback_by_ip(redirect_uri: str) -> ConfigError:
    return ConfigError(_("SPOTIFY_REDIRECT_URI {uri!r}: use a loopback address by IP, such as "
                         "http://127.0.0.1:8888/callback (Spotify rejects 'localhost')")
                       .format(uri=redirect_uri))


def code_from_redirect(redirected_url: str, expected_state: str) -> str:
    """Check the ``state`` of a redirected URL and return its authorization code."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(redirected_url.strip()).query)
    state = query.get("state", [""])[0]
    if not secrets.compare_digest(state, expected_state):
        raise SpotifyAuthorizationError(_("the redirect's state does not match this authorization "
                                          "request; run 'mercury auth' again and use the newest URL"))
    if "error" in query:
        raise SpotifyAuthorizationError(_("Spotify did not authorize Mercury: {error}")
                                        .format(error=query["error"][0]))
    code = query.get("code", [""])[0]
    if not code:
        raise SpotifyAuthorizationError(_("the redirected URL has no authorization code; paste the "
                                          "whole address from the browser's address bar"))
    return code


class _CallbackServer(http.server.HTTPServer):
    """Serves the redirect URI's path until one callback arrives."""

    def __init__(self, address: tuple[str, int], path: str, family: int):
        self.address_family = family
        self.callback_path = path
        self.callback_url: str | None = None
        super().__init__(address, _CallbackHandler)


class _CallbackHandler(http.server.BaseHTTPRequestHandler):
    server: _CallbackServer

    def do_GET(self) -> None:  # noqa: N802 (the standard library's method name)
        path = urllib.parse.urlsplit(self.path).path
        if path != self.server.callback_path or self.server.callback_url is not None:
            self.send_error(404)
            return
        self.server.callback_url = self.path
        body = CALLBACK_PAGE.format(message=_("Mercury received the authorization. You can close "
                                              "this window.")).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
        # The default handler prints the request line, which contains the authorization code.
        log.debug("callback server handled a request")


def wait_for_callback(redirect_uri: str, on_listening: Callable[[], None],
                      timeout_seconds: float = CALLBACK_TIMEOUT_SECONDS) -> str:
    """Listen on the loopback redirect URI, call ``on_listening``, and return the first callback's path.

    The server accepts exactly one callback on the redirect path (other paths get 404) and
    closes as soon as it has it, or when ``timeout_seconds`` pass.
    """
    host, port, path = loopback_address(redirect_uri)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        server = _CallbackServer((host, port), path, family)
    except OSError as exc:
        raise SpotifyAuthorizationError(_("cannot listen on {host}:{port} for Spotify's redirect "
                                          "({error}); free the port or use --no-browser")
                                        .format(host=host, port=port, error=exc.strerror or exc)) from exc
    server.timeout = 0.5
    deadline = time.monotonic() + timeout_seconds
    log.info("waiting for the authorization callback on %s:%d", host, port)
    try:
        on_listening()
        while server.callback_url is None:
            if time.monotonic() >= deadline:
                raise SpotifyAuthorizationError(_("no authorization arrived within {minutes} minutes; "
                                                  "run 'mercury auth' again").format(
                    minutes=round(timeout_seconds / 60)))
            server.handle_request()
    finally:
        server.server_close()
    return server.callback_url


def _token_request(http: HttpClient, settings: Settings, form: dict[str, str],
                   listener: str | None) -> dict:
    response = http.request(
        "POST", f"{settings.spotify_accounts_url.rstrip('/')}/api/token",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=urllib.parse.urlencode(form).encode("ascii"), listener=listener)
    body = response.json()
    if response.status == 400 and body.get("error") == "invalid_grant":
        raise _InvalidGrant(str(body.get("error_description") or "invalid_grant"))
    if response.status != 200 or "access_token" not in body:
        log.error("%s returned HTTP %d for listener %s", response.endpoint, response.status, listener or "-")
        raise SpotifyError(_("Spotify's token endpoint returned HTTP {status}: {message}; check "
                             "SPOTIFY_CLIENT_ID and the redirect URI registered in the app").format(
            status=response.status, message=response.error_message() or "-"))
    return body


class _InvalidGrant(Exception):
    """The token endpoint returned 400 ``invalid_grant``."""


def exchange_code(http: HttpClient, settings: Settings, code: str, verifier: str) -> dict:
    """Trade an authorization code for the first access and refresh tokens."""
    try:
        return _token_request(http, settings, {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": settings.spotify_redirect_uri,
            "client_id": require_client_id(settings),
            "code_verifier": verifier,
        }, listener=None)
    except _InvalidGrant as exc:
        raise SpotifyAuthorizationError(_("Spotify rejected the authorization code ({reason}); run "
                                          "'mercury auth' again").format(reason=exc)) from None


def refresh(http: HttpClient, settings: Settings, tokens: TokenSet, now: dt.datetime) -> TokenSet:
    """Get a new access token, keep a new refresh token when Spotify sends one, and save the file.

    ``invalid_grant`` (refresh token expired or revoked) marks the listener as needing
    re-authorization and raises ReauthorizationNeededError; it is never retried.
    """
    if tokens.reauthorization_needed:
        raise reauthorization_needed(tokens.listener_id)
    try:
        body = _token_request(http, settings, {
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
            "client_id": require_client_id(settings),
        }, listener=tokens.listener_id)
    except _InvalidGrant:
        token_store.mark_reauthorization_needed(settings.home, tokens)
        raise reauthorization_needed(tokens.listener_id) from None
    tokens.access_token = body["access_token"]
    tokens.expires_at = now + dt.timedelta(seconds=int(body.get("expires_in", 3600)))
    if body.get("refresh_token"):
        tokens.refresh_token = body["refresh_token"]
    if body.get("scope"):
        tokens.scope = body["scope"]
    token_store.save(settings.home, tokens)
    log.info("access token refreshed for listener %s", tokens.listener_id)
    return tokens


def reauthorization_needed(listener_id: str) -> ReauthorizationNeededError:
    """Build the error for a listener whose refresh token Spotify no longer accepts."""
    return ReauthorizationNeededError(
        _("listener {listener}: Spotify no longer accepts the saved authorization (it expires six "
          "months after 'mercury auth', or was revoked); polling for this listener is stopped "
          "until you run 'mercury auth --listener {listener}'").format(listener=listener_id))


def choose_listener(settings: Settings, requested: str | None, spotify_user_id: str) -> str:
    """Choose the Mercury listener name a Spotify account is stored under.

    ``--listener`` wins. Otherwise the name is the listener already authorized with this Spotify
    account, else the installation's default listener while it has no token file, else a name
    made from the Spotify user id.
    """
    home = settings.home
    if requested:
        token_store.validate_listener_name(requested)
        existing = token_store.load(home, requested)
        if existing and existing.spotify_user_id != spotify_user_id:
            raise SpotifyAuthorizationError(_(
                "listener {listener} is authorized with another Spotify account; log in to Spotify "
                "as that account, or choose another name with --listener").format(listener=requested))
        return requested
    for name in token_store.listeners(home):
        existing = token_store.load(home, name)
        if existing and existing.spotify_user_id == spotify_user_id:
            return name
    if token_store.load(home, settings.listener) is None:
        return settings.listener
    return re.sub(r"[^A-Za-z0-9._-]", "_", spotify_user_id)[:64] or "spotify"


def authorize(settings: Settings, http: HttpClient, listener: str | None,
              open_browser: Callable[[str], object] | None,
              read_redirect: Callable[[str], str],
              now: Callable[[], dt.datetime],
              timeout_seconds: float = CALLBACK_TIMEOUT_SECONDS) -> TokenSet:
    """Run the whole flow and save the listener's token file.

    With ``open_browser`` Mercury listens on the redirect URI and opens the authorize URL;
    without it, ``read_redirect`` shows the URL and returns the address the browser was sent to.
    """
    from mercury_spotify.sources.spotify.api import fetch_profile

    if urllib.parse.urlsplit(settings.spotify_redirect_uri).hostname == "localhost":
        raise _not_loopback_by_ip(settings.spotify_redirect_uri)
    request = new_authorization_request(settings)
    if open_browser is not None:
        callback = wait_for_callback(settings.spotify_redirect_uri,
                                     lambda: open_browser(request.url), timeout_seconds)
    else:
        callback = read_redirect(request.url)
    code = code_from_redirect(callback, request.state)
    body = exchange_code(http, settings, code, request.verifier)
    authorized_at = now()
    profile = fetch_profile(http, settings, body["access_token"])
    spotify_user_id = str(profile.get("id") or "")
    if not spotify_user_id:
        raise SpotifyError(_("Spotify's /v1/me returned no user id; run 'mercury auth' again"))
    listener_id = choose_listener(settings, listener, spotify_user_id)
    tokens = TokenSet(
        listener_id=listener_id,
        spotify_user_id=spotify_user_id,
        display_name=profile.get("display_name"),
        access_token=body["access_token"],
        refresh_token=body.get("refresh_token") or "",
        expires_at=authorized_at + dt.timedelta(seconds=int(body.get("expires_in", 3600))),
        scope=str(body.get("scope") or " ".join(SCOPES)),
        authorized_at=authorized_at,
    )
    token_store.save(settings.home, tokens)
    log.info("listener %s authorized", listener_id)
    return tokens


def browser_opener() -> Callable[[str], object]:
    """Open a URL in the user's browser without blocking the callback server."""
    import webbrowser

    def open_url(url: str) -> None:
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()

    return open_url
