{{ config(materialized='view') }}

-- Rejected records counted per reason, source and run, without the records' text.

with rejected as (

    select * from {{ ref('stg_rejected_record') }}

)

select
    run_id,
    reason,
    source,
    count(*) as records
from rejected
group by run_id, reason, source
