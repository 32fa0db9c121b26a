{{ config(materialized='ephemeral') }}

-- The artists of each played track, with positions (0 = primary). A track the Web API resolved
-- lists all its artists in Spotify's order. Any other track has one artist, the one its plays
-- name most often (the export names only the album artist).

with track_plays as (

    select * from {{ ref('int_music_play_ids') }}

),

resolved_artists as (

    select
        tp.track_id,
        ta.artist_uri as artist_id,
        ta.artist_position
    from (select distinct track_id, track_uri from track_plays) as tp
    inner join {{ ref('stg_api_track') }} as t on t.track_uri = tp.track_uri and t.found
    inner join {{ ref('stg_api_track_artist') }} as ta on ta.track_uri = t.track_uri

),

named_artist_counts as (

    select
        track_id,
        artist_id,
        row_number() over (partition by track_id order by count(*) desc, artist_id) as artist_rank
    from track_plays
    where artist_id is not null
      and track_id not in (select track_id from resolved_artists)
    group by track_id, artist_id

)

select track_id, artist_id, artist_position from resolved_artists
union all
select track_id, artist_id, 0 as artist_position from named_artist_counts
where artist_rank = 1
