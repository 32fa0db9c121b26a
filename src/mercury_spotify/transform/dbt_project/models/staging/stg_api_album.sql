with source as (

    select * from {{ source('raw', 'api_album') }}

)

select * from source
