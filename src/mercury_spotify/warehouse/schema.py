"""DDL of the ``raw`` schema: the landing area that only Mercury's loaders write.

The statements are plain SQL that DuckDB and PostgreSQL both accept. Every table is append-only
and every row keeps its lineage (the file's SHA-256 and record index, or the run that wrote it).
"""

SCHEMAS = ("raw", "staging", "dw")

RAW_TABLES: dict[str, str] = {
    "load_run": """
        create table if not exists raw.load_run (
            run_id varchar primary key,
            kind varchar not null,
            started_at timestamp with time zone not null,
            finished_at timestamp with time zone,
            status varchar not null,
            counts varchar,
            error varchar,
            pid integer,
            listener_id varchar
        )""",
    "listener": """
        create table if not exists raw.listener (
            listener_id varchar primary key,
            display_name varchar,
            created_at timestamp with time zone not null,
            run_id varchar
        )""",
    "listener_alias": """
        create table if not exists raw.listener_alias (
            alias varchar not null,
            listener_id varchar not null,
            source varchar not null,
            run_id varchar,
            primary key (alias, listener_id)
        )""",
    "export_file": """
        create table if not exists raw.export_file (
            file_sha256 varchar primary key,
            file_name varchar not null,
            source_path varchar,
            format varchar not null,
            records integer not null,
            rejected integer not null,
            listener_id varchar not null,
            run_id varchar not null,
            imported_at timestamp with time zone not null
        )""",
    "export_play": """
        create table if not exists raw.export_play (
            file_sha256 varchar not null,
            record_index integer not null,
            listener_id varchar not null,
            format varchar not null,
            ts timestamp with time zone not null,
            ms_played bigint not null,
            track_uri varchar,
            track_name varchar,
            artist_name varchar,
            album_name varchar,
            episode_uri varchar,
            episode_name varchar,
            show_name varchar,
            audiobook_uri varchar,
            audiobook_title varchar,
            audiobook_chapter_uri varchar,
            audiobook_chapter_title varchar,
            platform varchar,
            conn_country varchar,
            reason_start varchar,
            reason_end varchar,
            shuffle boolean,
            skipped boolean,
            offline boolean,
            offline_timestamp bigint,
            incognito_mode boolean,
            record_hash varchar,
            run_id varchar not null
        )""",
    "rejected_record": """
        create table if not exists raw.rejected_record (
            run_id varchar not null,
            source varchar not null,
            file_sha256 varchar,
            record_index integer,
            reason varchar not null,
            record_text varchar
        )""",
    "api_recent_play": """
        create table if not exists raw.api_recent_play (
            listener_id varchar not null,
            played_at timestamp with time zone not null,
            track_uri varchar not null,
            track_name varchar,
            artist_uri varchar,
            artist_name varchar,
            album_uri varchar,
            album_name varchar,
            duration_ms bigint,
            context_type varchar,
            context_uri varchar,
            fetched_at timestamp with time zone not null,
            run_id varchar not null,
            primary key (listener_id, played_at, track_uri)
        )""",
    "api_track": """
        create table if not exists raw.api_track (
            track_uri varchar primary key,
            found boolean not null,
            track_name varchar,
            album_uri varchar,
            album_name varchar,
            duration_ms bigint,
            explicit boolean,
            isrc varchar,
            disc_number integer,
            track_number integer,
            fetched_at timestamp with time zone not null,
            run_id varchar not null
        )""",
    "api_track_artist": """
        create table if not exists raw.api_track_artist (
            track_uri varchar not null,
            artist_position integer not null,
            artist_uri varchar not null,
            artist_name varchar,
            run_id varchar not null,
            primary key (track_uri, artist_position)
        )""",
    "api_album": """
        create table if not exists raw.api_album (
            album_uri varchar primary key,
            found boolean not null,
            album_name varchar,
            album_type varchar,
            release_date varchar,
            release_date_precision varchar,
            total_tracks integer,
            fetched_at timestamp with time zone not null,
            run_id varchar not null
        )""",
    "api_artist": """
        create table if not exists raw.api_artist (
            artist_uri varchar primary key,
            found boolean not null,
            artist_name varchar,
            genres varchar,
            fetched_at timestamp with time zone not null,
            run_id varchar not null
        )""",
}


def create_statements() -> list[str]:
    """Every statement needed to create the schemas and raw tables, safe to run again."""
    statements = [f"create schema if not exists {schema}" for schema in SCHEMAS]
    statements += [" ".join(ddl.split()) for ddl in RAW_TABLES.values()]
    return statements
