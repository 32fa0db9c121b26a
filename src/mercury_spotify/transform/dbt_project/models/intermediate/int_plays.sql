-- Every play once, from every source, with its start, local time and flags. The extended export
-- wins for every attribute it has; account-data and API plays paired with an extended play only
-- set in_account or in_api on it. An API play paired with an account-data play takes its
-- ms_played from the account data.

with extended_plays as (

    select * from {{ ref('int_extended_plays') }}

),

account_plays as (

    select * from {{ ref('int_account_plays') }}

),

matches as (

    select * from {{ ref('int_account_extended_matches') }}

),

api_plays as (

    select * from {{ ref('int_api_plays') }}

),

api_matches as (

    select * from {{ ref('int_api_extended_matches') }}

),

account_api_matches as (

    select * from {{ ref('int_account_api_matches') }}

),

timezone_periods as (

    {{ timezone_periods_sql() }}

),

from_extended as (

    select
        e.play_id,
        e.listener_id,
        e.content_type,
        e.track_uri,
        e.track_name,
        e.artist_name,
        e.album_name,
        e.episode_uri,
        e.episode_name,
        e.show_name,
        e.ended_at,
        e.ms_played,
        -- offline_timestamp is the start when plausible: after 2001-09-09 and not after the end.
        case
            when e.offline_timestamp_seconds > 1000000000
             and e.offline_timestamp_seconds <= {{ epoch_seconds('e.ended_at') }}
            then {{ from_epoch_seconds('e.offline_timestamp_seconds') }}
            else {{ from_epoch_seconds(epoch_seconds('e.ended_at') ~ ' - e.ms_played / 1000.0') }}
        end as started_at,
        false as ms_played_estimated,
        e.reason_start,
        e.reason_end,
        e.shuffle,
        e.offline,
        e.is_incognito,
        -- Old exports leave skipped null; a forward-button end is then the best evidence.
        coalesce(e.skipped, case when e.reason_end is not null then e.reason_end = 'fwdbtn' end) as is_skipped,
        e.platform,
        e.conn_country,
        true as in_extended,
        m.account_play_id is not null as in_account,
        am.api_play_id is not null as in_api,
        'extended' as source
    from extended_plays as e
    left join matches as m on m.extended_play_id = e.play_id
    left join api_matches as am on am.extended_play_id = e.play_id

),

from_account as (

    select
        a.play_id,
        a.listener_id,
        a.content_type,
        cast(null as varchar) as track_uri,
        a.track_name,
        a.artist_name,
        cast(null as varchar) as album_name,
        cast(null as varchar) as episode_uri,
        a.episode_name,
        a.show_name,
        a.ended_at,
        a.ms_played,
        {{ from_epoch_seconds(epoch_seconds('a.ended_at') ~ ' - a.ms_played / 1000.0') }} as started_at,
        false as ms_played_estimated,
        cast(null as varchar) as reason_start,
        cast(null as varchar) as reason_end,
        cast(null as boolean) as shuffle,
        cast(null as boolean) as offline,
        false as is_incognito,
        cast(null as boolean) as is_skipped,
        cast(null as varchar) as platform,
        cast(null as varchar) as conn_country,
        false as in_extended,
        true as in_account,
        false as in_api,
        'account' as source
    from account_plays as a
    where a.play_id not in (select account_play_id from matches)
      and a.play_id not in (select account_play_id from account_api_matches)

),

api_only as (

    select
        p.*,
        a.ms_played as account_ms_played
    from api_plays as p
    left join account_api_matches as aam on aam.api_play_id = p.play_id
    left join account_plays as a on a.play_id = aam.account_play_id
    where p.play_id not in (select api_play_id from api_matches)

),

play_ends as (

    select listener_id, ended_at, cast(null as varchar) as api_play_id from from_extended
    union all
    select listener_id, ended_at, cast(null as varchar) as api_play_id from from_account
    union all
    select listener_id, played_at as ended_at, play_id as api_play_id from api_only

),

-- An API-only play is taken to end at played_at (the usual stamp) and to last its track's
-- duration, but it cannot have started before the listener's previous play ended.
ordered_ends as (

    select
        api_play_id,
        lag(ended_at) over (partition by listener_id order by ended_at, api_play_id) as previous_ended_at
    from play_ends

),

previous_ends as (

    select
        api_play_id as play_id,
        previous_ended_at
    from ordered_ends
    where api_play_id is not null

),

api_ms_played as (

    select
        p.*,
        case
            when p.account_ms_played is not null then p.account_ms_played
            when pe.previous_ended_at is null then coalesce(p.duration_ms, 0)
            else least(
                coalesce(p.duration_ms, 0),
                cast(round(({{ epoch_seconds('p.played_at') }} - {{ epoch_seconds('pe.previous_ended_at') }}) * 1000) as bigint)
            )
        end as ms_played,
        p.account_ms_played is null as ms_played_estimated
    from api_only as p
    left join previous_ends as pe on pe.play_id = p.play_id

),

from_api as (

    select
        p.play_id,
        p.listener_id,
        'track' as content_type,
        p.track_uri,
        p.track_name,
        p.artist_name,
        p.album_name,
        cast(null as varchar) as episode_uri,
        cast(null as varchar) as episode_name,
        cast(null as varchar) as show_name,
        p.played_at as ended_at,
        p.ms_played,
        {{ from_epoch_seconds(epoch_seconds('p.played_at') ~ ' - p.ms_played / 1000.0') }} as started_at,
        p.ms_played_estimated,
        cast(null as varchar) as reason_start,
        cast(null as varchar) as reason_end,
        cast(null as boolean) as shuffle,
        cast(null as boolean) as offline,
        false as is_incognito,
        cast(null as boolean) as is_skipped,
        cast(null as varchar) as platform,
        cast(null as varchar) as conn_country,
        false as in_extended,
        p.account_ms_played is not null as in_account,
        true as in_api,
        'api' as source
    from api_ms_played as p

),

all_plays as (

    select * from from_extended
    union all
    select * from from_account
    union all
    select * from from_api

),

localized as (

    select
        p.*,
        {{ local_timestamp('z.zone', 'p.started_at') }} as local_started_at,
        z.zone as local_timezone
    from all_plays as p
    inner join timezone_periods as z
        on p.started_at >= z.valid_from and p.started_at < z.valid_to

)

select * from localized
