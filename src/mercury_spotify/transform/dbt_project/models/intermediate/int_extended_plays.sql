-- One row per distinct extended-history play: exact duplicates (same listener, ts, content and
-- ms_played, within a file or across files) collapse to the record landed from the
-- lowest (file_sha256, record_index), so the result does not depend on import order.

with records as (

    select * from {{ ref('stg_export_play') }}
    where source_family = 'extended'

),

identified as (

    select
        *,
        coalesce(
            track_uri,
            episode_uri,
            audiobook_chapter_uri,
            'name:' || coalesce(artist_name, '') || '|' || coalesce(track_name, '')
        ) as content_id
    from records

),

ranked as (

    select
        *,
        row_number() over (
            partition by listener_id, ended_at, content_id, ms_played
            order by file_sha256, record_index
        ) as copy_number
    from identified

),

deduplicated as (

    select * from ranked where copy_number = 1

),

with_content as (

    select
        {{ dbt.hash("'extended|' || listener_id || '|' || cast(ended_at as varchar) || '|' || content_id || '|' || cast(ms_played as varchar)") }} as play_id,
        listener_id,
        case
            when format = 'extended_video' and (episode_uri is not null or track_uri is not null) then 'video'
            when track_uri is not null or track_name is not null then 'track'
            when audiobook_chapter_uri is not null or audiobook_uri is not null or audiobook_title is not null then 'audiobook'
            when episode_uri is not null or episode_name is not null then 'episode'
            else 'unknown'
        end as content_type,
        track_uri,
        track_name,
        artist_name,
        album_name,
        coalesce(episode_uri, audiobook_chapter_uri) as episode_uri,
        coalesce(episode_name, audiobook_chapter_title) as episode_name,
        coalesce(show_name, audiobook_title) as show_name,
        ended_at,
        ms_played,
        offline_timestamp_seconds,
        reason_start,
        reason_end,
        shuffle,
        skipped,
        offline,
        is_incognito,
        platform,
        conn_country
    from deduplicated

),

match_keys as (

    select
        *,
        case
            when content_type = 'track' then {{ normalize_name('artist_name') }} || '|' || {{ normalize_name('track_name') }}
            when content_type in ('episode', 'audiobook', 'video') then {{ normalize_name('show_name') }} || '|' || {{ normalize_name('episode_name') }}
        end as name_key
    from with_content

)

select * from match_keys
