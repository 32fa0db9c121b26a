-- Podcast episodes (audio or video) and audiobook chapters, by URI or by show and episode names.

with plays as (

    select * from {{ ref('int_plays') }}
    where content_type in ('episode', 'audiobook') or (content_type = 'video' and track_uri is null)

),

identified as (

    select
        coalesce(episode_uri, 'name:' || {{ normalize_name("coalesce(show_name, '')") }} || '|' || {{ normalize_name("coalesce(episode_name, '')") }}) as episode_id,
        episode_uri,
        episode_name,
        show_name,
        case when content_type = 'audiobook' then 'audiobook' else 'podcast' end as kind
    from plays

),

episodes as (

    select
        episode_id,
        max(episode_uri) as episode_uri,
        min(episode_name) as episode_name,
        min(show_name) as show_name,
        min(kind) as kind
    from identified
    group by episode_id

)

select
    {{ dbt.hash('episode_id') }} as episode_key,
    episode_uri,
    episode_name,
    show_name,
    kind
from episodes
