{% macro landing_checks(relation, table_name, rules=[]) %}
    {#- The select shared by every base_ staging model: all columns of
        `relation` (a CTE of typed, normalised columns plus _extracted_at and
        the landing_loader_columns()) and
        - _row_hash: a hash of the raw row (equal for exact duplicates);
        - _dedup_rank: 1 for the row that survives de-duplication on the
          table's key (newest _extracted_at; exact duplicates tie and any of
          them is the pick, by a hash of the raw row, so it is
          deterministic); 1 for every row without a usable key or
          _extracted_at, which take no part in de-duplication; when the
          newest rows of a key differ in content (same _extracted_at), 1 for
          the first row of each different content, all of them quarantined;
          2, 3, ... for the duplicates removed;
        - _quarantine_rule, the first that applies of:
          'invalid_value' for a row without a usable key or _extracted_at
          that has a value that does not cast; 'null_key' (a key column is
          null); 'null_extracted_at'; 'conflicting_duplicate' (the newest
          rows of the key differ); 'invalid_value' (a value does not cast);
          then the first of `rules` (a list of (rule_name, condition) pairs,
          in order) whose condition is true; else null;
        - _raw_row kept only for the rows that break a rule (the quarantine
          shows them), null for the others: the base_ models are tables, and
          a clean row's content is its typed columns.
        See docs/quarantine_rules.md. -#}
    {% set keys = landing_table(table_name)['keys'] %}
    {% set any_key_null %}({% for key in keys %}{{ key }} is null{% if not loop.last %} or {% endif %}{% endfor %}){% endset %}
    {% set unkeyed = '(' ~ any_key_null ~ ' or _extracted_at is null)' %}
    {#- One partitioning (the key), ordered newest first; the tie-break by
        the row's hash only makes the pick among exact duplicates
        deterministic. -#}
    {% set partition = 'partition by ' ~ keys | join(', ') %}
    {% set newest_first = '(' ~ partition ~ ' order by _extracted_at desc, _row_hash desc)' %}
    {% set same_extract = '(' ~ partition
        ~ ' order by _extracted_at desc range between current row and current row)' %}
    {#- the rows of a key sharing its newest _extracted_at differ in content -#}
    {% set conflicting %}(
            rank() over ({{ partition }} order by _extracted_at desc) = 1
            and min(_row_hash) over {{ same_extract }}
            <> max(_row_hash) over {{ same_extract }}
        ){% endset %}
    select {{ landing_raw_row_of_rule_breakers('checked') }}
    from (
        select
            {{ relation }}.*,
            case
                when {{ unkeyed }} then 1
                when {{ conflicting }}
                    then case
                        when _row_hash = lag(_row_hash) over {{ newest_first }} then 2
                        else 1
                    end
                else row_number() over {{ newest_first }}
            end as _dedup_rank,
            case
                when {{ unkeyed }} and _invalid_column is not null then 'invalid_value'
                when {{ any_key_null }} then 'null_key'
                when _extracted_at is null then 'null_extracted_at'
                when {{ conflicting }} then 'conflicting_duplicate'
                when _invalid_column is not null then 'invalid_value'
                {%- for rule_name, condition in rules %}
                when {{ condition }} then '{{ rule_name }}'
                {%- endfor %}
            end as _quarantine_rule
        from (
            select
                {{ relation }}.*,
                {{ landing_row_hash('_raw_row') }} as _row_hash
            from {{ relation }}
        ) as {{ relation }}  -- the rules may name the relation's columns qualified
    ) as checked
{% endmacro %}

{% macro landing_raw_row_of_rule_breakers(relation_alias) %}
    {{ return(adapter.dispatch('landing_raw_row_of_rule_breakers', 'cvm')(relation_alias)) }}
{% endmacro %}

{% macro default__landing_raw_row_of_rule_breakers(relation_alias) %}
    {#- Engines without `* exclude` keep every row's _raw_row. -#}
    {{ relation_alias }}.*
{% endmacro %}

{% macro duckdb__landing_raw_row_of_rule_breakers(relation_alias) %}
    {#- Every column of the relation, _raw_row (now the last) null where no
        rule is broken: it is only stored to be shown in the quarantine. -#}
    {{ relation_alias }}.* exclude (_raw_row),
    case
        when {{ relation_alias }}._quarantine_rule is not null
            then {{ relation_alias }}._raw_row
    end as _raw_row
{% endmacro %}
