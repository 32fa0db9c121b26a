with source as (

    select * from {{ source('raw', 'api_recent_play') }}

),

renamed as (

    select
        -- lineage
        run_id,
        fetched_at,

        -- ids
        listener_id,
        track_uri,
        artist_uri,
        album_uri,
        context_uri,

        -- strings
        nullif(trim(track_name), '') as track_name,
        nullif(trim(artist_name), '') as artist_name,
        nullif(trim(album_name), '') as album_name,
        context_type,

        -- numerics
        duration_ms,

        -- timestamps
        played_at

    from source

)

select * from renamed
