-- Pairs of an account-data play and an API play (neither paired with an extended play) that
-- are the same playback: same listener and normalized artist and track names, and the
-- account-data endTime (minute precision) within 90 s of played_at. One-to-one, nearest first,
-- as for the other matches.

with account_plays as (

    select * from {{ ref('int_account_plays') }}
    where content_type = 'track'
      and play_id not in (select account_play_id from {{ ref('int_account_extended_matches') }})

),

api_plays as (

    select * from {{ ref('int_api_plays') }}
    where name_key is not null
      and play_id not in (select api_play_id from {{ ref('int_api_extended_matches') }})

),

candidates as (

    select
        a.play_id as account_play_id,
        p.play_id as api_play_id,
        abs({{ epoch_seconds('a.ended_at') }} - {{ epoch_seconds('p.played_at') }}) as distance_seconds
    from account_plays as a
    inner join api_plays as p
        on a.listener_id = p.listener_id
        and a.name_key = p.name_key
        and p.played_at between a.ended_at - interval '90 seconds' and a.ended_at + interval '90 seconds'

),

{{ pair_nearest_ctes('candidates', 'account_play_id', 'api_play_id') }}

select * from paired
