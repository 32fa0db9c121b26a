select play_key, ms_played
from {{ ref('fact_play') }}
where ms_played < 0
