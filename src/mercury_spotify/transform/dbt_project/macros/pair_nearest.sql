{#- One-to-one pairs, nearest first, from a CTE of candidate pairs with a distance_seconds column.
    Mutually nearest pairs are taken, then mutually nearest pairs among the candidates whose two
    plays are both still unpaired. Emits CTEs ending in one named `paired` (left_id, right_id).
    NOTE: a third level of ties (three equal plays within the window) stays unpaired. -#}
{% macro pair_nearest_ctes(candidates, left_id, right_id) -%}
first_ranking as (

    select
        *,
        row_number() over (partition by {{ left_id }} order by distance_seconds, {{ right_id }}) as rank_for_left,
        row_number() over (partition by {{ right_id }} order by distance_seconds, {{ left_id }}) as rank_for_right
    from {{ candidates }}

),

first_round as (

    select {{ left_id }}, {{ right_id }}
    from first_ranking
    where rank_for_left = 1 and rank_for_right = 1

),

still_unpaired as (

    select * from {{ candidates }}
    where {{ left_id }} not in (select {{ left_id }} from first_round)
      and {{ right_id }} not in (select {{ right_id }} from first_round)

),

second_ranking as (

    select
        *,
        row_number() over (partition by {{ left_id }} order by distance_seconds, {{ right_id }}) as rank_for_left,
        row_number() over (partition by {{ right_id }} order by distance_seconds, {{ left_id }}) as rank_for_right
    from still_unpaired

),

second_round as (

    select {{ left_id }}, {{ right_id }}
    from second_ranking
    where rank_for_left = 1 and rank_for_right = 1

),

paired as (

    select * from first_round
    union all
    select * from second_round

)
{%- endmacro %}
