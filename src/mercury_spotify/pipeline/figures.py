"""Figures for the import summary, computed with SQL over ``raw`` and ``dw``."""

from __future__ import annotations

from mercury_spotify.config import Settings
from mercury_spotify.sources.export.layouts import ACCOUNT_FORMATS, EXTENDED_FORMATS


def _in_list(values) -> str:
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


# The identity of an extended play (the same play seen twice is one play). A row value, because
# hashing it is about twice as fast as building one string per record.
_EXTENDED_IDENTITY = (
    "(listener_id, ts, ms_played, coalesce(track_uri, episode_uri, audiobook_chapter_uri, "
    "'name:' || coalesce(artist_name, '') || '|' || coalesce(track_name, '')))"
)


def run_record_counts(con, run_id: str, listener_id: str, threshold_ms: int) -> dict[str, int]:
    """Duplicates and not-counted records among the records a run landed.

    A duplicate is a record whose play was already known from the same kind of source: an
    extended record with the identity of an earlier one, or an account-data row beyond the
    largest count of that row in any one file imported before.
    """
    extended = _in_list(EXTENDED_FORMATS)
    account = _in_list(ACCOUNT_FORMATS)
    extended_duplicates = con.execute(f"""
        with this_run as (
            select {_EXTENDED_IDENTITY} as identity
            from raw.export_play where run_id = ? and format in {extended}
        ),
        before as (
            select distinct {_EXTENDED_IDENTITY} as identity
            from raw.export_play where run_id <> ? and listener_id = ? and format in {extended}
        )
        select count(*) - count(distinct case when b.identity is null then t.identity end)
        from this_run t left join before b on b.identity = t.identity
    """, [run_id, run_id, listener_id]).fetchone()[0]

    account_duplicates = con.execute(f"""
        with per_file as (
            select record_hash, file_sha256, run_id = ? as is_this_run, count(*) as copies
            from raw.export_play where listener_id = ? and format in {account}
            group by 1, 2, 3
        ),
        per_row as (
            select record_hash,
                   sum(case when is_this_run then copies else 0 end) as records_now,
                   max(case when is_this_run then copies else 0 end) as max_now,
                   max(case when is_this_run then 0 else copies end) as max_before
            from per_file group by 1
        )
        select coalesce(sum(records_now - greatest(max_now - max_before, 0)), 0) from per_row
        where records_now > 0
    """, [run_id, listener_id]).fetchone()[0]

    not_counted = con.execute("""
        select count(*) filter (where ms_played = 0),
               count(*) filter (where ms_played > 0 and ms_played < ?),
               count(*) filter (where incognito_mode)
        from raw.export_play where run_id = ?
    """, [threshold_ms, run_id]).fetchone()
    return {
        "duplicates": int(extended_duplicates) + int(account_duplicates),
        "zero_ms": int(not_counted[0]),
        "under_threshold": int(not_counted[1]),
        "incognito": int(not_counted[2]),
    }


def play_count(settings: Settings) -> int:
    """Rows in ``dw.fact_play`` (0 before the first build)."""
    if settings.backend == "postgres":
        from mercury_spotify.warehouse import postgres

        con = postgres.connect(settings.warehouse_url, application_name="mercury figures")
        try:
            exists = con.execute("select to_regclass('dw.fact_play') is not null").fetchone()[0]
            return con.execute("select count(*) from dw.fact_play").fetchone()[0] if exists else 0
        finally:
            con.close()

    from mercury_spotify.warehouse import duckdb_file

    path = settings.duckdb_path
    if not path.exists():
        return 0
    con = duckdb_file.connect(path, read_only=True)
    try:
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'dw' and table_name = 'fact_play'"
        ).fetchone()[0]
        return con.execute("select count(*) from dw.fact_play").fetchone()[0] if exists else 0
    finally:
        con.close()
