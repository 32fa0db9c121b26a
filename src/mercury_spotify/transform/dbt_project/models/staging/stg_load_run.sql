with source as (

    select * from {{ source('raw', 'load_run') }}

)

select * from source
