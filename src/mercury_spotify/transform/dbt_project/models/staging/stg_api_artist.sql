with source as (

    select * from {{ source('raw', 'api_artist') }}

),

renamed as (

    select
        -- lineage
        run_id,
        fetched_at,

        -- ids
        artist_uri,

        -- strings
        nullif(trim(artist_name), '') as artist_name,
        -- Spotify deprecated artist genres: a missing or empty list is unknown.
        nullif(genres, '') as genres,

        -- booleans
        found

    from source

)

select * from renamed
