{% macro union_padded(relations, keys, measures) %}
    {#- One union all of several event relations that each carry some of the
        measures: every relation gives the key columns and every measure, a
        measure it does not carry as 0, so the union sums per key without
        caring where a row came from. -#}
    {%- for relation, carried in relations.items() %}
    select
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        {%- for measure in measures %}
        {{ measure if measure in carried else '0 as ' ~ measure }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}
{% endmacro %}
