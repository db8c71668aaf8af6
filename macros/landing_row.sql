{#- A landing row as it arrived, typed by the landing contract, and where it
    came from. -#}

{% macro landing_typed_select(relation, table_name) %}
    {#- The select every base_ model starts from: the contract's columns of
        landing table `table_name` (read from `relation`) cast to their
        contract types, plus
        - _raw_row: the whole row as it arrived (a struct, extra columns
          included, loader columns excluded);
        - _invalid_column, _invalid_detail: the first contract column whose
          value is present but does not cast to its type, and what was wrong
          (null when every value casts): the row's quarantine rule is then
          invalid_value;
        - _landing_file, _landing_line: the file and line (CSV; a parquet
          file's row number) the row came from.
        A column whose landing type already is its contract type is passed
        through untouched (parquet written with the contract's types costs
        nothing here). Timestamps with a UTC offset are converted to UTC. -#}
    {% set entry = landing_table(table_name) %}
    {% set node_id = 'source.' ~ project_name ~ '.' ~ entry.source ~ '.' ~ table_name %}
    {% set contract_columns = [] %}
    {% set landing_types = {} %}
    {% set checked = [] %}
    {% if execute and node_id in graph.sources %}
        {% for column in graph.sources[node_id].columns.values() %}
            {% do contract_columns.append((column.name, column.data_type)) %}
        {% endfor %}
        {% for column in adapter.get_columns_in_relation(relation) %}
            {% do landing_types.update({column.name | lower: column.dtype | lower | replace(' ', '')}) %}
        {% endfor %}
    {% elif execute %}
        {#- A unit test: no graph, and its fixture has the columns and types
            of the landing relation, which are passed through as they are. -#}
        {% set landing = api.Relation.create(
            database=target.database, schema='landing', identifier=table_name) %}
        {% for column in adapter.get_columns_in_relation(landing)
            if column.name not in ['_landing_file', '_landing_line'] %}
            {% do contract_columns.append((column.name, column.dtype)) %}
            {% do landing_types.update({column.name | lower: column.dtype | lower | replace(' ', '')}) %}
        {% endfor %}
    {% endif %}
    select
        {%- for name, data_type in contract_columns %}
        {%- if landing_types.get(name | lower) == data_type | lower | replace(' ', '') %}
        landing_row.{{ name }},
        {%- else %}
        {%- set typed = landing_cast('landing_row.' ~ name, data_type) %}
        {%- do checked.append((name, data_type, typed)) %}
        {{ typed }} as {{ name }},
        {%- endif %}
        {%- endfor %}
        {{ landing_row_struct('landing_row') }} as _raw_row,
        {% if checked -%}
        case
            {%- for name, data_type, typed in checked %}
            when landing_row.{{ name }} is not null and {{ typed }} is null then '{{ name }}'
            {%- endfor %}
        end
        {%- else -%}
        cast(null as {{ dbt.type_string() }})
        {%- endif %} as _invalid_column,
        {% if checked -%}
        case
            {%- for name, data_type, typed in checked %}
            when {{ name }} is not null and {{ typed }} is null
                then {{ dbt.concat([
                    "''''", "cast(" ~ name ~ " as " ~ dbt.type_string() ~ ")",
                    "''' is not a valid " ~ data_type ~ "'"]) }}
            {%- endfor %}
        end
        {%- else -%}
        cast(null as {{ dbt.type_string() }})
        {%- endif %} as _invalid_detail,
        cast(landing_row._landing_file as {{ dbt.type_string() }}) as _landing_file,
        cast(landing_row._landing_line as {{ dbt.type_bigint() }}) as _landing_line
    from {{ relation }} as landing_row
{% endmacro %}

{% macro landing_cast(column, data_type) %}
    {#- `column` cast to its contract type, null when it does not cast. -#}
    {% if data_type | lower == 'timestamp' %}
        {{ return(landing_cast_timestamp(column)) }}
    {% endif %}
    {{ return(landing_try_cast(column, data_type)) }}
{% endmacro %}

{% macro landing_try_cast(column, data_type) %}
    {{ return(adapter.dispatch('landing_try_cast', 'cvm')(column, data_type)) }}
{% endmacro %}

{% macro default__landing_try_cast(column, data_type) %}
    {#- dbt's safe_cast: try_cast on Spark and Snowflake, a plain cast on
        Postgres (which has no try_cast). -#}
    {{ return(dbt.safe_cast(column, data_type)) }}
{% endmacro %}

{% macro duckdb__landing_try_cast(column, data_type) %}
    {{ return('try_cast(' ~ column ~ ' as ' ~ data_type ~ ')') }}
{% endmacro %}

{% macro landing_cast_timestamp(column) %}
    {{ return(adapter.dispatch('landing_cast_timestamp', 'cvm')(column)) }}
{% endmacro %}

{% macro default__landing_cast_timestamp(column) %}
    {{ return(landing_try_cast(column, dbt.type_timestamp())) }}
{% endmacro %}

{% macro duckdb__landing_cast_timestamp(column) %}
    {#- The contract's timestamps are UTC. One written with an offset
        ('2024-11-25 13:06:29+02:00', '...Z') is converted to UTC (11:06:29),
        not read as local time with the offset dropped. -#}
    {%- set as_text = 'cast(' ~ column ~ ' as varchar)' -%}
    {%- set expression -%}
        case
            when regexp_matches(
                {{ as_text }}, '\d:\d\d(:\d\d(\.\d+)?)?\s*(Z|[+-]\d\d(:?\d\d)?)$'
            )
                then timezone('UTC', try_cast({{ as_text }} as timestamptz))
            else try_cast({{ column }} as timestamp)
        end
    {%- endset -%}
    {{ return(expression) }}
{% endmacro %}

{% macro landing_row_struct(relation_alias) %}
    {{ return(adapter.dispatch('landing_row_struct', 'cvm')(relation_alias)) }}
{% endmacro %}

{% macro default__landing_row_struct(relation_alias) %}
    {#- Postgres: a relation alias used as a column is its row. -#}
    {{ relation_alias }}
{% endmacro %}

{% macro duckdb__landing_row_struct(relation_alias) %}
    {#- Every column of the row but the loader's _landing_file and
        _landing_line, so that two identical rows have identical structs. -#}
    struct_pack(*columns({{ relation_alias }}.* exclude (_landing_file, _landing_line)))
{% endmacro %}

{% macro landing_loader_columns() %}
    {#- The columns of landing_typed_select() that every base_ model passes
        through unchanged. -#}
    _raw_row,
    _invalid_column,
    _invalid_detail,
    _landing_file,
    _landing_line
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

{% macro landing_personal_columns(table_name) %}
    {#- The columns of landing table `table_name` that the landing contract
        marks as personal data (meta.personal in the source YAML). -#}
    {% set entry = landing_table(table_name) %}
    {% set node_id = 'source.' ~ project_name ~ '.' ~ entry.source ~ '.' ~ table_name %}
    {% set personal = [] %}
    {% if execute and node_id in graph.sources %}
        {% for column in graph.sources[node_id].columns.values() %}
            {% set meta = column.meta or (column.config or {}).get('meta', {}) or {} %}
            {% if meta.get('personal', false) %}
                {% do personal.append(column.name) %}
            {% endif %}
        {% endfor %}
    {% endif %}
    {{ return(personal) }}
{% endmacro %}

{% macro landing_masked_row(row_expression, table_name) %}
    {#- The raw row with its personal columns masked: a present value
        becomes '[masked: personal data]', a null stays null. -#}
    {% set personal = landing_personal_columns(table_name) %}
    {% if not personal %}
        {{ return(row_expression) }}
    {% endif %}
    {{ return(adapter.dispatch('landing_masked_row', 'cvm')(row_expression, personal)) }}
{% endmacro %}

{% macro duckdb__landing_masked_row(row_expression, personal) %}
    {%- set updates = [] -%}
    {%- for name in personal -%}
        {%- do updates.append(name ~ " := case when " ~ row_expression ~ "." ~ name
            ~ " is not null then '[masked: personal data]' end") -%}
    {%- endfor -%}
    struct_update({{ row_expression }}, {{ updates | join(', ') }})
{% endmacro %}

{% macro default__landing_masked_row(row_expression, personal) %}
    {{ exceptions.raise_compiler_error(
        "landing_masked_row: no masking of personal columns for adapter "
        ~ adapter.type() ~ "; write " ~ adapter.type() ~ "__landing_masked_row") }}
{% endmacro %}
