"""A stand-in for Metabase's REST API: an HTTP server on 127.0.0.1 that tests start themselves.

It is not Metabase. It keeps its objects in memory and enforces the request shapes Mercury
relies on, as Metabase documents them: the first-run setup with the setup token, the session
header, the keys ``POST /api/card`` requires, the closed key sets of collections and dashboards,
and ``PUT /api/dashboard/:id`` replacing the whole list of dashcards (negative ids create new
ones, absent ones are deleted). A request that breaks a rule gets HTTP 400 with the reason, and
every request is recorded so tests can check which writes a run sent.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

MASKED_PASSWORD = "**MetabasePass**"
GRID_COLUMNS = 24

CARD_REQUIRED = {"name", "dataset_query", "display", "visualization_settings"}
CARD_KEYS = CARD_REQUIRED | {"description", "collection_id", "parameters", "parameter_mappings",
                             "collection_position", "result_metadata", "cache_ttl", "type", "archived"}
COLLECTION_KEYS = {"name", "description", "parent_id", "namespace", "authority_level"}
DASHBOARD_POST_KEYS = {"name", "description", "parameters", "collection_id", "collection_position", "cache_ttl"}
DASHBOARD_PUT_KEYS = DASHBOARD_POST_KEYS | {"dashcards", "tabs", "archived", "enable_embedding",
                                            "embedding_params", "points_of_interest", "caveats",
                                            "show_in_getting_started", "width", "auto_apply_filters"}
DASHCARD_REQUIRED = {"id", "card_id", "row", "col", "size_x", "size_y"}
DATABASE_REQUIRED = {"engine", "name", "details"}
TAG_PATTERN = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class RequestRejected(Exception):
    """The stand-in refuses a request; ``status`` is the HTTP status to send."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class MetabaseStandIn:
    """The state of the stand-in: users, sessions and every object, plus a log of requests."""

    def __init__(self) -> None:
        self.setup_token = secrets.token_hex(16)
        self.admin: dict | None = None
        self.sessions: set[str] = set()
        self.databases: dict[int, dict] = {}
        self.collections: dict[int, dict] = {1: {"id": 1, "name": "Someone's Personal Collection",
                                                 "description": None, "personal_owner_id": 1,
                                                 "archived": False, "location": "/"}}
        self.cards: dict[int, dict] = {}
        self.dashboards: dict[int, dict] = {}
        self.dashcards: dict[int, dict] = {}
        self.requests: list[tuple[str, str]] = []
        self.items_with_description = True  # False: collection items leave descriptions out
        self._next_id = 100
        self.lock = threading.Lock()

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def writes(self) -> list[tuple[str, str]]:
        """The recorded requests that could change state, except logging in."""
        return [(method, path) for method, path in self.requests
                if method in ("POST", "PUT", "DELETE") and path != "/api/session"]

    # -- dispatch -------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict, headers, body) -> tuple[int, object]:
        self.requests.append((method, path))
        if (method, path) == ("GET", "/api/session/properties"):
            return 200, {"setup-token": self.setup_token, "has-user-setup": self.admin is not None,
                         "version": {"tag": "stand-in"}}
        if (method, path) == ("POST", "/api/setup"):
            return 200, self.setup(body)
        if (method, path) == ("POST", "/api/session"):
            return 200, self.login(body)
        if headers.get("X-Metabase-Session") not in self.sessions:
            raise RequestRejected(401, "Unauthenticated")

        parts = path.strip("/").split("/")[1:]  # drop "api"
        resource = parts[0]
        object_id = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        handler = getattr(self, f"{method.lower()}_{resource}", None)
        if handler is None:
            raise RequestRejected(404, f"no route {method} {path}")
        if resource == "collection" and len(parts) == 3 and parts[2] == "items":
            return 200, self.collection_items(object_id, query)
        return 200, handler(object_id, body) if method != "GET" else handler(object_id)

    # -- sessions -------------------------------------------------------------------------------

    def setup(self, body: dict) -> dict:
        if self.admin is not None:
            raise RequestRejected(403, "The /api/setup route can only be used to create the first user")
        if body.get("token") != self.setup_token:
            raise RequestRejected(403, "Token does not match the setup token")
        user = body.get("user") or {}
        for key in ("email", "password"):
            if not user.get(key):
                raise RequestRejected(400, f"user.{key} is required")
        if not (body.get("prefs") or {}).get("site_name"):
            raise RequestRejected(400, "prefs.site_name is required")
        self.admin = {"email": user["email"], "password": user["password"]}
        return {"id": self._new_session()}

    def login(self, body: dict) -> dict:
        if self.admin is None or body.get("username") != self.admin["email"] or body.get("password") != self.admin["password"]:
            raise RequestRejected(401, "did not match stored password")
        return {"id": self._new_session()}

    def _new_session(self) -> str:
        session = secrets.token_hex(16)
        self.sessions.add(session)
        return session

    # -- databases ------------------------------------------------------------------------------

    def get_database(self, object_id):
        rows = [self._public_database(item) for item in self.databases.values()]
        return {"data": rows, "total": len(rows)}

    def _public_database(self, item: dict) -> dict:
        details = dict(item["details"])
        if "password" in details:
            details["password"] = MASKED_PASSWORD
        return {**item, "details": details}

    def post_database(self, object_id, body):
        missing = DATABASE_REQUIRED - set(body)
        if missing:
            raise RequestRejected(400, f"missing keys: {sorted(missing)}")
        database_id = self.new_id()
        self.databases[database_id] = {"id": database_id, "engine": body["engine"], "name": body["name"],
                                       "details": dict(body["details"])}
        return self._public_database(self.databases[database_id])

    def put_database(self, object_id, body):
        database = self._get(self.databases, object_id)
        details = dict(body.get("details") or database["details"])
        if details.get("password") == MASKED_PASSWORD:
            details["password"] = database["details"].get("password")
        database.update({key: value for key, value in body.items() if key != "details"}, details=details)
        return self._public_database(database)

    # -- collections ----------------------------------------------------------------------------

    def get_collection(self, object_id):
        if object_id is not None:
            return self._get(self.collections, object_id)
        return list(self.collections.values())

    def post_collection(self, object_id, body):
        self._closed(body, COLLECTION_KEYS, "collection")
        if not body.get("name"):
            raise RequestRejected(400, "name is required")
        collection_id = self.new_id()
        self.collections[collection_id] = {"id": collection_id, "name": body["name"],
                                           "description": body.get("description"), "personal_owner_id": None,
                                           "archived": False, "location": "/"}
        return self.collections[collection_id]

    def collection_items(self, collection_id, query):
        self._get(self.collections, collection_id)
        models = set(query.get("models", []))
        items = []
        if not models or "card" in models:
            items += [{"id": card["id"], "name": card["name"], "description": card["description"], "model": "card"}
                      for card in self.cards.values() if card["collection_id"] == collection_id]
        if not models or "dashboard" in models:
            items += [{"id": item["id"], "name": item["name"], "description": item["description"],
                       "model": "dashboard"}
                      for item in self.dashboards.values() if item["collection_id"] == collection_id]
        if not self.items_with_description:
            items = [{key: value for key, value in item.items() if key != "description"} for item in items]
        return {"data": items, "total": len(items)}

    # -- cards ----------------------------------------------------------------------------------

    def get_card(self, object_id):
        if object_id is None:
            return list(self.cards.values())
        return self._get(self.cards, object_id)

    def post_card(self, object_id, body):
        missing = CARD_REQUIRED - set(body)
        if missing:
            raise RequestRejected(400, f"card: missing required keys {sorted(missing)}")
        self._closed(body, CARD_KEYS, "card")
        self._check_query(body["dataset_query"])
        card_id = self.new_id()
        self.cards[card_id] = {"id": card_id, "description": None, "collection_id": None, "parameters": [],
                               "archived": False, **json.loads(json.dumps(body))}
        return self.cards[card_id]

    def put_card(self, object_id, body):
        card = self._get(self.cards, object_id)
        self._closed(body, CARD_KEYS, "card")
        if "dataset_query" in body:
            self._check_query(body["dataset_query"])
        card.update(json.loads(json.dumps(body)))
        return card

    def _check_query(self, query: dict) -> None:
        if query.get("database") not in self.databases:
            raise RequestRejected(400, f"dataset_query.database {query.get('database')!r} does not exist")
        if query.get("type") != "native":
            raise RequestRejected(400, "only native queries are expected from Mercury")
        native = query.get("native") or {}
        text = native.get("query")
        if not isinstance(text, str) or not text.strip():
            raise RequestRejected(400, "dataset_query.native.query is required")
        tags = native.get("template-tags") or {}
        for name in set(TAG_PATTERN.findall(text)):
            tag = tags.get(name)
            if tag is None:
                raise RequestRejected(400, f"template tag {name!r} is used in the query but not declared")
            for key in ("id", "name", "display-name", "type"):
                if key not in tag:
                    raise RequestRejected(400, f"template tag {name!r} lacks {key!r}")
            if tag["name"] != name or tag["type"] not in ("text", "number", "date", "dimension"):
                raise RequestRejected(400, f"template tag {name!r} is malformed")

    # -- dashboards -----------------------------------------------------------------------------

    def get_dashboard(self, object_id):
        if object_id is None:
            return [self._public_dashboard(item) for item in self.dashboards.values()]
        return self._public_dashboard(self._get(self.dashboards, object_id))

    def _public_dashboard(self, dashboard: dict) -> dict:
        cards = [{**item, "card": self.cards[item["card_id"]]}
                 for item in self.dashcards.values() if item["dashboard_id"] == dashboard["id"]]
        return {**dashboard, "dashcards": sorted(cards, key=lambda item: item["id"])}

    def post_dashboard(self, object_id, body):
        self._closed(body, DASHBOARD_POST_KEYS, "dashboard")
        if not body.get("name"):
            raise RequestRejected(400, "name is required")
        dashboard_id = self.new_id()
        self.dashboards[dashboard_id] = {"id": dashboard_id, "description": None, "collection_id": None,
                                         "parameters": [], **json.loads(json.dumps(body))}
        return self._public_dashboard(self.dashboards[dashboard_id])

    def put_dashboard(self, object_id, body):
        dashboard = self._get(self.dashboards, object_id)
        self._closed(body, DASHBOARD_PUT_KEYS, "dashboard")
        body = json.loads(json.dumps(body))
        parameters = body.get("parameters", dashboard["parameters"])
        if "dashcards" in body:
            replacement = self._check_dashcards(dashboard["id"], body.pop("dashcards"), parameters)
            for dashcard_id in [key for key, item in self.dashcards.items() if item["dashboard_id"] == dashboard["id"]]:
                del self.dashcards[dashcard_id]
            for item in replacement:
                self.dashcards[item["id"]] = item
        dashboard.update(body)
        return self._public_dashboard(dashboard)

    def _check_dashcards(self, dashboard_id: int, dashcards: list, parameters: list) -> list[dict]:
        filter_ids = {item["id"] for item in parameters}
        accepted = []
        for item in dashcards:
            missing = DASHCARD_REQUIRED - set(item)
            if missing:
                raise RequestRejected(400, f"dashcard: missing keys {sorted(missing)}")
            if item["id"] >= 0:
                held = self.dashcards.get(item["id"])
                if held is None or held["dashboard_id"] != dashboard_id:
                    raise RequestRejected(404, f"dashcard {item['id']} is not on dashboard {dashboard_id}")
                dashcard_id = item["id"]
            else:
                dashcard_id = self.new_id()
            card = self.cards.get(item["card_id"])
            if card is None:
                raise RequestRejected(400, f"card {item['card_id']} does not exist")
            if item["col"] < 0 or item["col"] + item["size_x"] > GRID_COLUMNS:
                raise RequestRejected(400, f"dashcard {item['id']} does not fit the 24-column grid")
            tags = card["dataset_query"]["native"].get("template-tags") or {}
            for mapping in item.get("parameter_mappings") or []:
                if mapping.get("parameter_id") not in filter_ids:
                    raise RequestRejected(400, f"mapping to unknown dashboard filter {mapping.get('parameter_id')!r}")
                if mapping.get("card_id") != item["card_id"]:
                    raise RequestRejected(400, "a mapping's card_id must be the dashcard's card")
                target = mapping.get("target")
                if not (isinstance(target, list) and target[:1] == ["variable"]
                        and target[1][:1] == ["template-tag"] and target[1][1] in tags):
                    raise RequestRejected(400, f"mapping target {target!r} is not a template tag of the card")
            accepted.append({"dashboard_id": dashboard_id, "series": [], "visualization_settings": {},
                             "parameter_mappings": [], **item, "id": dashcard_id})
        return accepted

    # -- helpers --------------------------------------------------------------------------------

    @staticmethod
    def _get(table: dict, object_id):
        if object_id not in table:
            raise RequestRejected(404, "Not found.")
        return table[object_id]

    @staticmethod
    def _closed(body: dict, allowed: set[str], kind: str) -> None:
        unknown = set(body) - allowed
        if unknown:
            raise RequestRejected(400, f"{kind}: unknown keys {sorted(unknown)}")


def serve(state: MetabaseStandIn) -> ThreadingHTTPServer:
    """Start the stand-in on a free port of 127.0.0.1 in a daemon thread; return the server."""

    class Handler(BaseHTTPRequestHandler):
        def _respond(self, method: str) -> None:
            url = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            try:
                with state.lock:
                    status, payload = state.handle(method, url.path.rstrip("/"), parse_qs(url.query),
                                                   self.headers, body)
            except RequestRejected as exc:
                status, payload = exc.status, {"message": str(exc)}
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802 - http.server's naming
            self._respond("GET")

        def do_POST(self):  # noqa: N802
            self._respond("POST")

        def do_PUT(self):  # noqa: N802
            self._respond("PUT")

        def log_message(self, format, *args):  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
