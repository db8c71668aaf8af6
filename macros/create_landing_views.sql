{% macro create_landing_views() %}
    {{ return(adapter.dispatch('create_landing_views', 'cvm')()) }}
{% endmacro %}

{% macro default__create_landing_views() %}
    {#- On a database engine the extract job loads the landing tables into
        the schema `landing` itself: nothing to do here. -#}
    {{ return('select 1') }}
{% endmacro %}

{% macro duckdb__create_landing_views() %}
    {#- Expose every landing file as a view landing.<table>, so that the
        sources read files in any of the contract's three forms. Fails the
        run, naming table and column, when a required table or column is
        missing or a table comes in two forms. A missing optional table
        becomes an empty view typed by the source YAML. -#}
    {% if not execute %}
        {{ return('select 1') }}
    {% endif %}
    {% set landing_dir = (var('landing_dir') | string).rstrip('/') %}
    {% set statements = [] %}
    {% set schemas = [] %}
    {% for node in graph.sources.values() | sort(attribute='name')
        if node.package_name == project_name %}
        {% set target_name = node.database ~ '.' ~ node.schema %}
        {% if target_name not in schemas %}
            {% do schemas.append(target_name) %}
            {% do statements.append('create schema if not exists ' ~ target_name) %}
        {% endif %}
        {% do statements.append(
            'create or replace view ' ~ target_name ~ '.' ~ node.name
            ~ ' as ' ~ landing_file_select(node, landing_dir)) %}
    {% endfor %}
    {{ return(statements | join(';\n')) }}
{% endmacro %}

{% macro landing_file_select(node, landing_dir) %}
    {#- The select that reads one landing table, after checking its form and
        its columns against the source's YAML (the landing contract). -#}
    {% set table = node.name %}
    {% set base = landing_dir ~ '/' ~ table %}
    {% set forms = {
        'parquet': base ~ '.parquet',
        'csv': base ~ '.csv',
        'folder': base ~ '/*.parquet',
    } %}
    {% set found = [] %}
    {% for form, pattern in forms.items() %}
        {% set hits = run_query(
            "select count(*) from glob('" ~ pattern | replace("'", "''") ~ "')"
        ).columns[0].values()[0] %}
        {% if hits > 0 %}
            {% do found.append(form) %}
        {% endif %}
    {% endfor %}
    {% set meta = node.config.get('meta', {}) or node.get('meta', {}) %}
    {% set contract_columns = node.columns.values() | list %}

    {% if found | length > 1 %}
        {{ exceptions.raise_compiler_error(
            "Landing contract violation: table '" ~ table ~ "' comes in two forms at once in "
            ~ landing_dir ~ ": " ~ found | join(' and ')
            ~ " (" ~ forms[found[0]] ~ ", " ~ forms[found[1]] ~ "). "
            ~ "Keep exactly one form per table.") }}
    {% elif found | length == 0 %}
        {% if meta.get('optional', false) %}
            {% set typed_nulls = [] %}
            {% for column in contract_columns %}
                {% do typed_nulls.append(
                    'cast(null as ' ~ column.data_type ~ ') as ' ~ column.name) %}
            {% endfor %}
            {{ return('select ' ~ typed_nulls | join(', ') ~ ' where 1 = 0') }}
        {% endif %}
        {{ exceptions.raise_compiler_error(
            "Landing contract violation: required table '" ~ table
            ~ "' not found in "
            ~ landing_dir ~ ": expected " ~ forms.parquet ~ ", " ~ forms.csv
            ~ " or " ~ forms.folder ~ " (see shared/spec/landing_contract.md; "
            ~ "set CVM_LANDING_DIR to the landing directory).") }}
    {% endif %}

    {% set path = forms[found[0]] | replace("'", "''") %}
    {% if found[0] == 'csv' %}
        {% set reader = "read_csv('" ~ path ~ "', header = true, auto_detect = true" %}
    {% else %}
        {% set reader = "read_parquet('" ~ path ~ "', union_by_name = true" %}
    {% endif %}
    {% set described = run_query('describe select * from ' ~ reader ~ ')') %}
    {% set present = described.columns[0].values() | map('lower') | list %}
    {% set missing = [] %}
    {% for column in contract_columns if column.name | lower not in present %}
        {% do missing.append(column.name) %}
    {% endfor %}
    {% if missing %}
        {{ exceptions.raise_compiler_error(
            "Landing contract violation: table '" ~ table ~ "' ("
            ~ forms[found[0]]
            ~ ") is missing required column(s): " ~ missing | join(', ')
            ~ ". The landing contract requires them.") }}
    {% endif %}
    {% if found[0] == 'csv' %}
        {#- Read contract columns with their contract types, so that ids like
            '000123' stay strings and a bad value fails naming the column. -#}
        {% set hints = [] %}
        {% for column in contract_columns %}
            {% do hints.append("'" ~ column.name ~ "': '" ~ column.data_type ~ "'") %}
        {% endfor %}
        {% set reader = reader ~ ", types = {" ~ hints | join(', ') ~ "}" %}
    {% endif %}
    {{ return('select * from ' ~ reader ~ ')') }}
{% endmacro %}
