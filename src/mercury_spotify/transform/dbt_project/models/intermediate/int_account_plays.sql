-- One row per account-data play. Identical rows inside one file are distinct plays (two short
-- plays of a track can end in the same minute), but the same rows in two overlapping exports
-- count once: per identical row, as many plays as the largest count found in any one file.

with records as (

    select * from {{ ref('stg_export_play') }}
    where source_family = 'account'

),

numbered as (

    select
        *,
        row_number() over (
            partition by listener_id, record_hash, file_sha256
            order by record_index
        ) as occurrence
    from records

),

ranked as (

    select
        *,
        row_number() over (
            partition by listener_id, record_hash, occurrence
            order by file_sha256, record_index
        ) as copy_number
    from numbered

),

deduplicated as (

    select * from ranked where copy_number = 1

),

with_content as (

    select
        {{ dbt.hash("'account|' || listener_id || '|' || record_hash || '|' || cast(occurrence as varchar)") }} as play_id,
        listener_id,
        case format
            when 'account_music' then 'track'
            when 'account_podcast' then 'episode'
            when 'account_audiobook' then 'audiobook'
        end as content_type,
        track_name,
        artist_name,
        coalesce(episode_name, audiobook_chapter_title) as episode_name,
        coalesce(show_name, audiobook_title) as show_name,
        ended_at,
        ms_played
    from deduplicated

),

match_keys as (

    select
        *,
        case
            when content_type = 'track' then {{ normalize_name('artist_name') }} || '|' || {{ normalize_name('track_name') }}
            else {{ normalize_name('show_name') }} || '|' || {{ normalize_name('episode_name') }}
        end as name_key
    from with_content

)

select * from match_keys
