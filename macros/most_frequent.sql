{% macro most_frequent(relation, group_by, value) %}
    {#- A select of `group_by` columns and the most frequent non-null `value`
        in each group, as `top_value` (ties: the alphabetically first). -#}
    select
        {{ group_by | join(', ') }},
        {{ value }} as top_value
    from (
        select
            {{ group_by | join(', ') }},
            {{ value }},
            row_number() over (
                partition by {{ group_by | join(', ') }}
                order by count(*) desc, {{ value }} asc
            ) as frequency_rank
        from {{ relation }}
        where {{ value }} is not null
        group by {{ group_by | join(', ') }}, {{ value }}
    ) as ranked
    where frequency_rank = 1
{% endmacro %}
