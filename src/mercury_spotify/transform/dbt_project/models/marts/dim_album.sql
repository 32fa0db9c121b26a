-- Albums known from plays, identified by normalized artist and album names until enrichment
-- from the Web API supplies album URIs.

with plays as (

    select artist_name, album_name from {{ ref('int_plays') }}
    where album_name is not null and content_type in ('track', 'video')

),

named as (

    select
        'name:' || {{ normalize_name("coalesce(artist_name, '')") }} || '|' || {{ normalize_name('album_name') }} as album_id,
        min(album_name) as album_name
    from plays
    group by 1

)

select
    {{ dbt.hash('album_id') }} as album_key,
    cast(null as varchar) as album_uri,
    album_name,
    cast(null as varchar) as album_type,
    cast(null as varchar) as release_date,
    cast(null as integer) as release_year
from named
