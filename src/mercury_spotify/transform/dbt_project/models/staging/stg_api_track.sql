with source as (

    select * from {{ source('raw', 'api_track') }}

),

renamed as (

    select
        -- lineage
        run_id,
        fetched_at,

        -- ids
        track_uri,
        album_uri,
        nullif(trim(isrc), '') as isrc,

        -- strings
        nullif(trim(track_name), '') as track_name,
        nullif(trim(album_name), '') as album_name,

        -- numerics
        duration_ms,
        disc_number,
        track_number,

        -- booleans
        found,
        explicit

    from source

)

select * from renamed
