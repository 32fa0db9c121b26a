with source as (

    select * from {{ source('raw', 'listener') }}

)

select * from source
