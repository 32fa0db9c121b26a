-- Track x artist. The export names only the album artist, which becomes the primary artist
-- (position 0); the most frequent one wins when plays disagree.

with track_plays as (

    select * from {{ ref('int_music_play_ids') }}
    where artist_id is not null

),

artist_counts as (

    select
        track_id,
        artist_id,
        row_number() over (partition by track_id order by count(*) desc, artist_id) as artist_rank
    from track_plays
    group by track_id, artist_id

)

select
    {{ dbt.hash('track_id') }} as track_key,
    {{ dbt.hash('artist_id') }} as artist_key,
    0 as artist_position
from artist_counts
where artist_rank = 1
