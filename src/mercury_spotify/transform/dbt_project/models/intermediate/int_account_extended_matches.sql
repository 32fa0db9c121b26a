-- Pairs of an account-data play and the extended play it is the same playback as: same
-- listener and normalized names, ends within 90 s, equal ms_played. One-to-one, nearest first:
-- mutual nearest pairs are taken, then mutual nearest pairs among the plays still unpaired.
-- NOTE: a third level of ties (three equal plays within 90 s) stays unpaired, so counted twice.

with account_plays as (

    select * from {{ ref('int_account_plays') }}

),

extended_plays as (

    select * from {{ ref('int_extended_plays') }}
    where name_key is not null

),

candidates as (

    select
        a.play_id as account_play_id,
        e.play_id as extended_play_id,
        abs({{ epoch_seconds('a.ended_at') }} - {{ epoch_seconds('e.ended_at') }}) as distance_seconds
    from account_plays as a
    inner join extended_plays as e
        on a.listener_id = e.listener_id
        and a.name_key = e.name_key
        and a.ms_played = e.ms_played
        and e.ended_at between a.ended_at - interval '90 seconds' and a.ended_at + interval '90 seconds'

),

first_ranking as (

    select
        *,
        row_number() over (partition by account_play_id order by distance_seconds, extended_play_id) as rank_for_account,
        row_number() over (partition by extended_play_id order by distance_seconds, account_play_id) as rank_for_extended
    from candidates

),

first_round as (

    select account_play_id, extended_play_id
    from first_ranking
    where rank_for_account = 1 and rank_for_extended = 1

),

still_unpaired as (

    select * from candidates
    where account_play_id not in (select account_play_id from first_round)
      and extended_play_id not in (select extended_play_id from first_round)

),

second_ranking as (

    select
        *,
        row_number() over (partition by account_play_id order by distance_seconds, extended_play_id) as rank_for_account,
        row_number() over (partition by extended_play_id order by distance_seconds, account_play_id) as rank_for_extended
    from still_unpaired

),

second_round as (

    select account_play_id, extended_play_id
    from second_ranking
    where rank_for_account = 1 and rank_for_extended = 1

)

select * from first_round
union all
select * from second_round
