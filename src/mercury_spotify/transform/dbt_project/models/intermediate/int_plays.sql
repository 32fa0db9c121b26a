-- Every play once, from every source, with its start, local time and flags. The extended export
-- wins for every attribute it has; account-data plays paired with an extended play only set
-- in_account on it.

with extended_plays as (

    select * from {{ ref('int_extended_plays') }}

),

account_plays as (

    select * from {{ ref('int_account_plays') }}

),

matches as (

    select * from {{ ref('int_account_extended_matches') }}

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
        false as in_api,
        'extended' as source
    from extended_plays as e
    left join matches as m on m.extended_play_id = e.play_id

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

),

all_plays as (

    select * from from_extended
    union all
    select * from from_account

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
