{% macro is_unknown_billing_customer(expression) %}
    {#- True when `expression` names no billing customer (any billing_customers
        row with that key; test customers count as existing). Pass a
        qualified column (typed.customer_id): inside the subquery an
        unqualified name would bind to the customers table itself. -#}
    not exists (
        select 1
        from {{ ref('stg_billing__customers') }} as known_customers
        where known_customers.customer_id = {{ expression }}
    )
{% endmacro %}

{% macro has_no_fx_rate(currency, on_date) %}
    {#- True when an amount in `currency` dated `on_date` cannot be converted:
        not the reporting currency, and no clean fx rate on or before the date
        (equivalently: the date is before the currency's first rate). Pass
        qualified columns (typed.currency): an unqualified `currency` would
        bind to the fx table inside the subquery. -#}
    (
        coalesce({{ currency }}, '') <> '{{ var("reporting_currency") }}'
        and {{ on_date }} < coalesce(
            (
                select min(first_rates.rate_date)
                from {{ ref('stg_billing__fx_rates') }} as first_rates
                where first_rates.currency = {{ currency }}
            ),
            cast('9999-12-31' as date)
        )
    )
{% endmacro %}

{% macro as_of_date() %}
    {#- The as-of date as a scalar expression (see util_as_of_date). -#}
    (select as_of.as_of_date from {{ ref('util_as_of_date') }} as as_of)
{% endmacro %}
