{#- Seconds since 1970-01-01 UTC of a timestamp with time zone, as a double. -#}
{% macro epoch_seconds(column) -%}
    cast(extract(epoch from {{ column }}) as double precision)
{%- endmacro %}

{#- A timestamp with time zone from seconds since 1970-01-01 UTC. -#}
{% macro from_epoch_seconds(expression) -%}
    to_timestamp({{ expression }})
{%- endmacro %}
