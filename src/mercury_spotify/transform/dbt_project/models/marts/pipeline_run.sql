{{ config(materialized='view') }}

-- The run log for the health dashboard. A view, so it shows runs that finished after the last
-- build (the build's own run among them), and so readers of dw need no access to raw.

with runs as (

    select * from {{ ref('stg_load_run') }}

)

select
    run_id,
    kind,
    status,
    started_at,
    finished_at,
    error
from runs
