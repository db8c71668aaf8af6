-- For every landing table: raw rows = clean rows + quarantined rows +
-- duplicates removed. Raw rows are the rows read plus the CSV records that
-- could not be split. Duplicates are counted independently of the dedup
-- window, by grouping: per key with a usable key and _extracted_at, every
-- row but one per different content among the key's newest rows (one when
-- they agree; all of them quarantined when they differ). So the test fails
-- when de-duplication keeps two rows of a key, drops a key, or a rule loses
-- rows.
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
                            {{ landing_record_key(keys) }} as record_key,
                            _extracted_at,
                            _row_hash,
                            count(*) as content_rows
                        from {{ ref('base_' ~ name) }}
                        where
                            {{ keys | join(' is not null and ') }} is not null
                            and _extracted_at is not null
                        group by
                            {{ landing_record_key(keys) }},
                            _extracted_at,
                            _row_hash
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
