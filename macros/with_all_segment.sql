{% macro with_all_segment(relation, columns, segment='segment') %}
    {#- The rows of `relation` twice: as they are, and with the segment column
        set to 'All', so that any aggregate grouped by segment also gives the
        total over every segment (the 'All' row equals the sum of the
        segment rows for additive measures). `columns` lists the columns to
        keep, in order, the segment column among them. -#}
    select
        {%- for column in columns %}
        {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}

    union all

    select
        {%- for column in columns %}
        {{ "'All' as " ~ segment if column == segment else column }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}
{% endmacro %}
