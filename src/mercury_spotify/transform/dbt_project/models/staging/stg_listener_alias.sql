with source as (

    select * from {{ source('raw', 'listener_alias') }}

)

select * from source
