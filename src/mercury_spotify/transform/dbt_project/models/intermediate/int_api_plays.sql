-- One row per recently played item from the Web API. played_at is usually the end of playback
-- and sometimes its start. The track duration comes from the track lookup when there is one,
-- else from the item itself.

with recent_plays as (

    select * from {{ ref('stg_api_recent_play') }}

),

tracks as (

    select * from {{ ref('stg_api_track') }}
    where found

),

with_duration as (

    select
        {{ dbt.hash("'api|' || p.listener_id || '|' || cast(cast(round(" ~ epoch_seconds('p.played_at') ~ " * 1000) as bigint) as varchar) || '|' || p.track_uri") }} as play_id,
        p.listener_id,
        p.track_uri,
        coalesce(t.track_name, p.track_name) as track_name,
        p.artist_name,
        p.album_name,
        p.played_at,
        coalesce(t.duration_ms, p.duration_ms) as duration_ms
    from recent_plays as p
    left join tracks as t on t.track_uri = p.track_uri

),

match_keys as (

    select
        *,
        {{ normalize_name('artist_name') }} || '|' || {{ normalize_name('track_name') }} as name_key
    from with_duration

)

select * from match_keys
