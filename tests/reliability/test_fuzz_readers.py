"""Fuzz the export readers: any input gives a landed row, a reasoned rejection or a clear error.

Hypothesis runs with a fixed seed and a fixed number of examples, so CI runs are repeatable.
"""

import json
import random
import uuid

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from mercury_spotify.config import load_settings
from mercury_spotify.errors import MercuryError
from mercury_spotify.pipeline.importer import import_paths
from mercury_spotify.sources.export.records import ACCOUNT_TEXT_FIELDS, EXTENDED_JSON_FIELDS, EXTENDED_TEXT_FIELDS
from tests.conftest import FIXTURES, query

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=30),
    st.sampled_from(["2024-01-01T10:00:00Z", "2024-13-01T10:00:00Z", "0001-01-01T00:00:00Z",
                     "9999-12-31T23:59:59Z", "spotify:track:0123456789abcdefghijkl", "true", "\u0000", "\ud7ff"]),
)
json_values = st.recursive(json_scalars, lambda children: st.lists(children, max_size=3)
                           | st.dictionaries(st.text(max_size=5), children, max_size=3), max_leaves=6)
extended_keys = st.sampled_from(EXTENDED_TEXT_FIELDS + EXTENDED_JSON_FIELDS + ("ip_addr", "extra"))
extended_records = st.dictionaries(extended_keys, json_values, max_size=12).map(
    lambda record: {"ts": "2024-01-01T10:00:00Z", "ms_played": 1000, **record})
account_records = st.dictionaries(st.sampled_from(ACCOUNT_TEXT_FIELDS + ("msPlayed",)), json_values, max_size=6).map(
    lambda record: {"endTime": "2024-01-01 10:00", "msPlayed": 1000, **record})


def check_import(tmp_path, name, records):
    home = tmp_path / f"home-{uuid.uuid4().hex}"
    path = tmp_path / name
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8", errors="surrogatepass")
    settings_ = load_settings(home=home)
    report = import_paths(settings_, [path], build=False)

    landed = query(settings_, "select count(*) from raw.export_play")[0][0]
    stored_rejections = query(settings_, "select count(*) from raw.rejected_record")[0][0]
    assert report.records == len(records), report.files_skipped
    assert landed + report.rejected == len(records)
    assert stored_rejections == report.rejected
    assert sum(report.rejected_by_reason.values()) == report.rejected


@seed(20261204)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(extended_records, min_size=1, max_size=6))
def test_extended_records_fuzz(tmp_path, records):
    check_import(tmp_path, "Streaming_History_Audio_2024.json", records)


@seed(20261205)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(account_records, min_size=1, max_size=6))
def test_account_records_fuzz(tmp_path, records):
    check_import(tmp_path, "StreamingHistory_music_0.json", records)


@pytest.mark.parametrize("fixture", ["extended_modern.json", "endsong_old.json", "StreamingHistory_music_0.json"])
def test_byte_mutations_never_crash(tmp_path, fixture):
    original = (FIXTURES / fixture).read_bytes()
    rng = random.Random(f"mutate:{fixture}")
    outcomes = {"imported": 0, "clear error": 0}
    for attempt in range(15):
        data = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            position = rng.randrange(len(data))
            data[position] = rng.choice([0, 0x22, 0x2C, 0x5B, 0x5D, 0x7B, 0x7D, 0xFF, rng.randrange(256)])
        home = tmp_path / f"home-{attempt}"
        path = tmp_path / f"m{attempt}" / fixture
        path.parent.mkdir()
        path.write_bytes(bytes(data))
        try:
            report = import_paths(load_settings(home=home), [path], build=False)
        except MercuryError as exc:
            assert fixture in str(exc) or "no Spotify listening history" in str(exc)
            outcomes["clear error"] += 1
            continue
        landed = query(load_settings(home=home), "select count(*) from raw.export_play")[0][0] if report.files_read else 0
        assert landed + report.rejected == report.records
        outcomes["imported"] += 1
    assert sum(outcomes.values()) == 15
