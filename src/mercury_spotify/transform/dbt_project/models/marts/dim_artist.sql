-- Artists known from plays. The export names an album's artist but gives no artist URI, so an
-- artist is identified by its normalized name; spellings that differ only in case or Unicode
-- form are one artist.

with plays as (

    select artist_name from {{ ref('int_plays') }}
    where artist_name is not null and content_type in ('track', 'video')

),

named as (

    select
        'name:' || {{ normalize_name('artist_name') }} as artist_id,
        min(artist_name) as artist_name
    from plays
    group by 1

)

select
    {{ dbt.hash('artist_id') }} as artist_key,
    cast(null as varchar) as artist_uri,
    artist_name,
    cast(null as varchar) as genres
from named
