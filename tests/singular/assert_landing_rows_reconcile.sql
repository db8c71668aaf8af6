-- For every landing table: raw rows = clean rows + quarantined rows +
-- duplicates removed. Duplicates are counted independently of the dedup
-- window: rows with a full key minus distinct keys. So the test fails when
-- de-duplication keeps two rows of a key, drops a key, or a rule loses rows.
with

counts as (

    {% for entry in landing_tables() %}
    {%- set name = entry.source ~ '__' ~ entry.entity %}
    {%- set keys = entry['keys'] %}
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
            select
                count(*)
                - count(distinct {{ landing_record_key(keys) }})
            from {{ ref('base_' ~ name) }}
            where
                {{ keys | join(' is not null and ') }} is not null
        ) as duplicates_removed
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select *
from counts
where raw_rows <> clean_rows + quarantined_rows + duplicates_removed
