"""One HTTP client for every call to Spotify: timeouts, connection reuse, retries, error mapping.

Retry rules, from Spotify's Web API documentation on rate limits and errors:

- 429 waits ``Retry-After`` seconds when that is at most ``max_wait_seconds``. A longer wait
  raises SpotifyRateLimitedError, so the run stops cleanly and the next run resumes. A body that
  names ``QUOTA_EXCEEDED`` means the day's quota is spent, so the wait lasts until the next UTC day.
- 5xx responses and network errors are retried with exponential backoff and full jitter, at most
  ``max_attempts`` times in all.
- Every other status goes back to the caller, which maps 401, 403 and 404 (see ``SpotifyApi``).

Log lines name the method, the path (never the query string or a header) and the listener.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import logging
import random
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

from mercury_spotify import __version__
from mercury_spotify.errors import SpotifyRateLimitedError, SpotifyUnavailableError
from mercury_spotify.i18n import _

log = logging.getLogger(__name__)

USER_AGENT = f"Mercury/{__version__} (mercury-spotify; personal listening-history warehouse)"
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_ATTEMPTS = 4
DEFAULT_MAX_WAIT_SECONDS = 60.0
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 30.0
MAX_SHORT_RATE_LIMIT_WAITS = 5


@dataclass
class Response:
    """A complete HTTP response."""

    status: int
    headers: dict[str, str]
    body: bytes
    endpoint: str = ""

    def json(self) -> dict:
        """Parse the body as JSON; an empty or invalid body gives an empty dict."""
        try:
            value = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def error_message(self) -> str:
        """Spotify's error text: ``error.message`` (Web API) or ``error_description`` (accounts)."""
        body = self.json()
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or error.get("reason") or "")
        return str(body.get("error_description") or error or "")


@dataclass
class HttpClient:
    """Keeps one connection per host and applies Mercury's timeouts and retry rules."""

    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)
    requests_sent: int = 0
    _connections: dict[tuple[str, str], http.client.HTTPConnection] = field(default_factory=dict)

    def close(self) -> None:
        """Close every open connection."""
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def request(self, method: str, url: str, headers: dict[str, str] | None = None,
                body: bytes | None = None, listener: str | None = None) -> Response:
        """Send a request, retrying 429, 5xx and network errors by the rules in the module docstring."""
        parts = urllib.parse.urlsplit(url)
        endpoint = f"{method} {parts.path}"
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        failures = 0
        rate_limit_waits = 0
        while True:
            try:
                response = self._send(parts, method, target, all_headers, body)
            except (OSError, http.client.HTTPException) as exc:
                failures += 1
                self._drop_connection(parts)
                if failures >= self.max_attempts:
                    log.error("%s failed for listener %s after %d attempts: %s",
                              endpoint, listener or "-", failures, type(exc).__name__)
                    raise SpotifyUnavailableError(
                        _("cannot reach Spotify ({endpoint}): {error}; check the network and "
                          "run the command again").format(endpoint=endpoint, error=type(exc).__name__)
                    ) from exc
                self._back_off(endpoint, listener, failures, type(exc).__name__)
                continue
            response.endpoint = endpoint
            log.debug("%s returned HTTP %d for listener %s", endpoint, response.status, listener or "-")

            if response.status == 429:
                wait = self._rate_limit_wait(response)
                quota_exceeded = b"QUOTA_EXCEEDED" in response.body
                if quota_exceeded or wait > self.max_wait_seconds or rate_limit_waits >= MAX_SHORT_RATE_LIMIT_WAITS:
                    log.warning("%s rate limited for listener %s: Retry-After %.0f s%s; stopping",
                                endpoint, listener or "-", wait, ", quota exceeded" if quota_exceeded else "")
                    raise SpotifyRateLimitedError(
                        _("Spotify asked Mercury to wait {seconds} s before calling {endpoint} again; "
                          "the run stopped and the next run resumes").format(
                            seconds=round(wait), endpoint=endpoint),
                        retry_after_seconds=wait, quota_exceeded=quota_exceeded)
                rate_limit_waits += 1
                log.info("%s rate limited for listener %s: waiting Retry-After %.0f s",
                         endpoint, listener or "-", wait)
                self.sleep(wait)
                continue

            if response.status >= 500:
                failures += 1
                if failures >= self.max_attempts:
                    log.error("%s returned HTTP %d for listener %s after %d attempts",
                              endpoint, response.status, listener or "-", failures)
                    raise SpotifyUnavailableError(
                        _("Spotify returned HTTP {status} for {endpoint} {attempts} times; try again later")
                        .format(status=response.status, endpoint=endpoint, attempts=failures))
                self._back_off(endpoint, listener, failures, f"HTTP {response.status}")
                continue
            return response

    def _send(self, parts: urllib.parse.SplitResult, method: str, target: str,
              headers: dict[str, str], body: bytes | None) -> Response:
        key = (parts.scheme, parts.netloc)
        reused = key in self._connections
        connection = self._connection(parts)
        try:
            connection.request(method, target, body=body, headers=headers)
            raw = connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            if not reused:
                raise
            # The server closed an idle kept-alive connection: reconnect once, without a wait.
            self._drop_connection(parts)
            connection = self._connection(parts)
            connection.request(method, target, body=body, headers=headers)
            raw = connection.getresponse()
        data = raw.read()
        self.requests_sent += 1
        response = Response(raw.status, {name.lower(): value for name, value in raw.getheaders()}, data)
        if raw.will_close:
            self._drop_connection(parts)
        return response

    def _connection(self, parts: urllib.parse.SplitResult) -> http.client.HTTPConnection:
        key = (parts.scheme, parts.netloc)
        connection = self._connections.get(key)
        if connection is None:
            if parts.scheme == "https":
                connection = http.client.HTTPSConnection(parts.netloc, timeout=self.timeout_seconds)
            elif parts.scheme == "http":
                connection = http.client.HTTPConnection(parts.netloc, timeout=self.timeout_seconds)
            else:
                raise ValueError(f"unsupported URL scheme {parts.scheme!r}")
            self._connections[key] = connection
        return connection

    def _drop_connection(self, parts: urllib.parse.SplitResult) -> None:
        connection = self._connections.pop((parts.scheme, parts.netloc), None)
        if connection is not None:
            connection.close()

    def _back_off(self, endpoint: str, listener: str | None, failures: int, reason: str) -> None:
        ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (failures - 1))
        delay = self.jitter() * ceiling
        log.warning("%s failed for listener %s (%s); retry %d of %d in %.1f s",
                    endpoint, listener or "-", reason, failures, self.max_attempts - 1, delay)
        self.sleep(delay)

    def _rate_limit_wait(self, response: Response) -> float:
        """Seconds to wait after a 429: Retry-After, or until the next UTC day when the quota is spent."""
        if b"QUOTA_EXCEEDED" in response.body:
            now = self.clock()
            tomorrow = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.timezone.utc)
            return max((tomorrow - now).total_seconds(), parse_retry_after(response.headers))
        return parse_retry_after(response.headers)


def parse_retry_after(headers: dict[str, str]) -> float:
    """Return the ``Retry-After`` header in seconds, or 1 s when it is missing or invalid."""
    value = headers.get("retry-after", "").strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        return 1.0
