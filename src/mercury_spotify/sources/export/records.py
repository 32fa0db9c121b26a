"""Turn export records into typed, validated rows, inside DuckDB.

DuckDB's ``read_json`` reads each file (about 0.5 M records/s here); the SQL built below types
every field and gives each record either a clean row or a ``reject_reason``. Fields where a wrong
JSON type must be caught (numbers and booleans) are read as raw ``JSON`` text, because a typed read
would silently turn ``"true"`` into true and ``-1.5`` into -2. Personal fields of the export
(``ip_addr``, ``ip_addr_decrypted``, ``user_agent_decrypted``) are never read.
"""

from __future__ import annotations

from mercury_spotify.sources.export.layouts import ACCOUNT_FORMATS

# Fields Spotify puts in extended history that Mercury never reads or stores.
PERSONAL_FIELDS = ("ip_addr", "ip_addr_decrypted", "user_agent_decrypted")

EXTENDED_TEXT_FIELDS = (
    "ts",
    "username",
    "platform",
    "conn_country",
    "master_metadata_track_name",
    "master_metadata_album_artist_name",
    "master_metadata_album_album_name",
    "spotify_track_uri",
    "episode_name",
    "episode_show_name",
    "spotify_episode_uri",
    "audiobook_title",
    "audiobook_uri",
    "audiobook_chapter_uri",
    "audiobook_chapter_title",
    "reason_start",
    "reason_end",
)
EXTENDED_JSON_FIELDS = ("ms_played", "shuffle", "skipped", "offline", "offline_timestamp", "incognito_mode")

ACCOUNT_TEXT_FIELDS = (
    "endTime",
    "artistName",
    "trackName",
    "podcastName",
    "episodeName",
    "audiobookName",
    "chapterName",
    "authorName",
)
ACCOUNT_JSON_FIELDS = ("msPlayed",)

# The columns every validated row has, in the order of raw.export_play's content columns.
ROW_COLUMNS = (
    "ts",
    "ms_played",
    "track_uri",
    "track_name",
    "artist_name",
    "album_name",
    "episode_uri",
    "episode_name",
    "show_name",
    "audiobook_uri",
    "audiobook_title",
    "audiobook_chapter_uri",
    "audiobook_chapter_title",
    "platform",
    "conn_country",
    "reason_start",
    "reason_end",
    "shuffle",
    "skipped",
    "offline",
    "offline_timestamp",
    "incognito_mode",
)

# A ms_played above this (100 days) is not a playback; it is a damaged record.
MAX_MS_PLAYED = 8_640_000_000
# Spotify launched in 2006; a ts before that, or more than a day ahead, is damaged.
EARLIEST_TS = "2006-01-01"

URI_PATTERNS = {
    "spotify_track_uri": "spotify:track:[0-9A-Za-z]{22}",
    "spotify_episode_uri": "spotify:episode:[0-9A-Za-z]{22}",
    "audiobook_uri": "spotify:(audiobook|show):[0-9A-Za-z]{22}",
    "audiobook_chapter_uri": "spotify:(chapter|episode):[0-9A-Za-z]{22}",
}


def fields_for(format_name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the (text, JSON) fields read for a format."""
    if format_name in ACCOUNT_FORMATS:
        return ACCOUNT_TEXT_FIELDS, ACCOUNT_JSON_FIELDS
    return EXTENDED_TEXT_FIELDS, EXTENDED_JSON_FIELDS


def read_json_columns(format_name: str) -> str:
    """Return the ``columns={...}`` struct literal for ``read_json`` of a format."""
    text_fields, json_fields = fields_for(format_name)
    entries = [f"'{name}': 'VARCHAR'" for name in text_fields]
    entries += [f"'{name}': 'JSON'" for name in json_fields]
    return "{" + ", ".join(entries) + "}"


def fast_source_sql(file_list_sql: str, format_name: str) -> str:
    """Return SQL for the rows of ``read_json`` over the files, with each file's list position.

    The query has no per-file record number, because ``with ordinality`` makes DuckDB number
    rows in one thread and so read on one core. The caller keeps insertion order instead and
    numbers records by the landing table's row ids (see ``export_landing``).
    """
    return f"""
        select file_index, 'OBJECT' as element_type, *
        from read_json({file_list_sql}, format = 'array',
                       columns = {read_json_columns(format_name)})
    """


def tolerant_source_sql(file_sql: str, format_name: str) -> str:
    """The same columns as ``fast_source_sql`` for a file whose array contains non-objects.

    Each element is read whole, so a number or string among the records becomes a rejected
    record instead of failing the file.
    """
    text_fields, json_fields = fields_for(format_name)
    columns = [f"json_extract_string(json, '$.\"{name}\"') as \"{name}\"" for name in text_fields]
    columns += [f"json_extract(json, '$.\"{name}\"') as \"{name}\"" for name in json_fields]
    return f"""
        select 0 as file_index, json_type(json) as element_type,
            {", ".join(columns)}
        from read_json({file_sql}, format = 'array', records = false)
    """


def _json_boolean(field: str) -> str:
    return (
        f"case \"{field}\"::varchar when 'true' then true when 'false' then false end"
    )


def _json_integer(field: str) -> str:
    return f"case when regexp_full_match(\"{field}\"::varchar, '-?[0-9]{{1,18}}') then \"{field}\"::varchar::bigint end"


def _is_json_null(field: str) -> str:
    return f"(\"{field}\" is null or \"{field}\"::varchar = 'null')"


def validated_rows_sql(source_sql: str, format_name: str) -> str:
    """Typed rows plus ``reject_reason`` (null for a good record) for each record of the source."""
    if format_name in ACCOUNT_FORMATS:
        return _account_rows_sql(source_sql)
    return _extended_rows_sql(source_sql)


def _extended_rows_sql(source_sql: str) -> str:
    boolean_checks = "\n".join(
        f"            when not {_is_json_null(name)} and \"{name}\"::varchar not in ('true', 'false') "
        f"then '{name}_not_boolean'"
        for name in ("shuffle", "skipped", "offline", "incognito_mode")
    )
    uri_checks = "\n".join(
        f"            when \"{name}\" is not null and not regexp_full_match(\"{name}\", '{pattern}') "
        f"then '{name}_malformed'"
        for name, pattern in URI_PATTERNS.items()
    )
    return f"""
        with source as ({source_sql}),

        typed as (
            select
                file_index,
                element_type,
                "username",
                "ts" as ts_text,
                "ms_played"::varchar as ms_played_text,
                "offline_timestamp"::varchar as offline_timestamp_text,
                {_is_json_null('offline_timestamp')} as offline_timestamp_is_null,
                {_is_json_null('ms_played')} as ms_played_is_null,
                "shuffle", "skipped", "offline", "incognito_mode",
                "spotify_track_uri", "spotify_episode_uri", "audiobook_uri", "audiobook_chapter_uri",
                case when regexp_full_match("ts", '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}(\\.[0-9]+)?Z')
                     then try_cast("ts" as timestamptz) end as ts,
                {_json_integer('ms_played')} as ms_played,
                "spotify_track_uri" as track_uri,
                "master_metadata_track_name" as track_name,
                "master_metadata_album_artist_name" as artist_name,
                "master_metadata_album_album_name" as album_name,
                "spotify_episode_uri" as episode_uri,
                "episode_name",
                "episode_show_name" as show_name,
                "audiobook_uri",
                "audiobook_title",
                "audiobook_chapter_uri",
                "audiobook_chapter_title",
                "platform",
                "conn_country",
                "reason_start",
                "reason_end",
                {_json_boolean('shuffle')} as shuffle_value,
                {_json_boolean('skipped')} as skipped_value,
                {_json_boolean('offline')} as offline_value,
                {_json_integer('offline_timestamp')} as offline_timestamp,
                {_json_boolean('incognito_mode')} as incognito_value
            from source
        )

        select
            file_index,
            username,
            ts,
            ms_played,
            track_uri, track_name, artist_name, album_name,
            episode_uri, episode_name, show_name,
            audiobook_uri, audiobook_title, audiobook_chapter_uri, audiobook_chapter_title,
            platform, conn_country, reason_start, reason_end,
            shuffle_value as shuffle,
            skipped_value as skipped,
            offline_value as offline,
            offline_timestamp,
            incognito_value as incognito_mode,
            case
            when coalesce(element_type, 'NULL') <> 'OBJECT' then 'record_not_object'
            when ts_text is null then 'ts_missing'
            when ts is null then 'ts_not_timestamp'
            when ts < timestamptz '{EARLIEST_TS} 00:00:00+00' or ts > now() + interval 1 day then 'ts_out_of_range'
            when ms_played_is_null then 'ms_played_missing'
            when ms_played is null then 'ms_played_not_integer'
            when ms_played < 0 then 'ms_played_negative'
            when ms_played > {MAX_MS_PLAYED} then 'ms_played_out_of_range'
            when not offline_timestamp_is_null and offline_timestamp is null then 'offline_timestamp_not_integer'
{boolean_checks}
{uri_checks}
            end as reject_reason
        from typed
    """


def _account_rows_sql(source_sql: str) -> str:
    return f"""
        with source as ({source_sql}),

        typed as (
            select
                *,
                case when regexp_full_match("endTime", '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}} [0-9]{{2}}:[0-9]{{2}}')
                     then try_strptime("endTime", '%Y-%m-%d %H:%M')::timestamp::timestamptz end as ts,
                {_json_integer('msPlayed')} as ms_played,
                {_is_json_null('msPlayed')} as ms_played_is_null
            from source
        )

        select
            file_index,
            null::varchar as username,
            ts,
            ms_played,
            null::varchar as track_uri,
            "trackName" as track_name,
            coalesce("artistName", "authorName") as artist_name,
            null::varchar as album_name,
            null::varchar as episode_uri,
            "episodeName" as episode_name,
            "podcastName" as show_name,
            null::varchar as audiobook_uri,
            "audiobookName" as audiobook_title,
            null::varchar as audiobook_chapter_uri,
            "chapterName" as audiobook_chapter_title,
            null::varchar as platform,
            null::varchar as conn_country,
            null::varchar as reason_start,
            null::varchar as reason_end,
            null::boolean as shuffle,
            null::boolean as skipped,
            null::boolean as offline,
            null::bigint as offline_timestamp,
            null::boolean as incognito_mode,
            case
            when coalesce(element_type, 'NULL') <> 'OBJECT' then 'record_not_object'
            when "endTime" is null then 'endTime_missing'
            when ts is null then 'endTime_not_timestamp'
            when ts < timestamptz '{EARLIEST_TS} 00:00:00+00' or ts > now() + interval 1 day then 'endTime_out_of_range'
            when ms_played_is_null then 'msPlayed_missing'
            when ms_played is null then 'msPlayed_not_integer'
            when ms_played < 0 then 'msPlayed_negative'
            when ms_played > {MAX_MS_PLAYED} then 'msPlayed_out_of_range'
            end as reject_reason
        from typed
    """
