with source as (

    select * from {{ source('raw', 'export_file') }}

)

select * from source
