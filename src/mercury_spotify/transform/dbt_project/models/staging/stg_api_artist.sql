with source as (

    select * from {{ source('raw', 'api_artist') }}

)

select * from source
