-- Plays summed per listener, local day and track, for the dashboards' date-range cards, whose
-- queries on fact_play took over 100 ms on a 1,000,000-play warehouse (bench/dashboard.py, 2 CPUs).
-- Podcast and audiobook plays have no track, so they are summed per day and content type.

with plays as (

    select * from {{ ref('fact_play') }}

),

summed as (

    select
        -- keys
        listener_key,
        date_key,
        track_key,
        artist_key,
        album_key,

        -- attributes
        content_type,
        coalesce(incognito, false) as incognito,

        -- measures
        cast(sum(ms_played) as bigint) as ms_played,
        count(*) as plays,
        count(*) filter (where is_stream) as streams,
        count(*) filter (where is_skipped) as skipped_plays,
        count(*) filter (where is_skipped is not null) as plays_with_skip_flag
    from plays
    group by
        listener_key,
        date_key,
        track_key,
        artist_key,
        album_key,
        content_type,
        coalesce(incognito, false)

)

select * from summed
