{#- One row per currency and month: the rate that converts MRR measured in
    that month (the latest rate on or before the month's measuring day, from
    the one FX lookup int_fx_rates_daily; the reporting currency at 1). -#}

with

months as (

    select
        month_start,
        measured_on
    from {{ ref('util_months') }}

),

-- the one FX lookup (int_fx_rates_daily) on the month's measuring day
latest_rate as (

    select
        months.month_start,
        rates.currency,
        rates.rate_to_reporting
    from months
    inner join {{ ref('int_fx_rates_daily') }} as rates
        on months.measured_on = rates.rate_day

),

reporting_currency as (

    select
        month_start,
        '{{ var("reporting_currency") }}' as currency,
        cast(1 as decimal(18, 8)) as rate_to_reporting
    from months

),

final as (

    select
        month_start,
        currency,
        rate_to_reporting
    from latest_rate

    union all

    select
        month_start,
        currency,
        rate_to_reporting
    from reporting_currency

)

select * from final
