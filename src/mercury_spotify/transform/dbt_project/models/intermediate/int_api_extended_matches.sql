-- Pairs of an API play and the extended play it is the same playback as: same listener and
-- track URI, and played_at within 120 s of the extended play's end or of its start, because the
-- API stamps one or the other. One-to-one, nearest first: mutual nearest pairs are taken, then
-- mutual nearest pairs among the plays still unpaired. Ties prefer the longer extended play.
-- NOTE: a third level of ties stays unpaired, so counted twice.

with api_plays as (

    select * from {{ ref('int_api_plays') }}

),

extended_plays as (

    select
        play_id,
        listener_id,
        track_uri,
        ms_played,
        ended_at,
        {{ from_epoch_seconds(epoch_seconds('ended_at') ~ ' - ms_played / 1000.0') }} as started_at
    from {{ ref('int_extended_plays') }}
    where track_uri is not null

),

candidates as (

    select
        a.play_id as api_play_id,
        e.play_id as extended_play_id,
        e.ms_played,
        least(
            abs({{ epoch_seconds('a.played_at') }} - {{ epoch_seconds('e.ended_at') }}),
            abs({{ epoch_seconds('a.played_at') }} - {{ epoch_seconds('e.started_at') }})
        ) as distance_seconds
    from api_plays as a
    inner join extended_plays as e
        on a.listener_id = e.listener_id
        and a.track_uri = e.track_uri
        and a.played_at >= e.started_at - interval '120 seconds'
        and a.played_at <= e.ended_at + interval '120 seconds'

),

within_reach as (

    select * from candidates
    where distance_seconds <= 120

),

first_ranking as (

    select
        *,
        row_number() over (partition by api_play_id order by distance_seconds, ms_played desc, extended_play_id) as rank_for_api,
        row_number() over (partition by extended_play_id order by distance_seconds, api_play_id) as rank_for_extended
    from within_reach

),

first_round as (

    select api_play_id, extended_play_id
    from first_ranking
    where rank_for_api = 1 and rank_for_extended = 1

),

still_unpaired as (

    select * from within_reach
    where api_play_id not in (select api_play_id from first_round)
      and extended_play_id not in (select extended_play_id from first_round)

),

second_ranking as (

    select
        *,
        row_number() over (partition by api_play_id order by distance_seconds, ms_played desc, extended_play_id) as rank_for_api,
        row_number() over (partition by extended_play_id order by distance_seconds, api_play_id) as rank_for_extended
    from still_unpaired

),

second_round as (

    select api_play_id, extended_play_id
    from second_ranking
    where rank_for_api = 1 and rank_for_extended = 1

)

select * from first_round
union all
select * from second_round
