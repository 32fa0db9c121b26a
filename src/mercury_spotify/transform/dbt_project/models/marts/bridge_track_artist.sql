-- Track x artist, with every artist of a track the Web API resolved (artist_position 0 is the
-- primary artist). Other tracks have only the artist the export names most often for them.

with track_artists as (

    select * from {{ ref('int_track_artists') }}

)

select
    {{ dbt.hash('track_id') }} as track_key,
    {{ dbt.hash('artist_id') }} as artist_key,
    artist_position
from track_artists
