with source as (

    select * from {{ source('raw', 'api_recent_play') }}

)

select * from source
