"""Every card gives the same rows on PostgreSQL as on DuckDB, from the same fixture warehouse.

The server is ``MERCURY_TEST_POSTGRES_URL`` when set, else the CI server that ``.ci/run`` starts:
user ``postgres`` on 127.0.0.1:5432 without a password. The user must be allowed to create
databases; the tests skip when the server cannot be reached that way.
"""

from __future__ import annotations

import datetime as dt
import math
import os

import pandas as pd
import psycopg
import pytest

from mercury_spotify.dashboards.catalog import DATA_BOUNDS_SQL, all_cards
from mercury_spotify.dashboards.reader import Reader, WarehouseTarget
from tests.dashboards.postgres_copy import create_copy, drop_copy

ADMIN_URL = os.environ.get("MERCURY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _server_reachable() -> str | None:
    """None when ADMIN_URL accepts a connection, else the reason it does not."""
    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=5):
            return None
    except psycopg.Error as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


_UNREACHABLE = _server_reachable()

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(_UNREACHABLE is not None,
                       reason=f"no PostgreSQL at {ADMIN_URL.split('@')[-1]} ({_UNREACHABLE}); "
                              "set MERCURY_TEST_POSTGRES_URL"),
]

VALUE_SETS = [
    {"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 12, 31), "day": dt.date(2026, 3, 10),
     "listener": "ana", "include_incognito": 0},
    {"start_date": dt.date(2026, 3, 9), "end_date": dt.date(2026, 3, 10), "day": dt.date(2026, 3, 9),
     "listener": "", "include_incognito": 1},
]

# Cards whose values depend on the database engine rather than the data.
ENGINE_SPECIFIC = {"database_size"}


@pytest.fixture(scope="module")
def readers(fixture_settings):
    name, url = create_copy(ADMIN_URL, fixture_settings.duckdb_path)
    try:
        yield (Reader(WarehouseTarget.from_settings(fixture_settings), cache_seconds=0),
               Reader(WarehouseTarget("postgres", postgres_url=url), cache_seconds=0))
    finally:
        drop_copy(ADMIN_URL, name)


def normalized(frame: pd.DataFrame) -> list[tuple]:
    """Rows with the same Python types from either driver: dates, UTC instants, rounded floats."""
    result = []
    for row in frame.itertuples(index=False):
        values = []
        for value in row:
            if isinstance(value, pd.Timestamp):
                value = value.to_pydatetime()
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                value = value.astimezone(dt.timezone.utc)
            if isinstance(value, float):
                value = None if math.isnan(value) else round(value, 9)
            values.append(value)
        result.append(tuple(values))
    return result


@pytest.mark.parametrize("values", VALUE_SETS, ids=["ana", "everyone-incognito"])
@pytest.mark.parametrize("card", [card for card in all_cards() if card.id not in ENGINE_SPECIFIC],
                         ids=lambda card: card.id)
def test_card_same_on_both(readers, card, values):
    duck, postgres = readers
    expected = normalized(duck.run_card(card, values))
    actual = normalized(postgres.run_card(card, values))
    assert actual == expected


def test_database_size_on_postgres(readers):
    _, postgres = readers
    [card] = [card for card in all_cards() if card.id == "database_size"]
    assert postgres.run_card(card, {}).iloc[0]["size_bytes"] > 0


def test_data_bounds_same_on_both(readers):
    duck, postgres = readers
    values = {"listener": "ana", "include_incognito": 0}
    assert normalized(postgres.run_sql(DATA_BOUNDS_SQL, values)) == normalized(duck.run_sql(DATA_BOUNDS_SQL, values))
