{% macro to_reporting(amount, currency, rate) %}
    {#- An amount in `currency` in the reporting currency, as decimal(38, 10):
        the reporting currency converts at 1, any other at `rate` (a column
        of int_fx_rates_daily joined on currency and day; quarantine
        guarantees such a rate exists for every clean amount). -#}
    cast(
        {{ amount }} * case
            when {{ currency }} = '{{ var("reporting_currency") }}' then 1
            else {{ rate }}
        end as decimal(38, 10)
    )
{% endmacro %}
