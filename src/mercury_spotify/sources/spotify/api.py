"""Calls to the Spotify Web API on behalf of one listener, with the status codes mapped.

401 gets one token refresh and one more try, then fails. A 403 error names the endpoint, because
Spotify returns 403 both for removed endpoints (such as the batch lookups) and for users the app
does not allow. 404 raises SpotifyNotFoundError, so enrichment can store the id as not found.
"""

from __future__ import annotations

import datetime as dt
import logging
import urllib.parse
from collections.abc import Callable

from mercury_spotify.config import Settings
from mercury_spotify.errors import SpotifyError, SpotifyForbiddenError, SpotifyNotFoundError
from mercury_spotify.i18n import _
from mercury_spotify.sources.spotify import auth
from mercury_spotify.sources.spotify.client import HttpClient, Response
from mercury_spotify.sources.spotify.token_store import TokenSet

log = logging.getLogger(__name__)


def api_url(settings: Settings, path: str, params: dict | None = None) -> str:
    """Return the absolute Web API URL of ``path`` on the configured host."""
    query = f"?{urllib.parse.urlencode(params)}" if params else ""
    return f"{settings.spotify_api_url.rstrip('/')}{path}{query}"


def check_status(response: Response, listener: str | None) -> dict:
    """Return the JSON body of a 2xx response; raise Mercury's error for any other status."""
    if 200 <= response.status < 300:
        return response.json()
    message = response.error_message() or "-"
    if response.status == 404:
        raise SpotifyNotFoundError(_("{endpoint}: not found").format(endpoint=response.endpoint))
    log.error("%s returned HTTP %d for listener %s", response.endpoint, response.status, listener or "-")
    if response.status == 403:
        raise SpotifyForbiddenError(_(
            "Spotify refused {endpoint} (403 Forbidden: {message}); the endpoint is not available "
            "to apps in Development Mode, or this Spotify user is not in the app's user list"
        ).format(endpoint=response.endpoint, message=message))
    raise SpotifyError(_("Spotify returned HTTP {status} for {endpoint}: {message}").format(
        status=response.status, endpoint=response.endpoint, message=message))


def fetch_profile(http: HttpClient, settings: Settings, access_token: str) -> dict:
    """``GET /v1/me``: the Spotify user id and display name behind an access token."""
    response = http.request("GET", api_url(settings, "/v1/me"),
                            headers={"Authorization": f"Bearer {access_token}"})
    return check_status(response, None)


class SpotifyApi:
    """Web API calls made with one listener's tokens, refreshing the access token when needed."""

    def __init__(self, http: HttpClient, settings: Settings, tokens: TokenSet,
                 now: Callable[[], dt.datetime]):
        self.http = http
        self.settings = settings
        self.tokens = tokens
        self.now = now

    @property
    def listener_id(self) -> str:
        """The Mercury listener these calls are made for."""
        return self.tokens.listener_id

    def get(self, path: str, params: dict | None = None) -> dict:
        """GET a Web API path and return its JSON body."""
        if not self.tokens.access_token_valid(self.now()):
            auth.refresh(self.http, self.settings, self.tokens, self.now())
        url = api_url(self.settings, path, params)
        response = self._get(url)
        if response.status == 401:
            log.info("%s returned HTTP 401 for listener %s; refreshing the access token once",
                     response.endpoint, self.listener_id)
            auth.refresh(self.http, self.settings, self.tokens, self.now())
            response = self._get(url)
            if response.status == 401:
                log.error("%s returned HTTP 401 again after a refresh for listener %s",
                          response.endpoint, self.listener_id)
                raise SpotifyError(_("Spotify rejected a fresh access token for {endpoint}; run "
                                     "'mercury auth --listener {listener}' again").format(
                    endpoint=response.endpoint, listener=self.listener_id))
        return check_status(response, self.listener_id)

    def _get(self, url: str) -> Response:
        return self.http.request("GET", url, listener=self.listener_id,
                                 headers={"Authorization": f"Bearer {self.tokens.access_token}"})
