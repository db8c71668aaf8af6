-- For every landing table: raw rows = clean rows + quarantined rows +
-- duplicates removed. Raw rows are the rows read plus the CSV records that
-- could not be split. Duplicates are counted independently of the dedup
-- window, by grouping: per key with a usable key and _extracted_at, every
-- row but one per different content among the key's newest rows (one when
-- they agree; all of them quarantined when they differ). So the test fails
-- when de-duplication keeps two rows of a key, drops a key, or a rule loses
-- rows.
--
-- The count reads the materialised base_ tables and regroups only the keys
-- de-duplication or a rule touched: those with a row ranked > 1 or a
-- quarantined row. Any other key has all its rows staged as clean rows: one
-- row if it is right, else its rows break the stg_ model's unique key test
-- (which every stg_ model has), so nothing is left unchecked.
with

counts as (

    {% for entry in landing_tables() %}
    {%- set name = entry.source ~ '__' ~ entry.entity %}
    {%- set keys = entry['keys'] %}
    {%- set qualified_keys = [] %}
    {%- for key in keys %}{% do qualified_keys.append('keyed_rows.' ~ key) %}{% endfor %}
    {%- set keyed %}
        {%- for key in keys %}{{ key }} is not null and {% endfor -%}
        _extracted_at is not null
    {%- endset %}
    select
        '{{ entry.table }}' as source_table,
        (
            select count(*)
            from {{ source(entry.source, entry.table) }}
        )
        + (
            select count(*)
            from {{ source('landing_loader', 'malformed_rows') }} as malformed
            where malformed.source_table = '{{ entry.table }}'
        ) as raw_rows,
        (select count(*) from {{ ref('stg_' ~ name) }}) as clean_rows,
        (
            select count(*)
            from {{ ref('stg_landing__quarantine') }} as quarantine
            where quarantine.source_table = '{{ entry.table }}'
        ) as quarantined_rows,
        (
            select coalesce(sum(key_rows - newest_contents), 0)
            from (
                select
                    record_key,
                    sum(content_rows) as key_rows,
                    count(case when newest then 1 end) as newest_contents
                from (
                    select
                        record_key,
                        content_rows,
                        _extracted_at
                        = max(_extracted_at) over (partition by record_key)
                            as newest
                    from (
                        select
                            {{ landing_record_key(qualified_keys) }} as record_key,
                            keyed_rows._extracted_at,
                            keyed_rows._row_hash,
                            count(*) as content_rows
                        from {{ ref('base_' ~ name) }} as keyed_rows
                        inner join (
                            select distinct {{ keys | join(', ') }}
                            from {{ ref('base_' ~ name) }}
                            where
                                {{ keyed }}
                                and (
                                    _dedup_rank > 1
                                    or _quarantine_rule is not null
                                )
                        ) as touched_keys
                            on
                            {%- for key in keys %}
                                {% if not loop.first %}and {% endif -%}
                                keyed_rows.{{ key }} = touched_keys.{{ key }}
                            {%- endfor %}
                        where keyed_rows._extracted_at is not null
                        group by
                            {{ landing_record_key(qualified_keys) }},
                            keyed_rows._extracted_at,
                            keyed_rows._row_hash
                    ) as per_content
                ) as flagged
                group by record_key
            ) as per_key
        ) as duplicates_removed
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select *
from counts
where raw_rows <> clean_rows + quarantined_rows + duplicates_removed
