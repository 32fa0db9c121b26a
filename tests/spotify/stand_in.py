"""A stand-in for Spotify's accounts service and Web API, for tests only.

It listens on 127.0.0.1 and follows the request and response shapes, status codes and headers
of Spotify's documentation. It serves the PKCE authorization code grant and the refresh grant
(with ``invalid_grant``), ``/v1/me``, and recently played with ``before``/``after`` cursors in
Unix milliseconds. Track, album and artist lookups return 404 for unknown ids, and the removed
batch lookups return 403. Tests script 429 (with Retry-After), 500 and other failures per path,
and can hold a chosen request unanswered, so a client can be killed while that request is in flight.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import http.server
import itertools
import json
import secrets
import sys
import threading
import urllib.parse
from dataclasses import dataclass, field


@dataclass
class ScriptedFailure:
    """A response sent instead of the normal one to the next ``times`` matching requests."""

    path_prefix: str
    status: int
    body: dict
    headers: dict = field(default_factory=dict)
    times: int = 1
    skip: int = 0


# A held request gets its response after this many seconds even if the test never resumes it, so
# a failed test cannot leave a server thread waiting forever.
MAX_HOLD_SECONDS = 300.0


@dataclass
class Pause:
    """A rule that delays one request whose path starts with ``path_prefix`` until ``resume`` is called.

    The first ``skip`` matching requests get their response at once. The next one sets ``arrived``
    and waits, and any later matching request gets its response at once.
    """

    path_prefix: str
    skip: int = 0
    arrived: threading.Event = field(default_factory=threading.Event)
    resumed: threading.Event = field(default_factory=threading.Event)

    def resume(self) -> None:
        """Let the held request (and any that arrives later) get its response."""
        self.resumed.set()


@dataclass
class User:
    """A Spotify account known to the stand-in, with its play history."""

    user_id: str
    display_name: str
    plays: list[dict] = field(default_factory=list)


class SpotifyStandIn:
    """The stand-in's state, and the server that exposes it."""

    def __init__(self, client_id: str = "test-client-id"):
        self.client_id = client_id
        self.users: dict[str, User] = {}
        self.authorizing_user: str | None = None
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, str] = {}
        self.refresh_tokens: dict[str, str] = {}
        self.rotate_refresh_tokens = False
        self.revoked_users: set[str] = set()
        self.history_limit: int | None = None
        self.tracks: dict[str, dict] = {}
        self.albums: dict[str, dict] = {}
        self.artists: dict[str, dict] = {}
        self.failures: list[ScriptedFailure] = []
        self.pauses: list[Pause] = []
        self.requests: list[dict] = []
        self.issued_secrets: list[str] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.stand_in = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL (both the accounts and the API host)."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SpotifyStandIn:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        for pause in self.pauses:
            pause.resume()
        self._server.shutdown()
        self._server.server_close()

    # ---- test set-up -------------------------------------------------------------------

    def add_user(self, user_id: str, display_name: str) -> User:
        """Register an account; the first one registered is the one that logs in."""
        user = User(user_id, display_name)
        self.users[user_id] = user
        self.authorizing_user = self.authorizing_user or user_id
        return user

    def add_play(self, user_id: str, played_at: dt.datetime, track_id: str) -> None:
        """Add a play (visible from now on) of a catalogue track to a user's history."""
        self.users[user_id].plays.append({"played_at": played_at, "track_id": track_id})

    def add_track(self, track_id: str, name: str, artist_ids: list[str], album_id: str,
                  duration_ms: int, isrc: str | None = None, explicit: bool = False) -> None:
        """Add a track to the catalogue (its artists and album should be added too)."""
        self.tracks[track_id] = {"id": track_id, "name": name, "artist_ids": artist_ids,
                                 "album_id": album_id, "duration_ms": duration_ms,
                                 "isrc": isrc, "explicit": explicit}

    def add_album(self, album_id: str, name: str, artist_ids: list[str], release_date: str,
                  precision: str = "day", album_type: str = "album") -> None:
        """Add an album to the catalogue."""
        self.albums[album_id] = {"id": album_id, "name": name, "artist_ids": artist_ids,
                                 "release_date": release_date, "precision": precision,
                                 "album_type": album_type}

    def add_artist(self, artist_id: str, name: str, genres: list[str] | None = None) -> None:
        """Add an artist; ``genres=None`` leaves the deprecated field out of the object."""
        self.artists[artist_id] = {"id": artist_id, "name": name, "genres": genres}

    def fail_next(self, path_prefix: str, status: int, body: dict | None = None,
                  headers: dict | None = None, times: int = 1, skip: int = 0) -> None:
        """Respond with ``status`` to ``times`` requests whose path starts with ``path_prefix``.

        The first ``skip`` matching requests get their normal response.
        """
        self.failures.append(ScriptedFailure(path_prefix, status,
                                             body or {"error": {"status": status, "message": "scripted"}},
                                             headers or {}, times, skip))

    def pause_next(self, path_prefix: str, skip: int = 0) -> Pause:
        """Hold the ``skip + 1``-th request from now on whose path starts with ``path_prefix``."""
        pause = Pause(path_prefix, skip)
        with self._lock:
            self.pauses.append(pause)
        return pause

    def expire_access_tokens(self) -> None:
        """Make every access token issued so far invalid, so requests with them get 401."""
        self.access_tokens.clear()

    def requests_to(self, path_prefix: str) -> list[dict]:
        """The requests received whose path starts with ``path_prefix``."""
        return [item for item in self.requests if item["path"].startswith(path_prefix)]

    # ---- objects as Spotify returns them -----------------------------------------------------

    def _simple_artist(self, artist_id: str) -> dict:
        artist = self.artists.get(artist_id, {"name": artist_id})
        return {"id": artist_id, "name": artist["name"], "type": "artist",
                "uri": f"spotify:artist:{artist_id}",
                "href": f"{self.url}/v1/artists/{artist_id}",
                "external_urls": {"spotify": f"https://open.spotify.com/artist/{artist_id}"}}

    def _simple_album(self, album_id: str) -> dict:
        album = self.albums[album_id]
        return {"id": album_id, "name": album["name"], "type": "album", "album_type": album["album_type"],
                "uri": f"spotify:album:{album_id}", "release_date": album["release_date"],
                "release_date_precision": album["precision"], "total_tracks": 10,
                "artists": [self._simple_artist(artist_id) for artist_id in album["artist_ids"]],
                "images": [], "href": f"{self.url}/v1/albums/{album_id}"}

    def track_object(self, track_id: str) -> dict:
        """A full track object, without ``popularity``, ``available_markets`` or ``linked_from``."""
        track = self.tracks[track_id]
        body = {"id": track_id, "name": track["name"], "type": "track", "uri": f"spotify:track:{track_id}",
                "duration_ms": track["duration_ms"], "explicit": track["explicit"], "disc_number": 1,
                "track_number": 1, "is_local": False, "href": f"{self.url}/v1/tracks/{track_id}",
                "artists": [self._simple_artist(artist_id) for artist_id in track["artist_ids"]],
                "album": self._simple_album(track["album_id"]),
                "external_ids": {"isrc": track["isrc"]} if track["isrc"] else {}}
        return body

    def album_object(self, album_id: str) -> dict:
        """A full album object (no ``label`` or ``popularity``)."""
        body = self._simple_album(album_id)
        body["tracks"] = {"items": [], "total": 10, "limit": 50, "offset": 0, "next": None}
        body["genres"] = []
        return body

    def artist_object(self, artist_id: str) -> dict:
        """A full artist object: no ``followers`` or ``popularity``; ``genres`` only when set."""
        artist = self.artists[artist_id]
        body = {"id": artist_id, "name": artist["name"], "type": "artist",
                "uri": f"spotify:artist:{artist_id}", "images": [],
                "href": f"{self.url}/v1/artists/{artist_id}"}
        if artist["genres"] is not None:
            body["genres"] = artist["genres"]
        return body

    # ---- token helpers ----------------------------------------------------------------------

    def _new_secret(self, prefix: str) -> str:
        value = f"{prefix}-{next(self._counter)}-{secrets.token_urlsafe(24)}"
        self.issued_secrets.append(value)
        return value

    def _issue_tokens(self, user_id: str, with_refresh: bool) -> dict:
        access = self._new_secret("AT")
        self.access_tokens[access] = user_id
        body = {"access_token": access, "token_type": "Bearer", "expires_in": 3600,
                "scope": "user-read-recently-played"}
        if with_refresh:
            refresh = self._new_secret("RT")
            self.refresh_tokens[refresh] = user_id
            body["refresh_token"] = refresh
        return body


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    stand_in: SpotifyStandIn

    def handle_error(self, request, client_address) -> None:
        # A client killed while its request was held has closed the socket, which is expected.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.stand_in._lock:
            self.server.stand_in.connections += 1

    def log_message(self, format, *args) -> None:  # noqa: A002
        pass

    # ---- plumbing ----------------------------------------------------------------------------

    def _send_json(self, status: int, body: dict | None, headers: dict | None = None) -> None:
        data = json.dumps(body).encode("utf-8") if body is not None else b""
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _api_error(self, status: int, message: str, headers: dict | None = None) -> None:
        self._send_json(status, {"error": {"status": status, "message": message}}, headers)

    def _record(self, method: str, form: dict | None = None) -> tuple[str, dict]:
        parts = urllib.parse.urlsplit(self.path)
        query = {key: values[0] for key, values in urllib.parse.parse_qs(parts.query).items()}
        stand_in = self.server.stand_in
        with stand_in._lock:
            stand_in.requests.append({"method": method, "path": parts.path, "query": query,
                                      "user_agent": self.headers.get("User-Agent"), "form": form})
        return parts.path, query

    def _hold_if_paused(self, path: str) -> None:
        stand_in = self.server.stand_in
        with stand_in._lock:
            for pause in stand_in.pauses:
                if pause.arrived.is_set() or pause.resumed.is_set() or not path.startswith(pause.path_prefix):
                    continue
                if pause.skip > 0:
                    pause.skip -= 1
                    continue
                pause.arrived.set()
                break
            else:
                return
        pause.resumed.wait(MAX_HOLD_SECONDS)

    def _scripted(self, path: str) -> bool:
        stand_in = self.server.stand_in
        with stand_in._lock:
            for failure in stand_in.failures:
                if failure.times <= 0 or not path.startswith(failure.path_prefix):
                    continue
                if failure.skip > 0:
                    failure.skip -= 1
                    continue
                failure.times -= 1
                break
            else:
                return False
        self._send_json(failure.status, failure.body, failure.headers)
        return True

    def _user(self) -> str | None:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        return self.server.stand_in.access_tokens.get(header.removeprefix("Bearer "))

    # ---- accounts service ------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802
        path, query = self._record("GET")
        self._hold_if_paused(path)
        if self._scripted(path):
            return
        if path == "/authorize":
            self._authorize(query)
        elif path.startswith("/v1/"):
            self._web_api(path, query)
        else:
            self._api_error(404, "Service not found")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        form = {key: values[0] for key, values in
                urllib.parse.parse_qs(self.rfile.read(length).decode("ascii")).items()}
        path, _query = self._record("POST", form)
        self._hold_if_paused(path)
        if self._scripted(path):
            return
        if path != "/api/token":
            self._api_error(404, "Service not found")
            return
        if self.headers.get("Content-Type") != "application/x-www-form-urlencoded":
            self._send_json(400, {"error": "invalid_request", "error_description": "Bad content type"})
            return
        self._token(form)

    def _authorize(self, query: dict) -> None:
        stand_in = self.server.stand_in
        required = ("client_id", "response_type", "redirect_uri", "code_challenge_method",
                    "code_challenge", "state")
        if any(name not in query for name in required) or query["client_id"] != stand_in.client_id \
                or query["response_type"] != "code" or query["code_challenge_method"] != "S256":
            self._send_json(400, {"error": "invalid_request"})
            return
        code = stand_in._new_secret("CODE")
        stand_in.codes[code] = {"user": stand_in.authorizing_user, "challenge": query["code_challenge"],
                                "redirect_uri": query["redirect_uri"]}
        location = query["redirect_uri"] + "?" + urllib.parse.urlencode(
            {"code": code, "state": query["state"]})
        self.send_response(303)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _token(self, form: dict) -> None:
        stand_in = self.server.stand_in
        if form.get("client_id") != stand_in.client_id:
            self._send_json(400, {"error": "invalid_client", "error_description": "Invalid client"})
            return
        grant = form.get("grant_type")
        if form.get("code_verifier"):
            stand_in.issued_secrets.append(form["code_verifier"])
        if grant == "authorization_code":
            issued = stand_in.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if issued is None or issued["redirect_uri"] != form.get("redirect_uri") \
                    or issued["challenge"] != challenge:
                self._send_json(400, {"error": "invalid_grant", "error_description": "Invalid authorization code"})
                return
            self._send_json(200, stand_in._issue_tokens(issued["user"], with_refresh=True))
        elif grant == "refresh_token":
            user_id = stand_in.refresh_tokens.get(form.get("refresh_token", ""))
            if user_id is None or user_id in stand_in.revoked_users:
                self._send_json(400, {"error": "invalid_grant", "error_description": "Refresh token revoked"})
                return
            if stand_in.rotate_refresh_tokens:
                del stand_in.refresh_tokens[form["refresh_token"]]
            self._send_json(200, stand_in._issue_tokens(user_id, with_refresh=stand_in.rotate_refresh_tokens))
        else:
            self._send_json(400, {"error": "unsupported_grant_type"})

    # ---- Web API ------------------------------------------------------------------------------

    def _web_api(self, path: str, query: dict) -> None:
        stand_in = self.server.stand_in
        user_id = self._user()
        if user_id is None:
            self._api_error(401, "The access token expired")
            return
        if path in ("/v1/tracks", "/v1/albums", "/v1/artists"):
            self._api_error(403, "Forbidden")
            return
        if path == "/v1/me":
            user = stand_in.users[user_id]
            self._send_json(200, {"id": user.user_id, "display_name": user.display_name, "type": "user",
                                  "uri": f"spotify:user:{user.user_id}"})
        elif path == "/v1/me/player/recently-played":
            self._recently_played(stand_in.users[user_id], query)
        else:
            kind, _, item_id = path.removeprefix("/v1/").partition("/")
            catalogue = {"tracks": (stand_in.tracks, stand_in.track_object),
                         "albums": (stand_in.albums, stand_in.album_object),
                         "artists": (stand_in.artists, stand_in.artist_object)}.get(kind)
            if catalogue is None or "/" in item_id or not item_id:
                self._api_error(404, "Service not found")
            elif item_id not in catalogue[0]:
                self._api_error(404, "Resource not found")
            else:
                self._send_json(200, catalogue[1](item_id))

    def _recently_played(self, user: User, query: dict) -> None:
        stand_in = self.server.stand_in
        try:
            limit = int(query.get("limit", 20))
        except ValueError:
            limit = -1
        if not 1 <= limit <= 50 or ("before" in query and "after" in query):
            self._api_error(400, "Invalid limit or cursors")
            return

        def millis(instant: dt.datetime) -> int:
            return round(instant.timestamp() * 1000)

        plays = sorted(user.plays, key=lambda play: play["played_at"], reverse=True)
        if stand_in.history_limit is not None:
            plays = plays[:stand_in.history_limit]
        if "before" in query:
            plays = [play for play in plays if millis(play["played_at"]) < int(query["before"])]
        if "after" in query:
            plays = [play for play in plays if millis(play["played_at"]) > int(query["after"])]
            page = plays[-limit:]
        else:
            page = plays[:limit]
        items = [{"track": stand_in.track_object(play["track_id"]),
                  "played_at": play["played_at"].astimezone(dt.timezone.utc)
                  .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                  "context": None} for play in page]
        cursors = None
        if page:
            cursors = {"after": str(millis(page[0]["played_at"])), "before": str(millis(page[-1]["played_at"]))}
        base = f"{stand_in.url}/v1/me/player/recently-played"
        self._send_json(200, {
            "href": f"{base}?{urllib.parse.urlencode(query)}",
            "limit": limit,
            "next": f"{base}?before={cursors['before']}&limit={limit}" if cursors else None,
            "cursors": cursors,
            "total": len(plays),
            "items": items,
        })


def spotify_id(label: str) -> str:
    """A valid-looking 22-character base-62 Spotify id derived from ``label``."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    number = int.from_bytes(hashlib.sha256(label.encode("utf-8")).digest(), "big")
    characters = []
    for _ in range(22):
        number, remainder = divmod(number, 62)
        characters.append(alphabet[remainder])
    return "".join(characters)
