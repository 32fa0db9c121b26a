-- Pairs of an account-data play and the extended play it is the same playback as: same
-- listener and normalized names, ends within 90 s, equal ms_played. One-to-one, nearest first
-- (the pair_nearest_ctes macro).

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

{{ pair_nearest_ctes('candidates', 'account_play_id', 'extended_play_id') }}

select * from paired
