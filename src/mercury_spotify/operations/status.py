"""``mercury status``: the state of the warehouse in one read-only look.

The report is a list of sections. Each section has a ``collect`` function (a read-only warehouse
connection and the settings in, plain JSON-ready data out) and a ``render`` function (that data
in, text lines out). Other parts of Mercury add sections with ``register_section``. The Web API
sync, for instance, can add token age, gaps and the enrichment backlog without touching this file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from mercury_spotify.config import Settings
from mercury_spotify.i18n import N_, _, format_number, resolve_language
from mercury_spotify.warehouse.urls import mask_url

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StatusSection:
    """One part of the status report: its key in ``--json``, how to collect it and to show it."""

    name: str
    collect: Callable[[object, Settings], dict]
    render: Callable[[dict], list[str]]
    # True when ``collect`` also works with no warehouse (it is then called with ``None``).
    without_warehouse: bool = False


SECTIONS: list[StatusSection] = []


def register_section(section: StatusSection) -> None:
    """Add a section to every status report, after those already registered."""
    SECTIONS[:] = [existing for existing in SECTIONS if existing.name != section.name] + [section]


@contextlib.contextmanager
def read_connection(settings: Settings) -> Iterator[object]:
    """Open a short-lived read-only connection (DuckDB read-only, or a read-only PostgreSQL session)."""
    if settings.backend == "postgres":
        from mercury_spotify.warehouse import postgres

        con = postgres.connect(settings.warehouse_url, application_name="mercury status")
        try:
            con.execute("set default_transaction_read_only = on")
            yield con
        finally:
            con.close()
        return
    from mercury_spotify.warehouse import duckdb_file

    con = duckdb_file.connect(settings.duckdb_path, read_only=True)
    try:
        yield con
    finally:
        con.close()


def table_exists(con, name: str) -> bool:
    """True when ``schema.table`` exists on either backend."""
    schema, table = name.split(".")
    return con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()[0] > 0


def collect_status(settings: Settings) -> dict:
    """Collect every registered section into one JSON-ready dict."""
    status: dict = {"warehouse": {"backend": settings.backend, "url": mask_url(settings.warehouse_url)}}
    with read_connection(settings) as con:
        for section in SECTIONS:
            status[section.name] = section.collect(con, settings)
    return status


def collect_status_without_warehouse(settings: Settings) -> dict:
    """The sections that can speak without a warehouse (Web API tokens), before the first import."""
    status: dict = {"warehouse": {"backend": settings.backend, "url": mask_url(settings.warehouse_url)}}
    for section in SECTIONS:
        if section.without_warehouse:
            status[section.name] = section.collect(None, settings)
    return status


def render_status(status: dict) -> str:
    """Render the status report as text, one block per section."""
    lines = [_("Warehouse: {url}").format(url=status["warehouse"]["url"])]
    for section in SECTIONS:
        if status.get(section.name) is not None:
            lines.extend(section.render(status[section.name]))
    return "\n".join(lines)


def to_json(status: dict) -> str:
    """Render the status report as indented JSON, times in ISO 8601."""
    return json.dumps(status, indent=2, default=_json_value, ensure_ascii=False)


def _json_value(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def _number(value) -> str:
    return format_number(value or 0, resolve_language())


# Run counts shown in the text report, per kind of run; --json has them all.
RUN_COUNT_KEYS = {
    "import": ("files_read", "records", "new_plays", "rejected"),
    "build": ("models", "tests"),
    "backup": ("bytes",),
}
# Labels of those counts and of run states in the text report; --json keeps the stored keys.
COUNT_LABELS = {
    "files_read": N_("files read"),
    "records": N_("records"),
    "new_plays": N_("new plays"),
    "rejected": N_("rejected"),
    "models": N_("models"),
    "tests": N_("tests"),
    "failures": N_("failures"),
    "bytes": N_("bytes"),
}
RUN_STATE_LABELS = {
    "succeeded": N_("succeeded"),
    "failed": N_("failed"),
    "running": N_("running"),
}


def collect_runs(con, settings: Settings) -> dict:
    """Collect the latest run of each kind, and when each kind last succeeded."""
    if not table_exists(con, "raw.load_run"):
        return {}
    rows = con.execute("""
        select kind, run_id, status, started_at, finished_at, counts, error
        from raw.load_run
        order by started_at desc
    """).fetchall()
    runs: dict[str, dict] = {}
    for kind, run_id, status, started_at, finished_at, counts, error in rows:
        entry = runs.get(kind)
        if entry is None:
            try:
                parsed_counts = json.loads(counts) if counts else {}
            except ValueError:
                parsed_counts = {}
            entry = runs[kind] = {
                "run_id": run_id, "status": status, "started_at": _iso(started_at),
                "finished_at": _iso(finished_at), "counts": parsed_counts, "error": error,
                "last_succeeded_at": None,
            }
        if status == "succeeded" and entry["last_succeeded_at"] is None:
            entry["last_succeeded_at"] = _iso(finished_at)
    return runs


def render_runs(runs: dict) -> list[str]:
    lines = [_("Last runs:")]
    if not runs:
        lines.append("  " + _("none yet"))
    for kind, run in sorted(runs.items()):
        counts_text = []
        for key in RUN_COUNT_KEYS.get(kind, ()):
            if isinstance(run["counts"].get(key), int):
                counts_text.append(f"{_(COUNT_LABELS[key])} {_number(run['counts'][key])}")
        if kind == "build" and isinstance(run["counts"].get("failures"), list):
            counts_text.append(f"{_(COUNT_LABELS['failures'])} {_number(len(run['counts']['failures']))}")
        state = _(RUN_STATE_LABELS[run["status"]]) if run["status"] in RUN_STATE_LABELS else run["status"]
        line = f"  {kind:<8} {state:<10} {run['started_at']}"
        if counts_text:
            line += "  (" + ", ".join(counts_text) + ")"
        lines.append(line)
        if run["status"] != "succeeded":
            lines.append("    " + _("last success: {time}").format(time=run["last_succeeded_at"] or _("never")))
            if run["error"]:
                lines.append("    " + run["error"].splitlines()[0][:200])
    return lines


def collect_plays(con, settings: Settings) -> dict | None:
    """Count plays and streams, and find each listener's latest play (from the built star)."""
    if not (table_exists(con, "dw.fact_play") and table_exists(con, "dw.dim_listener")):
        return None
    plays, streams, ms_played = con.execute(
        "select count(*), count(case when is_stream then 1 end), coalesce(sum(ms_played), 0) from dw.fact_play"
    ).fetchone()
    latest = con.execute("""
        select l.listener_id, max(f.ended_at)
        from dw.fact_play as f
        inner join dw.dim_listener as l on l.listener_key = f.listener_key
        group by l.listener_id
        order by l.listener_id
    """).fetchall()
    return {
        "plays": int(plays),
        "streams": int(streams),
        "hours_played": round(float(ms_played) / 3_600_000, 1),
        "latest_play": {listener: _iso(ended_at) for listener, ended_at in latest},
    }


def render_plays(plays: dict) -> list[str]:
    lines = [_("Plays: {plays} ({streams} streams, {hours} hours played)").format(
        plays=_number(plays["plays"]), streams=_number(plays["streams"]),
        hours=format_number(plays["hours_played"], resolve_language(), decimals=1))]
    lines.append(_("Latest play per listener:"))
    for listener, ended_at in plays["latest_play"].items():
        lines.append(f"  {listener}: {ended_at}")
    return lines


def collect_rejected(con, settings: Settings) -> dict | None:
    """Count the rejected records kept in raw, in total and per reason."""
    if not table_exists(con, "raw.rejected_record"):
        return None
    rows = con.execute("select reason, count(*) from raw.rejected_record group by reason order by reason").fetchall()
    return {"total": sum(int(count) for _reason, count in rows),
            "by_reason": {reason: int(count) for reason, count in rows}}


def render_rejected(rejected: dict) -> list[str]:
    lines = [_("Rejected records: {count}").format(count=_number(rejected["total"]))]
    lines.extend(f"  {reason}: {_number(count)}" for reason, count in rejected["by_reason"].items())
    return lines


def collect_failing_tests(con, settings: Settings) -> dict | None:
    """List the dbt tests that failed in the last build run, from its counts in raw.load_run."""
    if not table_exists(con, "raw.load_run"):
        return None
    row = con.execute(
        "select run_id, counts from raw.load_run where kind = 'build' and finished_at is not null "
        "order by started_at desc limit 1"
    ).fetchone()
    if row is None:
        return {"build_run_id": None, "failures": []}
    try:
        counts = json.loads(row[1]) if row[1] else {}
    except ValueError:
        counts = {}
    return {"build_run_id": row[0], "failures": list(counts.get("failures") or [])}


def render_failing_tests(tests: dict) -> list[str]:
    if tests["build_run_id"] is None:
        return [_("Failing dbt tests: no build yet")]
    if not tests["failures"]:
        return [_("Failing dbt tests: none")]
    return [_("Failing dbt tests: {count}").format(count=len(tests["failures"]))] + [
        f"  {failure}" for failure in tests["failures"]]


for _section in (
    StatusSection("runs", collect_runs, render_runs),
    StatusSection("plays", collect_plays, render_plays),
    StatusSection("rejected", collect_rejected, render_rejected),
    StatusSection("failing_tests", collect_failing_tests, render_failing_tests),
):
    register_section(_section)
