-- A track has one artist per position and lists an artist once.
select track_key, artist_position, count(*) as artists
from {{ ref('bridge_track_artist') }}
group by track_key, artist_position
having count(*) > 1
union all
select track_key, -1 as artist_position, count(*) as artists
from {{ ref('bridge_track_artist') }}
group by track_key, artist_key
having count(*) > 1
