{#- One row per currency and month: the rate that converts MRR measured in
    that month (the latest rate on or before the month's measuring day). -#}

with

months as (

    select
        month_start,
        measured_on
    from {{ ref('util_months') }}

),

rates as (

    select
        currency,
        rate_date,
        rate_to_reporting
    from {{ ref('stg_billing__fx_rates') }}
    where currency <> '{{ var("reporting_currency") }}'

),

latest_rate as (

    select
        months.month_start,
        rates.currency,
        rates.rate_to_reporting,
        row_number() over (
            partition by months.month_start, rates.currency
            order by rates.rate_date desc
        ) as recency
    from months
    inner join rates
        on months.measured_on >= rates.rate_date

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
    where recency = 1

    union all

    select
        month_start,
        currency,
        rate_to_reporting
    from reporting_currency

)

select * from final
