"""The whole flow: auth, sync, import of an overlapping export, sync again; no token in any log."""

from __future__ import annotations

import datetime as dt
import logging
import stat

import pytest
from click.testing import CliRunner

from mercury_spotify.cli import main
from mercury_spotify.pipeline.importer import import_paths
from mercury_spotify.sources.spotify import token_store
from mercury_spotify.sources.spotify.status import spotify_status
from mercury_spotify.sources.spotify.sync import sync
from mercury_spotify.warehouse import duckdb_file
from tests.spotify.catalogue import add_catalogue
from tests.spotify.conftest import (
    START,
    USER_ID,
    Clock,
    authorize_listener,
    make_http_client,
    make_settings,
    start_stand_in,
)
from tests.spotify.exports import extended_record, write_export


def query(settings, sql: str) -> list[tuple]:
    con = duckdb_file.connect(settings.duckdb_path, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


class LogCollector(logging.Handler):
    """Keeps every formatted log line of every logger."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    """Run auth → sync → (60 plays, 50 visible) sync → import → (late and new plays) sync."""
    tmp_path = tmp_path_factory.mktemp("acceptance")
    stand_in = start_stand_in()
    clock = Clock(START)
    http_client = make_http_client(clock)
    settings = make_settings(tmp_path / "home", stand_in)
    collector = LogCollector()
    root = logging.getLogger()
    saved_level = root.level
    root.addHandler(collector)
    root.setLevel(logging.DEBUG)
    try:
        result = _run_flow(settings, stand_in, http_client, clock, tmp_path)
    finally:
        root.removeHandler(collector)
        root.setLevel(saved_level)
        http_client.close()
        stand_in.stop()
    result.update(settings=settings, clock=clock, secrets=stand_in.issued_secrets, logs="\n".join(collector.lines))
    return result


def _run_flow(settings, stand_in, http_client, clock, tmp_path) -> dict:
    stand_in.history_limit = 50
    stand_in.rotate_refresh_tokens = True
    tracks = add_catalogue(stand_in)
    played: list[tuple[dt.datetime, object]] = []

    def listen(instant: dt.datetime, track) -> None:
        stand_in.add_play(USER_ID, instant, track.track_id)
        played.append((instant, track))

    clock.now = START
    authorize_listener(settings, http_client, clock)
    for number in range(10):
        listen(START + dt.timedelta(minutes=4 * number), tracks[number % 12])
    clock.now = START + dt.timedelta(minutes=41)
    first = sync(settings, http=http_client, now=clock, sleep=clock.sleep)

    second_start = START + dt.timedelta(hours=8)
    for number in range(60):
        listen(second_start + dt.timedelta(minutes=4 * number), tracks[(number + 3) % 12])
    clock.now = second_start + dt.timedelta(minutes=241)
    second = sync(settings, http=http_client, now=clock, sleep=clock.sleep)

    records = [extended_record(instant, track.duration_ms, track.track_id, track.name, track.artist, track.album)
               for instant, track in played]
    imported = import_paths(settings, [write_export(tmp_path / "export", records)])

    newest = played[-1][0]
    late_track = tracks[11]
    stand_in.add_play(USER_ID, newest - dt.timedelta(minutes=2), late_track.track_id)
    for number in range(5):
        stand_in.add_play(USER_ID, newest + dt.timedelta(minutes=4 * (number + 1)), tracks[number].track_id)
    clock.now = newest + dt.timedelta(minutes=25)
    third = sync(settings, http=http_client, now=clock, sleep=clock.sleep)
    return {"first": first, "second": second, "imported": imported, "third": third, "tracks": tracks}


def test_flow_gives_expected_plays(flow):
    settings = flow["settings"]
    assert [item.new_plays for item in (flow["first"].listeners + flow["second"].listeners
                                        + flow["third"].listeners)] == [10, 50, 6]
    assert flow["imported"].new_plays == 10
    assert flow["imported"].build_failures == []
    assert flow["third"].build_failures == []
    assert query(settings, "select source, count(*) from dw.fact_play group by 1 order by 1") == [
        ("api", 6), ("extended", 70)]
    assert query(settings, "select count(*) from dw.fact_play where in_api and in_extended") == [(60,)]
    assert query(settings, "select count(*) from dw.fact_play where ms_played_estimated") == [(6,)]


def test_flow_flags_and_fills_gap(flow):
    gap = flow["second"].listeners[0].possible_gap
    assert gap is not None
    status = spotify_status(flow["settings"], flow["clock"]())
    assert len(status.gaps) == 1
    assert status.gaps[0].filled_by_export


def test_flow_fills_dimensions(flow):
    settings = flow["settings"]
    assert query(settings, "select count(*), count(duration_ms), count(isrc), count(album_key) "
                           "from dw.dim_track") == [(12, 12, 12, 12)]
    assert query(settings, "select count(*), count(release_date), min(release_year) from dw.dim_album") == [
        (4, 4, 1970)]
    assert query(settings, "select artist_name, artist_uri is not null, genres from dw.dim_artist "
                           "order by 1") == [("Elis Regina", True, "mpb, bossa nova"), ("Tom Jobim", True, None)]
    assert query(settings, "select artist_position, count(*) from dw.bridge_track_artist "
                           "group by 1 order by 1") == [(0, 12), (1, 6)]


def test_flow_keeps_token_file_private(flow):
    path = token_store.token_path(flow["settings"].home, "me")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_flow_logs_no_token(flow, monkeypatch):
    settings = flow["settings"]
    monkeypatch.setenv("MERCURY_TIMEZONE", "UTC")
    status = CliRunner().invoke(main, ["--home", str(settings.home), "--verbose", "status"])
    secrets = flow["secrets"]
    # One code and its verifier, then an access and a refresh token from each grant.
    assert len(secrets) >= 6
    texts = {"captured log": flow["logs"], "status output": status.output}
    for path in (settings.home / "dbt" / "logs").rglob("*"):
        if path.is_file():
            texts[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    texts["run log"] = repr(query(settings, "select * from raw.load_run"))
    warehouse_bytes = settings.duckdb_path.read_bytes()

    assert "listener me: 50 items" in flow["logs"]
    assert "GET /v1/me/player/recently-played returned HTTP 200 for listener me" in flow["logs"]
    for secret in secrets:
        for name, text in texts.items():
            assert secret not in text, f"a token or code appears in the {name}"
        assert secret.encode() not in warehouse_bytes
    assert "Possible gap" in status.output
