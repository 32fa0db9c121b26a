{{ config(materialized='ephemeral') }}

-- The natural ids behind the track, artist and album keys of every music play. A track with a
-- URI that the Web API resolved takes its album URI and its primary artist's URI. Otherwise
-- artists and albums are identified by normalized names. An artist name maps to an artist URI
-- when exactly one resolved artist has that name. So account-data plays, which have no URIs,
-- count for the same artist as the enriched plays.

with plays as (

    select * from {{ ref('int_plays') }}
    where content_type in ('track', 'video') and (track_uri is not null or track_name is not null)

),

resolved_tracks as (

    select * from {{ ref('stg_api_track') }}
    where found

),

primary_artists as (

    select * from {{ ref('stg_api_track_artist') }}
    where artist_position = 0

),

artist_names as (

    select * from {{ ref('int_artist_names') }}

),

named as (

    select
        play_id,
        track_uri,
        track_name,
        artist_name,
        album_name,
        coalesce(track_uri, 'name:' || {{ normalize_name("coalesce(artist_name, '')") }} || '|' || {{ normalize_name("coalesce(track_name, '')") }}) as track_id,
        case when artist_name is not null then {{ normalize_name('artist_name') }} end as artist_name_key,
        case when album_name is not null then 'name:' || {{ normalize_name("coalesce(artist_name, '')") }} || '|' || {{ normalize_name('album_name') }} end as album_name_id
    from plays

),

resolved as (

    select
        n.play_id,
        n.track_uri,
        n.track_name,
        n.artist_name,
        n.album_name,
        n.track_id,
        coalesce(pa.artist_uri, an.artist_uri, 'name:' || n.artist_name_key) as artist_id,
        coalesce(rt.album_uri, n.album_name_id) as album_id
    from named as n
    left join resolved_tracks as rt on rt.track_uri = n.track_uri
    left join primary_artists as pa on pa.track_uri = rt.track_uri
    left join artist_names as an on an.artist_name_key = n.artist_name_key

)

select * from resolved
