{#- The whole raw row of a landing table, carried through staging so that a
    quarantined row can be stored as it arrived. -#}

{% macro landing_row_struct(relation_alias) %}
    {{ return(adapter.dispatch('landing_row_struct', 'cvm')(relation_alias)) }}
{% endmacro %}

{% macro default__landing_row_struct(relation_alias) %}
    {#- DuckDB and Postgres: a relation alias used as a column is its row. -#}
    {{ relation_alias }}
{% endmacro %}

{% macro landing_row_json(row_expression) %}
    {{ return(adapter.dispatch('landing_row_json', 'cvm')(row_expression)) }}
{% endmacro %}

{% macro default__landing_row_json(row_expression) %}
    cast(to_json({{ row_expression }}) as {{ dbt.type_string() }})
{% endmacro %}

{% macro landing_row_hash(row_expression) %}
    {{ return(adapter.dispatch('landing_row_hash', 'cvm')(row_expression)) }}
{% endmacro %}

{% macro default__landing_row_hash(row_expression) %}
    {{ dbt.hash(landing_row_json(row_expression)) }}
{% endmacro %}

{% macro duckdb__landing_row_hash(row_expression) %}
    hash({{ row_expression }})
{% endmacro %}
