{% set personal_tables = [] %}
{% for entry in landing_tables() %}
{% if landing_personal_columns(entry.table) %}
{% do personal_tables.append("'" ~ entry.table ~ "'") %}
{% endif %}
{% endfor %}
{% set withheld = "'[masked: a record of a table with personal data]'" %}

{#- One row per landing row that broke a hard rule of the landing contract,
    across all landing tables (see docs/quarantine_rules.md), and one per CSV
    record that could not be split into its header's columns. -#}

{% for entry in landing_tables() %}
select
    cast('{{ entry.table }}' as {{ dbt.type_string() }}) as source_table,
    {{ landing_record_key(entry['keys']) }} as record_key,
    _quarantine_rule as rule,  -- noqa: RF04
    case
        when _quarantine_rule = 'invalid_value' then _invalid_column
    end as rule_column,
    case
        when _quarantine_rule = 'invalid_value' then _invalid_detail
        when _quarantine_rule = 'conflicting_duplicate'
            then {{ dbt.concat([
                "'differs from another row with the same key and _extracted_at '",
                "cast(_extracted_at as " ~ dbt.type_string() ~ ")"]) }}
    end as rule_detail,
    {{ landing_row_json(landing_masked_row('_raw_row', entry.table)) }}
        as raw_record,
    _landing_file as landing_file,
    _landing_line as landing_line,
    cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }})
        as detected_at
from {{ ref('base_' ~ entry.source ~ '__' ~ entry.entity) }}
where
    _dedup_rank = 1
    and _quarantine_rule is not null
union all
{% endfor %}
select
    source_table,
    cast(null as {{ dbt.type_string() }}) as record_key,
    'malformed_row' as rule,  -- noqa: RF04
    column_name as rule_column,
    {{ dbt.concat(["error_type", "': '", "error_message"]) }} as rule_detail,
    case
        {%- if personal_tables %}
        -- a record that cannot be split cannot have its personal columns
        -- masked: the whole text is withheld (file and line say where it is)
        when source_table in ({{ personal_tables | join(', ') }})
            then {{ landing_row_json(withheld) }}
        {%- endif %}
        else {{ landing_row_json('raw_line') }}
    end as raw_record,
    landing_file,
    landing_line,
    cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }})
        as detected_at
from {{ source('landing_loader', 'malformed_rows') }}
