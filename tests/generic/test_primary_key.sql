{% test primary_key(model, columns) %}
    {#- The columns identify a row: fails on every combination of them that
        occurs more than once or has a null in any of them. -#}
    select
        {{ columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ columns | join(', ') }}
    having
        count(*) > 1
        {%- for column in columns %}
        or {{ column }} is null
        {%- endfor %}
{% endtest %}
