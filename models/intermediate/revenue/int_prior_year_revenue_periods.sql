{#- One row per period grain, period and customer with revenue a year
    earlier, like for like: the same days of the year before (a period to
    date, e.g. up to a mid-month as-of date, compares with the same days a
    year earlier), from the dated revenue items, the customer classified as
    new or existing as it was then (int_customer_starts). -#}

with

day_numbers as (

    -- 1..366: the days of the longest period (a leap year)
    {{ dbt.generate_series(366) }}

),

-- every day of each period's window a year earlier, from the period's
-- start to its last counted day, both a year back: items join it on their
-- day (an equi-join, not a range join)
prior_year_days as (

    select
        period_bounds.period_grain,
        period_bounds.period_start,
        period_bounds.last_month,
        cast(
            {{ dbt.dateadd(
                'day',
                'day_numbers.generated_number - 1',
                dbt.dateadd('year', -1, 'period_bounds.period_start')
            ) }} as date
        ) as prior_day,
        cast(
            {{ dbt.dateadd('year', -1, 'period_bounds.period_end_day') }}
            as date
        ) as prior_end_day
    from {{ ref('util_periods') }} as period_bounds
    cross join day_numbers

),

prior_year_items as (

    select
        prior_year_days.period_grain,
        prior_year_days.period_start,
        items.customer_id,
        customers.segment,
        items.gross_revenue - items.credit_amount as net_revenue,
        case
            when {{ dbt.datediff(
                'customer_starts.start_month',
                dbt.dateadd('month', -12, 'prior_year_days.last_month'),
                'month'
            ) }} < 12 then 'new'
            else 'existing'
        end as customer_status
    from prior_year_days
    inner join {{ ref('int_revenue_items') }} as items
        on prior_year_days.prior_day = items.item_date
    inner join {{ ref('int_customers_enriched') }} as customers
        on items.customer_id = customers.customer_id
    inner join {{ ref('int_customer_starts') }} as customer_starts
        on items.customer_id = customer_starts.customer_id
    where prior_year_days.prior_day <= prior_year_days.prior_end_day

),

final as (

    select
        period_grain,
        period_start,
        customer_id,
        segment,
        customer_status,
        sum(net_revenue) as net_revenue
    from prior_year_items
    group by 1, 2, 3, 4, 5

)

select * from final
