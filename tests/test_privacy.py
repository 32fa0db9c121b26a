"""No IP address or user agent from an export reaches the warehouse."""

import duckdb

from mercury_spotify.pipeline.importer import import_paths
from tests.conftest import FIXTURES, query
from tests.helpers import extended, write

IP = "192.0.2.77"
OLD_IP = "192.0.2.55"
USER_AGENT = "TestAgent-7f3a"


def all_text_values(settings) -> list[str]:
    columns = query(settings, """
        select table_schema, table_name, column_name from information_schema.columns
        where data_type = 'VARCHAR' and table_schema in ('raw', 'staging', 'dw')""")
    values = []
    for schema, table, column in columns:
        values += [value for (value,) in query(settings, f'select "{column}" from {schema}.{table}') if value]
    return values


def test_no_ip_or_user_agent_in_database(duckdb_settings, tmp_path):
    settings = duckdb_settings
    # A rejected record keeps its text, so make one to prove that text is cleaned too.
    bad = write(tmp_path / "Streaming_History_Audio_2025.json",
                [extended("2025-01-01T10:00:00Z", ms_played=-1, ip_addr=IP)])
    import_paths(settings, [FIXTURES / "extended_modern.json", FIXTURES / "endsong_old.json", bad])

    values = all_text_values(settings)
    assert values, "the warehouse should hold text"
    for value in values:
        assert IP not in value, value
        assert OLD_IP not in value, value
        assert USER_AGENT not in value, value

    con = duckdb.connect(str(settings.duckdb_path))
    con.execute("checkpoint")
    con.close()
    data = settings.duckdb_path.read_bytes()
    for needle in (IP, OLD_IP, USER_AGENT):
        assert needle.encode() not in data
    # The fixtures hold these values, so the check above is not vacuous.
    source = (FIXTURES / "endsong_old.json").read_text(encoding="utf-8")
    assert OLD_IP in source and USER_AGENT in source
