-- Artists of the plays and of the resolved tracks. An artist the Web API resolved has its URI,
-- name and genres. Other artists are identified by normalized name, so spellings that differ
-- only in case or Unicode form are one artist, and their artist_uri and genres are null.

with play_artists as (

    select artist_id, artist_name from {{ ref('int_music_play_ids') }}
    where artist_id is not null

),

track_artists as (

    select artist_id from {{ ref('int_track_artists') }}

),

listed_names as (

    select artist_uri as artist_id, min(artist_name) as artist_name
    from {{ ref('stg_api_track_artist') }}
    group by artist_uri

),

looked_up as (

    select * from {{ ref('stg_api_artist') }}
    where found

),

artist_ids as (

    select artist_id from play_artists
    union
    select artist_id from track_artists

),

play_names as (

    select artist_id, min(artist_name) as artist_name
    from play_artists
    group by artist_id

),

described as (

    select
        ids.artist_id,
        case when ids.artist_id like 'spotify:artist:%' then ids.artist_id end as artist_uri,
        coalesce(l.artist_name, ln.artist_name, pn.artist_name, ids.artist_id) as artist_name,
        l.genres
    from artist_ids as ids
    left join looked_up as l on l.artist_uri = ids.artist_id
    left join listed_names as ln on ln.artist_id = ids.artist_id
    left join play_names as pn on pn.artist_id = ids.artist_id

)

select
    {{ dbt.hash('artist_id') }} as artist_key,
    artist_uri,
    artist_name,
    genres
from described
