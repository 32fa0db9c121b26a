-- One row per playback, from every source, at the local start's date and minute.

with plays as (

    select * from {{ ref('int_plays') }}

),

music_ids as (

    select * from {{ ref('int_music_play_ids') }}

),

keyed as (

    select
        p.play_id as play_key,
        {{ dbt.hash('p.listener_id') }} as listener_key,
        cast(
            extract(year from p.local_started_at) * 10000
            + extract(month from p.local_started_at) * 100
            + extract(day from p.local_started_at) as integer
        ) as date_key,
        cast(extract(hour from p.local_started_at) * 60 + extract(minute from p.local_started_at) as integer) as time_key,
        case when m.track_id is not null then {{ dbt.hash('m.track_id') }} end as track_key,
        case when m.artist_id is not null then {{ dbt.hash('m.artist_id') }} end as artist_key,
        case when m.album_id is not null then {{ dbt.hash('m.album_id') }} end as album_key,
        case
            when p.content_type in ('episode', 'audiobook') or (p.content_type = 'video' and p.track_uri is null)
            then {{ dbt.hash("coalesce(p.episode_uri, 'name:' || " ~ normalize_name("coalesce(p.show_name, '')") ~ " || '|' || " ~ normalize_name("coalesce(p.episode_name, '')") ~ ")") }}
        end as episode_key,
        p.content_type,
        p.started_at,
        p.ended_at,
        p.local_started_at,
        p.local_timezone,
        p.ms_played,
        p.ms_played_estimated,
        p.ms_played >= {{ var('stream_threshold_ms') }} as is_stream,
        p.is_skipped,
        p.reason_start,
        p.reason_end,
        p.shuffle,
        p.offline,
        p.is_incognito as incognito,
        case
            when p.platform is null then 'unknown'
            when lower(p.platform) like '%android%' then 'android'
            when lower(p.platform) like '%ios%' or lower(p.platform) like '%iphone%' or lower(p.platform) like '%ipad%' then 'ios'
            when lower(p.platform) like '%windows%' then 'windows'
            when lower(p.platform) like '%os x%' or lower(p.platform) like '%osx%' or lower(p.platform) like '%macos%' or lower(p.platform) like '%mac os%' then 'macos'
            when lower(p.platform) like '%linux%' then 'linux'
            when lower(p.platform) like '%tv%' or lower(p.platform) like '%tizen%' or lower(p.platform) like '%webos%' or lower(p.platform) like '%roku%' then 'tv'
            when lower(p.platform) like '%cast%' or lower(p.platform) like '%sonos%' or lower(p.platform) like '%speaker%' or lower(p.platform) like '%echo%' or lower(p.platform) like '%alexa%' or lower(p.platform) like '%google_home%' then 'speaker'
            when lower(p.platform) like '%web%' or lower(p.platform) like '%browser%' then 'web'
            when lower(p.platform) like '%playstation%' or lower(p.platform) like '%xbox%' or lower(p.platform) like '%ps4%' or lower(p.platform) like '%ps5%' then 'console'
            when lower(p.platform) like '%car%' or lower(p.platform) like '%auto%' then 'car'
            else 'other'
        end as platform_family,
        p.platform,
        p.conn_country,
        p.in_extended,
        p.in_account,
        p.in_api,
        p.source
    from plays as p
    left join music_ids as m on m.play_id = p.play_id

)

select * from keyed
