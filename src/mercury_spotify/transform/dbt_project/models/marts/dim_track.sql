-- Tracks known from plays: by URI, or by normalized artist and track names when the source has
-- no URI (account data). Each track takes its most frequent album in the plays, which for a
-- track the Web API resolved is its album URI. Duration, explicit and ISRC come from the
-- track lookup and stay null until then.

with track_plays as (

    select * from {{ ref('int_music_play_ids') }}

),

resolved_tracks as (

    select * from {{ ref('stg_api_track') }}
    where found

),

album_counts as (

    select
        track_id,
        album_id,
        row_number() over (partition by track_id order by count(*) desc, album_id) as album_rank
    from track_plays
    where album_id is not null
    group by track_id, album_id

),

tracks as (

    select
        track_id,
        max(track_uri) as track_uri,
        min(track_name) as track_name
    from track_plays
    group by track_id

)

select
    {{ dbt.hash('t.track_id') }} as track_key,
    t.track_uri,
    coalesce(r.track_name, t.track_name) as track_name,
    {{ dbt.hash('a.album_id') }} as album_key,
    r.duration_ms,
    r.explicit,
    r.isrc
from tracks as t
left join album_counts as a on a.track_id = t.track_id and a.album_rank = 1
left join resolved_tracks as r on r.track_uri = t.track_uri
