{% macro trailing_sum(expression, months, relation='monthly') %}
    {#- Sum of `expression` over a customer's rows of the last `months`
        months up to and including the current one (a dense customer-month
        grid of `relation`, ordered by month_start); `months` none: since
        the first row. -#}
    sum({{ expression }}) over (
        partition by {{ relation }}.customer_id
        order by {{ relation }}.month_start
        rows between
            {{ 'unbounded' if months is none else months - 1 }} preceding
            and current row
    )
{%- endmacro %}
