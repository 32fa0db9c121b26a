select play_key, started_at, ended_at
from {{ ref('fact_play') }}
where started_at > ended_at
