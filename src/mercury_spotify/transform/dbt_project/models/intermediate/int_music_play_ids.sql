{{ config(materialized='ephemeral') }}

-- The natural ids behind the track, artist and album keys of every music play.

with plays as (

    select * from {{ ref('int_plays') }}
    where content_type in ('track', 'video') and (track_uri is not null or track_name is not null)

)

select
    play_id,
    track_uri,
    track_name,
    artist_name,
    album_name,
    coalesce(track_uri, 'name:' || {{ normalize_name("coalesce(artist_name, '')") }} || '|' || {{ normalize_name("coalesce(track_name, '')") }}) as track_id,
    case when artist_name is not null then 'name:' || {{ normalize_name('artist_name') }} end as artist_id,
    case when album_name is not null then 'name:' || {{ normalize_name("coalesce(artist_name, '')") }} || '|' || {{ normalize_name('album_name') }} end as album_id
from plays
