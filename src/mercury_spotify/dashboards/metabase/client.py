"""A small JSON client for Metabase's REST API, with the session header Metabase expects.

Metabase's open-source edition has no dashboards-as-code file format (serialization is a paid
feature), so Mercury writes its objects through the same REST API the web app uses.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from mercury_spotify import __version__
from mercury_spotify.errors import MercuryError
from mercury_spotify.i18n import _

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 60.0
SESSION_HEADER = "X-Metabase-Session"


class MetabaseError(MercuryError):
    """Metabase could not be reached, or rejected a request."""


class MetabaseAuthError(MetabaseError):
    """Metabase rejected the administrator's e-mail or password."""


class MetabaseClient:
    """Sends JSON requests to one Metabase server and returns the decoded responses."""

    def __init__(self, base_url: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session_id: str | None = None

    def get(self, path: str, **query: Any) -> Any:
        """GET ``path`` with ``query`` as URL parameters."""
        if query:
            path = path + "?" + urllib.parse.urlencode(query)
        return self.request("GET", path)

    def post(self, path: str, body: dict) -> Any:
        """POST ``body`` as JSON to ``path``."""
        return self.request("POST", path, body)

    def put(self, path: str, body: dict) -> Any:
        """PUT ``body`` as JSON to ``path``."""
        return self.request("PUT", path, body)

    def request(self, method: str, path: str, body: dict | None = None) -> Any:
        """Send one request; raise MetabaseError for a network error or a non-2xx status."""
        headers = {"Accept": "application/json", "User-Agent": f"mercury-spotify/{__version__}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.session_id:
            headers[SESSION_HEADER] = self.session_id
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)

        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            detail = _error_detail(exc.read())
            log.warning("metabase %s %s failed with HTTP %s", method, path.split("?")[0], exc.code)
            if exc.code == 401 and path == "/api/session":
                raise MetabaseAuthError(_("Metabase rejected the administrator's e-mail or password; "
                                          "check METABASE_ADMIN_EMAIL and METABASE_ADMIN_PASSWORD")) from None
            raise MetabaseError(_("Metabase answered {method} {path} with HTTP {status}: {detail}").format(
                method=method, path=path.split("?")[0], status=exc.code, detail=detail)) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise MetabaseError(_("cannot reach Metabase at {url}: {reason}; is it running and "
                                  "done starting?").format(url=self.base_url, reason=reason)) from None

        log.debug("metabase %s %s -> %s", method, path.split("?")[0], status)
        if not payload:
            return None
        try:
            return json.loads(payload)
        except ValueError as exc:
            raise MetabaseError(_("Metabase answered {method} {path} with something other than "
                                  "JSON").format(method=method, path=path.split("?")[0])) from exc


def _error_detail(payload: bytes) -> str:
    """A short, secret-free description of an error response body."""
    try:
        body = json.loads(payload)
    except ValueError:
        return payload[:200].decode("utf-8", "replace")
    if isinstance(body, dict):
        for key in ("message", "errors", "specific-errors"):
            if key in body:
                return json.dumps(body[key], ensure_ascii=False)[:300]
    return json.dumps(body, ensure_ascii=False)[:300]


def listing(response: Any) -> list[dict]:
    """The items of a list response: a plain list, or ``{"data": [...]}`` in paginated endpoints."""
    if isinstance(response, dict):
        return list(response.get("data") or [])
    return list(response or [])
