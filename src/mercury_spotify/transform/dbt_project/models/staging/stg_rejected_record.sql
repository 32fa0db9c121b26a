with source as (

    select * from {{ source('raw', 'rejected_record') }}

)

select * from source
