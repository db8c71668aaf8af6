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
                    keyed.record_key,
                    count(*) as key_rows,
                    count(distinct case
                        when keyed._extracted_at = newest.newest_extracted_at
                            then keyed.row_hash
                    end) as newest_contents
                from (
                    select
                        {{ landing_record_key(keys) }} as record_key,
                        _extracted_at,
                        {{ landing_row_hash('_raw_row') }} as row_hash
                    from {{ ref('base_' ~ name) }}
                    where
                        {{ keys | join(' is not null and ') }} is not null
                        and _extracted_at is not null
                ) as keyed
                inner join (
                    select
                        {{ landing_record_key(keys) }} as record_key,
                        max(_extracted_at) as newest_extracted_at
                    from {{ ref('base_' ~ name) }}
                    where
                        {{ keys | join(' is not null and ') }} is not null
                        and _extracted_at is not null
                    group by {{ landing_record_key(keys) }}
                ) as newest
                    on keyed.record_key = newest.record_key
                group by keyed.record_key
            ) as per_key
        ) as duplicates_removed
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select *
from counts
where raw_rows <> clean_rows + quarantined_rows + duplicates_removed
