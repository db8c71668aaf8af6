{#- One row per foreign currency and day, from the currency's first rate
    to the as-of date: the latest rate on or before that day. Lets amounts
    dated by a day convert with an equality join (macro to_reporting). -#}

with

rates as (

    select
        currency,
        rate_date,
        rate_to_reporting,
        lead(rate_date) over (
            partition by currency order by rate_date
        ) as next_rate_date
    from {{ ref('stg_billing__fx_rates') }}
    where
        currency <> '{{ var("reporting_currency") }}'
        and rate_date <= {{ as_of_date() }}

),

bounds as (

    select
        min(rate_date) as first_day,
        {{ as_of_date() }} as last_day
    from rates

),

numbers as (

    -- 32768 days back from the as-of date: ninety years, more than any
    -- billing history (an older rate is simply not needed)
    {{ dbt.generate_series(32768) }}

),

days as (

    select
        cast(
            {{ dbt.dateadd(
                'day', '1 - numbers.generated_number', 'bounds.last_day'
            ) }} as date
        ) as rate_day,
        bounds.first_day
    from bounds
    cross join numbers

),

in_range as (

    select rate_day
    from days
    where rate_day >= first_day

),

final as (

    select
        rates.currency,
        in_range.rate_day,
        rates.rate_to_reporting
    from in_range
    inner join rates
        on
            in_range.rate_day >= rates.rate_date
            and (
                rates.next_rate_date is null
                or in_range.rate_day < rates.next_rate_date
            )

)

select * from final
