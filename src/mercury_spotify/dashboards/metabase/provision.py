"""``mercury metabase provision``: Metabase's connection, collection, questions and dashboards.

Every step finds its object first and updates it in place; nothing is deleted. The warehouse
connection and the collection are found by name; questions and dashboards by the marker at the
end of their description, so a change of language or title renames them instead of adding more.
An object whose content already matches is left alone, so a second run sends no write at all.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from mercury_spotify.dashboards.catalog import DASHBOARDS, PARAMETERS
from mercury_spotify.dashboards.definition import Dashboard, Parameter
from mercury_spotify.dashboards.metabase import payloads
from mercury_spotify.dashboards.metabase.client import MetabaseClient, MetabaseError, listing
from mercury_spotify.i18n import N_, _, gettext_for

log = logging.getLogger(__name__)

DATABASE_NAME = "Mercury warehouse"
COLLECTION_NAME = "Mercury"


@dataclass(frozen=True)
class ProvisionOptions:
    """Provisioning target and credentials (passwords are never logged)."""

    admin_email: str
    admin_password: str
    reader_password: str
    lang: str = "en"
    warehouse_host: str = "warehouse"
    warehouse_port: int = 5432
    warehouse_database: str = "mercury"
    warehouse_user: str = "mercury_reader"
    site_name: str = "Mercury"
    update_connection: bool = False  # rewrite the connection even when its details match

    def __repr__(self) -> str:
        return f"ProvisionOptions(admin_email={self.admin_email!r}, lang={self.lang!r})"


@dataclass
class ProvisionReport:
    """Outcome of one run per object: ``created``, ``updated`` or ``unchanged``."""

    actions: list[tuple[str, str, str]] = field(default_factory=list)  # (action, kind, name)

    def add(self, action: str, kind: str, name: str) -> None:
        """Record one object's outcome and log it."""
        self.actions.append((action, kind, name))
        log.info("metabase %s %s: %s", kind, name, action)

    def count(self, action: str) -> int:
        """How many objects had ``action``."""
        return sum(1 for item in self.actions if item[0] == action)


def provision(client: MetabaseClient, options: ProvisionOptions,
              dashboards: tuple[Dashboard, ...] = DASHBOARDS,
              parameters: dict[str, Parameter] = PARAMETERS,
              today: dt.date | None = None) -> ProvisionReport:
    """Bring Metabase in line with the dashboard definition; return what changed."""
    today = today or dt.date.today()
    report = ProvisionReport()
    open_session(client, options, report)
    database_id = ensure_database(client, options, report)
    collection_id = ensure_collection(client, options, report)

    card_ids: dict[str, int] = {}
    existing_cards = listing(client.get(f"/api/collection/{collection_id}/items", models="card"))
    for dashboard in dashboards:
        for card in dashboard.cards:
            body = payloads.card_payload(card, database_id, collection_id, parameters, options.lang, today)
            card_ids[card.id] = _ensure_card(client, existing_cards, card.id, body, report)

    existing_dashboards = listing(client.get(f"/api/collection/{collection_id}/items", models="dashboard"))
    for dashboard in dashboards:
        _ensure_dashboard(client, existing_dashboards, dashboard, collection_id, card_ids, parameters,
                          options.lang, today, report)
    return report


def open_session(client: MetabaseClient, options: ProvisionOptions, report: ProvisionReport) -> None:
    """Run Metabase's first-run setup on a new server, else log in as the administrator."""
    properties = client.get("/api/session/properties")
    token = properties.get("setup-token")
    if token and not properties.get("has-user-setup"):
        response = client.post("/api/setup", {
            "token": token,
            "user": {
                "email": options.admin_email,
                "password": options.admin_password,
                "first_name": "Mercury",
                "last_name": "Admin",
                "site_name": options.site_name,
            },
            "prefs": {
                "site_name": options.site_name,
                "site_locale": "pt_BR" if options.lang == "pt-BR" else "en",
                "allow_tracking": False,
            },
        })
        client.session_id = response["id"]
        report.add("created", "administrator", options.admin_email)
        return
    response = client.post("/api/session", {"username": options.admin_email, "password": options.admin_password})
    client.session_id = response["id"]


def ensure_database(client: MetabaseClient, options: ProvisionOptions, report: ProvisionReport) -> int:
    """Create or update the warehouse connection, which reads ``dw`` as the read-only role."""
    details = {
        "host": options.warehouse_host,
        "port": options.warehouse_port,
        "dbname": options.warehouse_database,
        "user": options.warehouse_user,
        "ssl": False,
    }
    body = {"engine": "postgres", "name": DATABASE_NAME,
            "details": {**details, "password": options.reader_password}}
    for database in listing(client.get("/api/database")):
        if database.get("name") != DATABASE_NAME:
            continue
        current = database.get("details") or {}
        if database.get("engine") == "postgres" and all(current.get(key) == value for key, value in details.items()):
            # NOTE: Metabase never returns the stored password, so a changed reader password alone
            # is not detected; `update_connection` sends it anyway.
            if not options.update_connection:
                report.add("unchanged", "database", DATABASE_NAME)
                return database["id"]
        client.put(f"/api/database/{database['id']}", body)
        report.add("updated", "database", DATABASE_NAME)
        return database["id"]
    created = client.post("/api/database", body)
    report.add("created", "database", DATABASE_NAME)
    return created["id"]


def ensure_collection(client: MetabaseClient, options: ProvisionOptions, report: ProvisionReport) -> int:
    """Create the "Mercury" collection at the root unless it exists."""
    description = gettext_for(options.lang)(N_("Questions and dashboards created by Mercury from its "
                                                "dashboard definition."))
    for collection in listing(client.get("/api/collection")):
        if (collection.get("name") == COLLECTION_NAME and not collection.get("archived")
                and collection.get("personal_owner_id") is None and isinstance(collection.get("id"), int)):
            report.add("unchanged", "collection", COLLECTION_NAME)
            return collection["id"]
    created = client.post("/api/collection", {"name": COLLECTION_NAME, "description": description,
                                              "parent_id": None})
    report.add("created", "collection", COLLECTION_NAME)
    return created["id"]


def find_item(client: MetabaseClient, items: list[dict], kind: str, object_id: str, name: str) -> dict | None:
    """The collection item with the marker of ``kind``/``object_id``, else one named ``name`` without any marker.

    Listings that leave out descriptions are completed with one GET per item.
    """
    for item in items:
        if "description" not in item:
            item["description"] = client.get(f"/api/{kind}/{item['id']}").get("description")
    for item in items:
        if payloads.has_marker(item, kind, object_id):
            return item
    for item in items:
        if item.get("name") == name and payloads.MARKER_PREFIX not in (item.get("description") or ""):
            return item
    return None


def _ensure_card(client: MetabaseClient, existing: list[dict], card_id: str, body: dict,
                 report: ProvisionReport) -> int:
    item = find_item(client, existing, "card", card_id, body["name"])
    if item is not None:
        current = client.get(f"/api/card/{item['id']}")
        if _differs(current, body):
            client.put(f"/api/card/{item['id']}", body)
            report.add("updated", "card", card_id)
        else:
            report.add("unchanged", "card", card_id)
        return item["id"]
    created = client.post("/api/card", body)
    report.add("created", "card", card_id)
    return created["id"]


def _ensure_dashboard(client: MetabaseClient, existing: list[dict], dashboard: Dashboard, collection_id: int,
                      card_ids: dict[str, int], parameters: dict[str, Parameter], lang: str, today: dt.date,
                      report: ProvisionReport) -> None:
    name = dashboard.title.get(lang)
    description = payloads.with_marker(dashboard.description.get(lang), "dashboard", dashboard.id)
    found = find_item(client, existing, "dashboard", dashboard.id, name)

    if found is None:
        defaults = {payloads.filter_id(dashboard.id, key): payloads.default_value(parameters[key], today)
                    for key in dashboard.parameters}
        created = client.post("/api/dashboard", {
            "name": name,
            "description": description,
            "collection_id": collection_id,
            "parameters": payloads.dashboard_filters(dashboard, parameters, lang, defaults),
        })
        dashboard_id, action = created["id"], "created"
    else:
        dashboard_id, action = found["id"], "updated"

    # GET, modify, PUT: the PUT replaces the whole list of dashcards.
    current = client.get(f"/api/dashboard/{dashboard_id}")
    kept_defaults = {item["id"]: item.get("default") for item in current.get("parameters") or []}
    defaults = {}
    for key in dashboard.parameters:
        identifier = payloads.filter_id(dashboard.id, key)
        defaults[identifier] = kept_defaults.get(identifier) or payloads.default_value(parameters[key], today)
    body = {
        "name": name,
        "description": description,
        "collection_id": collection_id,
        "parameters": payloads.dashboard_filters(dashboard, parameters, lang, defaults),
        "dashcards": payloads.dashcards(dashboard, card_ids, current.get("dashcards") or []),
    }
    if action == "created" or _differs(current, body):
        client.put(f"/api/dashboard/{dashboard_id}", body)
        report.add(action, "dashboard", dashboard.id)
    else:
        report.add("unchanged", "dashboard", dashboard.id)


_DASHCARD_KEYS = ("card_id", "row", "col", "size_x", "size_y", "parameter_mappings")


def _differs(current: dict, desired: dict) -> bool:
    """True when any field of ``desired`` differs from what Metabase stores now."""
    for key, value in desired.items():
        if key == "dashcards":
            held = [{name: item.get(name) for name in _DASHCARD_KEYS} for item in current.get("dashcards") or []]
            wanted = [{name: item.get(name) for name in _DASHCARD_KEYS} for item in value]
            if _by_position(held) != _by_position(wanted):
                return True
        elif key == "parameters":
            if _normalized_parameters(current.get(key)) != _normalized_parameters(value):
                return True
        elif current.get(key) != value:
            return True
    return False


def _by_position(items: list[dict]) -> list[dict]:
    return sorted(items, key=lambda item: (item["row"] or 0, item["col"] or 0, item["card_id"] or 0))


def _normalized_parameters(items: list[dict] | None) -> list[dict]:
    keys = ("id", "name", "slug", "type", "default", "target")
    return [{key: item.get(key) for key in keys} for item in items or []]


def check_options(options: ProvisionOptions) -> None:
    """Raise MetabaseError when a password the provisioner needs is empty."""
    if not options.admin_password:
        raise MetabaseError(_("the Metabase administrator's password is missing: set METABASE_ADMIN_PASSWORD"))
    if not options.reader_password:
        raise MetabaseError(_("the mercury_reader password is missing: set MERCURY_READER_PASSWORD"))
