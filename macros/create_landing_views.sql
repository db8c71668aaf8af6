{% macro create_landing_views() %}
    {{ return(adapter.dispatch('create_landing_views', 'cvm')()) }}
{% endmacro %}

{% macro default__create_landing_views() %}
    {#- On a database engine the extract job loads the landing tables into
        the schema `landing` itself (with the loader columns _landing_file and
        _landing_line, and an empty landing.malformed_rows): nothing to do
        here. -#}
    {{ return('select 1') }}
{% endmacro %}

{% macro duckdb__create_landing_views() %}
    {#- Expose every landing file as a relation landing.<table>, so that the
        sources read files in any of the contract's three forms, each row
        with the loader columns _landing_file and _landing_line (where it came
        from). CSV files are read as text with the dialect fixed (comma,
        double quote) into tables in schema landing_csv; a record that cannot
        be split into the header's columns lands in landing.malformed_rows
        instead (the quarantine's rule malformed_row). Values are typed in
        the base_ models, where a value that does not cast quarantines its
        row (invalid_value).
        Fails the run, naming table, file and column, when a required table
        or column is missing (in any part of a folder), a header names a
        column twice, a table comes in two forms, or the landing directory
        holds glob characters. A missing optional table becomes an empty
        relation typed by the source YAML. -#}
    {% if not execute %}
        {{ return('select 1') }}
    {% endif %}
    {% set landing_dir = (var('landing_dir') | string).rstrip('/') %}
    {% for character in ['*', '?', '[', ']', '{', '}'] if character in landing_dir %}
        {{ exceptions.raise_compiler_error(
            "Landing contract violation: the landing directory '" ~ landing_dir
            ~ "' contains the glob character '" ~ character ~ "', so it could "
            ~ "match other folders too: rename the folder (CVM_LANDING_DIR).") }}
    {% endfor %}
    {% set statements = [] %}
    {% set schemas = [] %}
    {% set malformed = [] %}
    {% for node in graph.sources.values() | sort(attribute='name')
        if node.package_name == project_name %}
        {% set target_name = node.database ~ '.' ~ node.schema %}
        {% if target_name not in schemas %}
            {% do schemas.append(target_name) %}
            {% do statements.append('create schema if not exists ' ~ target_name) %}
        {% endif %}
        {% if not (node.config.get('meta', {}) or {}).get('loader_output', false) %}
            {% do statements.extend(landing_table_statements(node, landing_dir, malformed)) %}
        {% endif %}
    {% endfor %}
    {% for node in graph.sources.values()
        if node.package_name == project_name
        and (node.config.get('meta', {}) or {}).get('loader_output', false) %}
        {#- landing.malformed_rows: every CSV record that could not be split -#}
        {% set empty_malformed %}
            select
                cast(null as varchar) as source_table,
                cast(null as varchar) as landing_file,
                cast(null as bigint) as landing_line,
                cast(null as varchar) as column_name,
                cast(null as varchar) as error_type,
                cast(null as varchar) as error_message,
                cast(null as varchar) as raw_line
            where 1 = 0
        {% endset %}
        {% do statements.append(
            'create or replace table ' ~ node.database ~ '.' ~ node.schema ~ '.' ~ node.name
            ~ ' as ' ~ ([empty_malformed] + malformed) | join(' union all ')) %}
    {% endfor %}
    {{ return(statements | join(';\n')) }}
{% endmacro %}

{% macro landing_table_statements(node, landing_dir, malformed) %}
    {#- The statements that expose one landing table as landing.<table>,
        after checking its form and its columns against the source's YAML
        (the landing contract). Appends to `malformed` the select of the
        table's malformed CSV records. -#}
    {% set table = node.name %}
    {% set relation = node.database ~ '.' ~ node.schema ~ '.' ~ table %}
    {% set base = landing_dir ~ '/' ~ table %}
    {% set forms = {
        'parquet': base ~ '.parquet',
        'csv': base ~ '.csv',
        'folder': base ~ '/*.parquet',
    } %}
    {% set found = [] %}
    {% for form, pattern in forms.items() %}
        {% set hits = run_query(
            "select count(*) from glob(" ~ landing_quote(pattern) ~ ")"
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
            {% do typed_nulls.append('cast(null as varchar) as _landing_file') %}
            {% do typed_nulls.append('cast(null as bigint) as _landing_line') %}
            {{ return(['create or replace view ' ~ relation ~ ' as select '
                ~ typed_nulls | join(', ') ~ ' where 1 = 0']) }}
        {% endif %}
        {{ exceptions.raise_compiler_error(
            "Landing contract violation: required table '" ~ table
            ~ "' not found in "
            ~ landing_dir ~ ": expected " ~ forms.parquet ~ ", " ~ forms.csv
            ~ " or " ~ forms.folder ~ " (see docs/landing_contract.md; "
            ~ "set CVM_LANDING_DIR to the landing directory).") }}
    {% endif %}

    {% set path = forms[found[0]] %}
    {% if found[0] == 'csv' %}
        {{ return(landing_csv_statements(node, path, relation, malformed)) }}
    {% endif %}
    {{ return(landing_parquet_statements(node, path, relation)) }}
{% endmacro %}

{% macro landing_quote(text) %}
    {#- A SQL string literal. -#}
    {{ return("'" ~ text | replace("'", "''") ~ "'") }}
{% endmacro %}

{% macro landing_check_columns(node, file_label, present) %}
    {#- Fail naming table, file and column when `present` (the column names
        of one file, as they are written) names a column twice or lacks a
        contract column. Names are matched case-insensitively. -#}
    {% set seen = [] %}
    {% for name in present %}
        {% if name | lower in seen %}
            {{ exceptions.raise_compiler_error(
                "Landing contract violation: table '" ~ node.name ~ "' (" ~ file_label
                ~ ") names column '" ~ name ~ "' twice in its header: keep one.") }}
        {% endif %}
        {% do seen.append(name | lower) %}
    {% endfor %}
    {% set missing = [] %}
    {% for column in node.columns.values() if column.name | lower not in seen %}
        {% do missing.append(column.name) %}
    {% endfor %}
    {% if missing %}
        {{ exceptions.raise_compiler_error(
            "Landing contract violation: table '" ~ node.name ~ "' ("
            ~ file_label
            ~ ") is missing required column(s): " ~ missing | join(', ')
            ~ ". The landing contract requires them.") }}
    {% endif %}
{% endmacro %}

{% macro landing_parquet_statements(node, pattern, relation) %}
    {#- A parquet file or folder of parts: every part must hold every
        contract column (a part without one would read as nulls). -#}
    {% set schema_rows = run_query(
        "select file_name, name from parquet_schema(" ~ landing_quote(pattern) ~ ")"
        ~ " where coalesce(num_children, 0) = 0 order by file_name"
    ) %}
    {% set by_file = {} %}
    {% for row in schema_rows.rows %}
        {% do by_file.setdefault(row[0], []).append(row[1]) %}
    {% endfor %}
    {% for file_name, present in by_file.items() %}
        {% do landing_check_columns(node, file_name, present) %}
    {% endfor %}
    {% set reader = "read_parquet(" ~ landing_quote(pattern)
        ~ ", union_by_name = true, filename = true, file_row_number = true)" %}
    {{ return([
        'create or replace view ' ~ relation ~ ' as select'
        ~ ' * exclude (filename, file_row_number),'
        ~ ' filename as _landing_file,'
        ~ ' file_row_number + 1 as _landing_line'
        ~ ' from ' ~ reader
    ]) }}
{% endmacro %}

{% macro landing_csv_statements(node, path, relation, malformed) %}
    {#- A CSV file: header checked, every column read as text with the
        dialect fixed, records that cannot be split set aside with their
        line. Lines are counted as DuckDB counts them: the header is line 1
        and each record one line. -#}
    {% set table = node.name %}
    {% set header_rows = run_query(
        "select rtrim(ltrim(line, chr(239) || chr(187) || chr(191)), chr(13))"
        ~ " from read_csv(" ~ landing_quote(path) ~ ", columns = {'line': 'VARCHAR'},"
        ~ " header = false, delim = chr(31), quote = '', escape = '', auto_detect = false,"
        ~ " encoding = 'latin-1', ignore_errors = true) limit 1"
    ).rows %}
    {% if header_rows | length == 0 or header_rows[0][0] is none %}
        {{ exceptions.raise_compiler_error(
            "Landing contract violation: table '" ~ table ~ "' (" ~ path
            ~ ") cannot be read: line 1 holds no header row (the file is empty).") }}
    {% endif %}
    {#- the header as written (byte order mark and line end removed above),
        names unquoted -#}
    {% set names = [] %}
    {% for name in header_rows[0][0].split(',') %}
        {% do names.append(name.strip().strip('"').strip()) %}
    {% endfor %}
    {% do landing_check_columns(node, path, names) %}
    {% set typed = [] %}
    {% for name in names %}
        {% do typed.append(landing_quote(name) ~ ": 'VARCHAR'") %}
    {% endfor %}
    {% set rows_table = 'landing_csv.' ~ table %}
    {% set rejects = 'cvm_rejects_' ~ table %}
    {% set rejected = 'landing_csv.' ~ table ~ '__rejected' %}
    {% do malformed.append(
        "select '" ~ table ~ "', " ~ landing_quote(path) ~ ", line, column_name,"
        ~ " error_type, error_message, raw_line from " ~ rejected) %}
    {{ return([
        'create schema if not exists landing_csv',
        'drop table if exists temp.' ~ rejects,
        'drop table if exists temp.' ~ rejects ~ '_scans',
        'create or replace table ' ~ rows_table ~ ' as select * from read_csv('
            ~ landing_quote(path) ~ ", header = true, delim = ',', quote = '\"',"
            ~ " escape = '\"', auto_detect = false, columns = {" ~ typed | join(', ') ~ "},"
            ~ " store_rejects = true, rejects_table = '" ~ rejects ~ "',"
            ~ " rejects_scan = '" ~ rejects ~ "_scans', rejects_limit = 0)",
        'create or replace table ' ~ rejected ~ ' as select line, column_name,'
            ~ ' error_type, error_message, raw_line,'
            ~ ' line - row_number() over (order by line) - 1 as records_before'
            ~ ' from (select line, min(column_name) as column_name,'
            ~ ' min(error_type) as error_type, min(error_message) as error_message,'
            ~ ' min(csv_line) as raw_line from temp.' ~ rejects ~ ' group by line)',
        'create or replace view ' ~ relation ~ ' as select landing_rows.*, '
            ~ landing_quote(path) ~ ' as _landing_file,'
            ~ ' landing_rows.rowid + 2 + (select count(*) from ' ~ rejected ~ ' as rejected'
            ~ ' where rejected.records_before <= landing_rows.rowid) as _landing_line'
            ~ ' from ' ~ rows_table ~ ' as landing_rows',
    ]) }}
{% endmacro %}
