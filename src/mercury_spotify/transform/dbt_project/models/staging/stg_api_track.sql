with source as (

    select * from {{ source('raw', 'api_track') }}

)

select * from source
