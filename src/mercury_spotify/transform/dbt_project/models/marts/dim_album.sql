-- Albums of the plays: by URI for tracks the Web API resolved (with type and release date once
-- the album itself is looked up), else by normalized artist and album names.

with play_albums as (

    select album_id, album_name from {{ ref('int_music_play_ids') }}
    where album_id is not null

),

track_album_names as (

    select album_uri as album_id, min(album_name) as album_name
    from {{ ref('stg_api_track') }}
    where found and album_uri is not null
    group by album_uri

),

looked_up as (

    select * from {{ ref('stg_api_album') }}
    where found

),

albums as (

    select album_id, min(album_name) as album_name
    from play_albums
    group by album_id

),

described as (

    select
        a.album_id,
        case when a.album_id like 'spotify:album:%' then a.album_id end as album_uri,
        coalesce(l.album_name, t.album_name, a.album_name) as album_name,
        l.album_type,
        l.release_date,
        l.release_year
    from albums as a
    left join looked_up as l on l.album_uri = a.album_id
    left join track_album_names as t on t.album_id = a.album_id

)

select
    {{ dbt.hash('album_id') }} as album_key,
    album_uri,
    album_name,
    album_type,
    release_date,
    release_year
from described
