{% macro landing_checks(relation, table_name, rules=[]) %}
    {#- The select shared by every base_ staging model: all columns of
        `relation` (a CTE of typed, normalised columns plus _extracted_at and
        _raw_row) and
        - _dedup_rank: 1 for the row that survives de-duplication on the
          table's key (newest _extracted_at; ties broken by a hash of the raw
          row, so the pick is deterministic); 1 for every null-key row;
        - _quarantine_rule: 'null_key' when any key column is null, else the
          first of `rules` (a list of (rule_name, condition) pairs, in order)
          whose condition is true, else null.
        See docs/quarantine_rules.md. -#}
    {% set keys = landing_table(table_name)['keys'] %}
    {% set any_key_null %}({% for key in keys %}{{ key }} is null{% if not loop.last %} or {% endif %}{% endfor %}){% endset %}
    select
        {{ relation }}.*,
        case
            when {{ any_key_null }} then 1
            else row_number() over (
                partition by {{ keys | join(', ') }}
                order by _extracted_at desc, {{ landing_row_hash('_raw_row') }} desc
            )
        end as _dedup_rank,
        case
            when {{ any_key_null }} then 'null_key'
            {%- for rule_name, condition in rules %}
            when {{ condition }} then '{{ rule_name }}'
            {%- endfor %}
        end as _quarantine_rule
    from {{ relation }}
{% endmacro %}
