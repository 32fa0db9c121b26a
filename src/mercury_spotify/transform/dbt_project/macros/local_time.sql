{#- The local wall-clock time of a UTC instant in the zone named by a column or literal. -#}
{% macro local_timestamp(zone, instant) -%}
    timezone({{ zone }}, {{ instant }})
{%- endmacro %}

{#- The configured time-zone periods as rows (valid_from, valid_to, zone), from dbt vars.
    Before the first period, and when there is none, the default zone applies. -#}
{% macro timezone_periods_sql() -%}
    {%- set periods = var('timezone_periods') | sort(attribute='since') -%}
    {%- set starts = ['1900-01-01'] + (periods | map(attribute='since') | list) -%}
    {%- set zones = [var('default_timezone')] + (periods | map(attribute='zone') | list) -%}
    {%- for start in starts %}
    select
        cast('{{ start }} 00:00:00+00' as timestamp with time zone) as valid_from,
        cast('{{ starts[loop.index] if not loop.last else "9999-12-31" }} 00:00:00+00' as timestamp with time zone) as valid_to,
        cast('{{ zones[loop.index0] }}' as varchar) as zone
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
