-- A play cannot end after now (one day of slack for clock skew between devices).
select play_key, ended_at
from {{ ref('fact_play') }}
where ended_at > {{ dbt.current_timestamp() }} + interval '1 day'
