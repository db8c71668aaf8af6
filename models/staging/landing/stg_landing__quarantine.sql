{#- One row per landing row that broke a hard rule of the landing contract,
    across all landing tables (see docs/quarantine_rules.md). -#}

{% for entry in landing_tables() %}
select
    cast('{{ entry.table }}' as {{ dbt.type_string() }}) as source_table,
    {{ landing_record_key(entry['keys']) }} as record_key,
    _quarantine_rule as rule,  -- noqa: RF04
    {{ landing_row_json('_raw_row') }} as raw_record,
    cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }})
        as detected_at
from {{ ref('base_' ~ entry.source ~ '__' ~ entry.entity) }}
where
    _dedup_rank = 1
    and _quarantine_rule is not null
{% if not loop.last %}union all{% endif %}
{% endfor %}
