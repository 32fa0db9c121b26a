-- Tracks known from plays: by URI, or by normalized artist and track names when the source has
-- no URI (account data). Each track takes its most frequent album in the plays.

with track_plays as (

    select * from {{ ref('int_music_play_ids') }}

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
    t.track_name,
    {{ dbt.hash('a.album_id') }} as album_key,
    cast(null as bigint) as duration_ms,
    cast(null as boolean) as explicit,
    cast(null as varchar) as isrc
from tracks as t
left join album_counts as a on a.track_id = t.track_id and a.album_rank = 1
