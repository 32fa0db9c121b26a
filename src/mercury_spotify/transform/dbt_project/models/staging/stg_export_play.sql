with source as (

    select * from {{ source('raw', 'export_play') }}

),

renamed as (

    select
        -- lineage
        file_sha256,
        record_index,
        run_id,
        record_hash,

        -- ids
        listener_id,
        format,
        case when format like 'extended%' then 'extended' else 'account' end as source_family,
        track_uri,
        episode_uri,
        audiobook_uri,
        audiobook_chapter_uri,

        -- strings
        nullif(trim(track_name), '') as track_name,
        nullif(trim(artist_name), '') as artist_name,
        nullif(trim(album_name), '') as album_name,
        nullif(trim(episode_name), '') as episode_name,
        nullif(trim(show_name), '') as show_name,
        nullif(trim(audiobook_title), '') as audiobook_title,
        nullif(trim(audiobook_chapter_title), '') as audiobook_chapter_title,
        nullif(trim(platform), '') as platform,
        nullif(nullif(trim(conn_country), ''), 'ZZ') as conn_country,
        nullif(trim(reason_start), '') as reason_start,
        nullif(trim(reason_end), '') as reason_end,

        -- numerics
        ms_played,
        -- offline_timestamp is in milliseconds in old endsong files and seconds in newer ones.
        case
            when offline_timestamp >= 1000000000000 then offline_timestamp / 1000.0
            else cast(offline_timestamp as double precision)
        end as offline_timestamp_seconds,

        -- booleans
        shuffle,
        skipped,
        offline,
        coalesce(incognito_mode, false) as is_incognito,

        -- timestamps
        ts as ended_at

    from source

)

select * from renamed
