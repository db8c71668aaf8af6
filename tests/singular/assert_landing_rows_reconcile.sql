-- For every landing table: raw rows = clean rows + quarantined rows +
-- duplicates removed. Returns the tables where that does not hold.
with

counts as (

    {% for entry in landing_tables() %}
    {%- set name = entry.source ~ '__' ~ entry.entity %}
    select
        '{{ entry.table }}' as source_table,
        (
            select count(*)
            from {{ source(entry.source, entry.table) }}
        ) as raw_rows,
        (select count(*) from {{ ref('stg_' ~ name) }}) as clean_rows,
        (
            select count(*)
            from {{ ref('stg_landing__quarantine') }} as quarantine
            where quarantine.source_table = '{{ entry.table }}'
        ) as quarantined_rows,
        (
            select count(*)
            from {{ ref('base_' ~ name) }} as base
            where base._dedup_rank > 1
        ) as duplicates_removed
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select *
from counts
where raw_rows <> clean_rows + quarantined_rows + duplicates_removed
