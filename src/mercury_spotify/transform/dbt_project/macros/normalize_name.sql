{#- A name compared across sources: Unicode NFC, case-folded (lower) and trimmed. -#}
{% macro normalize_name(column) -%}
    {{ return(adapter.dispatch('normalize_name')(column)) }}
{%- endmacro %}

{% macro default__normalize_name(column) -%}
    lower(trim(normalize({{ column }}, NFC)))
{%- endmacro %}

{% macro duckdb__normalize_name(column) -%}
    lower(trim(nfc_normalize({{ column }})))
{%- endmacro %}
