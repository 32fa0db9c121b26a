with source as (

    select * from {{ source('raw', 'api_album') }}

),

renamed as (

    select
        -- lineage
        run_id,
        fetched_at,

        -- ids
        album_uri,

        -- strings
        nullif(trim(album_name), '') as album_name,
        album_type,
        -- Spotify gives YYYY, YYYY-MM or YYYY-MM-DD (see release_date_precision), and 0000 when unknown.
        case when release_date not like '0000%' then release_date end as release_date,
        release_date_precision,

        -- numerics
        case
            when release_date not like '0000%' then cast(substring(release_date, 1, 4) as integer)
        end as release_year,
        total_tracks,

        -- booleans
        found

    from source

)

select * from renamed
