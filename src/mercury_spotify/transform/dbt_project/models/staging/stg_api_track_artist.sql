with source as (

    select * from {{ source('raw', 'api_track_artist') }}

),

renamed as (

    select
        run_id,
        track_uri,
        artist_position,
        artist_uri,
        nullif(trim(artist_name), '') as artist_name
    from source

)

select * from renamed
