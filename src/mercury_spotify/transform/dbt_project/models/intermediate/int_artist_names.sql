{{ config(materialized='ephemeral') }}

-- Normalized artist names that belong to exactly one artist URI among the tracks the Web API
-- resolved; names shared by several artists stay unmapped.

with track_artists as (

    select * from {{ ref('stg_api_track_artist') }}
    where artist_name is not null

),

by_name as (

    select
        {{ normalize_name('artist_name') }} as artist_name_key,
        min(artist_uri) as artist_uri,
        count(distinct artist_uri) as artist_uris
    from track_artists
    group by 1

)

select artist_name_key, artist_uri
from by_name
where artist_uris = 1
