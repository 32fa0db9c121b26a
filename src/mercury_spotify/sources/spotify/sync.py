"""``mercury sync``: poll every authorized listener, enrich metadata, then build the warehouse.

Each listener's poll is one ``sync`` run in ``raw.load_run`` and enrichment is one ``enrich``
run. A long Retry-After stops all Spotify calls of the run. The run's counts keep the instant
until which Spotify asked Mercury to wait (``rate_limited_until``), and later runs make no
Spotify call before it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from mercury_spotify.config import Settings
from mercury_spotify.errors import (
    ConfigError,
    ReauthorizationNeededError,
    SpotifyError,
    SpotifyRateLimitedError,
)
from mercury_spotify.i18n import _
from mercury_spotify.operations.run_lock import run_lock_for
from mercury_spotify.sources.spotify import recently_played, token_store
from mercury_spotify.sources.spotify.api import SpotifyApi
from mercury_spotify.sources.spotify.client import HttpClient
from mercury_spotify.sources.spotify.enrichment import DEFAULT_MAX_REQUESTS, Enricher, EnrichmentResult
from mercury_spotify.warehouse import runs
from mercury_spotify.warehouse.store import open_writer

log = logging.getLogger(__name__)

OK = "ok"
REAUTHORIZATION_NEEDED = "reauthorization_needed"
RATE_LIMITED = "rate_limited"
FAILED = "failed"
SKIPPED = "skipped"


@dataclass
class ListenerSync:
    """The outcome of polling one listener."""

    listener_id: str
    outcome: str
    new_plays: int = 0
    possible_gap: dict | None = None
    message: str | None = None


@dataclass
class SyncReport:
    """Everything ``mercury sync`` prints."""

    listeners: list[ListenerSync] = field(default_factory=list)
    enrichment: EnrichmentResult | None = None
    enrichment_message: str | None = None
    rate_limited_until: dt.datetime | None = None
    skipped_until: dt.datetime | None = None
    build_models: int = 0
    build_failures: list[str] = field(default_factory=list)
    built: bool = False

    @property
    def ok(self) -> bool:
        """True when every listener, the enrichment and the build succeeded."""
        return (all(item.outcome in (OK, SKIPPED) for item in self.listeners)
                and self.enrichment_message is None and self.rate_limited_until is None
                and not self.build_failures)


def wait_requested_until(con) -> dt.datetime | None:
    """Return the latest ``rate_limited_until`` recorded by a sync or enrich run."""
    rows = con.execute(
        "select counts from raw.load_run where kind in ('sync', 'enrich') "
        "and counts like '%rate_limited_until%' order by started_at desc limit 1").fetchall()
    for (counts,) in rows:
        value = json.loads(counts or "{}").get("rate_limited_until")
        if value:
            return dt.datetime.fromisoformat(value)
    return None


def _rate_limit_end(exc: SpotifyRateLimitedError, now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(seconds=exc.retry_after_seconds)


def sync(settings: Settings, listeners: list[str] | None = None,
         max_requests: int = DEFAULT_MAX_REQUESTS, build: bool = True,
         lookback: dt.timedelta = recently_played.DEFAULT_LOOKBACK,
         http: HttpClient | None = None,
         now: Callable[[], dt.datetime] = runs.utc_now,
         sleep: Callable[[float], None] = time.sleep) -> SyncReport:
    """Poll, enrich and build for the given listeners (default: every authorized one)."""
    from mercury_spotify.sources.spotify.auth import require_client_id

    require_client_id(settings)
    names = listeners or token_store.listeners(settings.home)
    if not names:
        raise ConfigError(_("no listener has authorized Mercury yet; run 'mercury auth' first"))
    report = SyncReport()
    own_client = http is None
    http = http or HttpClient(sleep=sleep, clock=now)
    try:
        with run_lock_for(settings, "sync"):
            with open_writer(settings) as store:
                runs.mark_abandoned_runs(store.con)
                waiting_until = wait_requested_until(store.con)
                if waiting_until is not None and now() < waiting_until:
                    report.skipped_until = waiting_until
                    log.warning("Spotify asked Mercury to wait until %s; no call made",
                                waiting_until.isoformat())
                    return report
                usable = _poll_listeners(settings, store, names, http, now, lookback, report)
                if usable is not None and report.rate_limited_until is None and max_requests > 0:
                    _enrich(settings, store, usable, http, now, max_requests, report)
            if build and any(item.outcome == OK for item in report.listeners):
                from mercury_spotify.transform.build import build_warehouse

                result = build_warehouse(settings, locked=True)
                report.built = True
                report.build_models = result.models
                report.build_failures = result.failures
    finally:
        if own_client:
            http.close()
    return report


def _poll_listeners(settings: Settings, store, names: list[str], http: HttpClient,
                    now: Callable[[], dt.datetime], lookback: dt.timedelta,
                    report: SyncReport) -> SpotifyApi | None:
    """Poll each listener; return an API handle usable for enrichment, if any listener has one."""
    usable: SpotifyApi | None = None
    for name in names:
        tokens = token_store.load(settings.home, name)
        if tokens is None:
            report.listeners.append(ListenerSync(name, FAILED, message=_(
                "listener {listener} has not authorized Mercury; run 'mercury auth --listener "
                "{listener}'").format(listener=name)))
            continue
        if tokens.reauthorization_needed:
            report.listeners.append(ListenerSync(name, REAUTHORIZATION_NEEDED,
                                                 message=str(_reauthorization_error(name))))
            log.warning("listener %s needs re-authorization; not polled", name)
            continue
        if report.rate_limited_until is not None:
            report.listeners.append(ListenerSync(name, SKIPPED))
            continue

        run_id = runs.start_run(store.con, "sync", name)
        store.ensure_listener(name, run_id)
        store.add_listener_alias(name, tokens.spotify_user_id, run_id, source="spotify_user_id")
        api = SpotifyApi(http, settings, tokens, now)
        try:
            result = recently_played.poll(api, store.con, run_id, now(), lookback)
        except ReauthorizationNeededError as exc:
            runs.finish_run(store.con, run_id, runs.FAILED, error=str(exc))
            report.listeners.append(ListenerSync(name, REAUTHORIZATION_NEEDED, message=str(exc)))
            continue
        except SpotifyRateLimitedError as exc:
            until = _rate_limit_end(exc, now())
            report.rate_limited_until = until
            runs.finish_run(store.con, run_id, runs.PARTIAL,
                            counts={"rate_limited_until": until.isoformat()}, error=str(exc))
            report.listeners.append(ListenerSync(name, RATE_LIMITED, message=str(exc)))
            continue
        except SpotifyError as exc:
            runs.finish_run(store.con, run_id, runs.FAILED, error=str(exc))
            report.listeners.append(ListenerSync(name, FAILED, message=str(exc)))
            continue
        runs.finish_run(store.con, run_id, runs.SUCCEEDED, counts=result.as_counts())
        report.listeners.append(ListenerSync(name, OK, result.new_plays, result.possible_gap))
        usable = usable or api
    return usable


def _reauthorization_error(name: str) -> ReauthorizationNeededError:
    from mercury_spotify.sources.spotify.auth import reauthorization_needed

    return reauthorization_needed(name)


def _enrich(settings: Settings, store, api: SpotifyApi, http: HttpClient,
            now: Callable[[], dt.datetime], max_requests: int, report: SyncReport) -> None:
    run_id = runs.start_run(store.con, "enrich", api.listener_id)
    enricher = Enricher(api, store.con, run_id, max_requests, now)
    try:
        result = enricher.run()
    except SpotifyRateLimitedError as exc:
        until = _rate_limit_end(exc, now())
        report.rate_limited_until = until
        report.enrichment = enricher.result
        counts = {**enricher.result.as_counts(), "rate_limited_until": until.isoformat()}
        runs.finish_run(store.con, run_id, runs.PARTIAL, counts=counts, error=str(exc))
        return
    except SpotifyError as exc:
        report.enrichment = enricher.result
        report.enrichment_message = str(exc)
        runs.finish_run(store.con, run_id, runs.PARTIAL, counts=enricher.result.as_counts(), error=str(exc))
        return
    report.enrichment = result
    runs.finish_run(store.con, run_id, runs.SUCCEEDED, counts=result.as_counts())
