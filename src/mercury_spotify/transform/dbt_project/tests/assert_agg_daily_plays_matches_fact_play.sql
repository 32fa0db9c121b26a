-- The daily aggregate must add up to fact_play: any row returned is a mismatch.

with from_fact as (

    select
        count(*) as plays,
        coalesce(sum(ms_played), 0) as ms_played,
        count(*) filter (where is_stream) as streams
    from {{ ref('fact_play') }}

),

from_aggregate as (

    select
        coalesce(sum(plays), 0) as plays,
        coalesce(sum(ms_played), 0) as ms_played,
        coalesce(sum(streams), 0) as streams
    from {{ ref('agg_daily_plays') }}

)

select
    from_fact.plays as fact_plays,
    from_aggregate.plays as aggregate_plays,
    from_fact.ms_played as fact_ms_played,
    from_aggregate.ms_played as aggregate_ms_played
from from_fact
cross join from_aggregate
where from_fact.plays <> from_aggregate.plays
   or from_fact.ms_played <> from_aggregate.ms_played
   or from_fact.streams <> from_aggregate.streams
