with listeners as (

    select * from {{ ref('stg_listener') }}

)

select
    {{ dbt.hash('listener_id') }} as listener_key,
    listener_id,
    display_name
from listeners
