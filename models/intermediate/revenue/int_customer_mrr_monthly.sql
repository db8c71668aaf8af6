{#- The one customer-month MRR model: MRR, the previous month restated at
    this month's rates, and the movement classification (marts.md). -#}

with

months as (

    select
        month_start,
        measured_on
    from {{ ref('util_months') }}

),

versions as (

    select
        customer_id,
        currency,
        native_mrr,
        valid_from,
        valid_to
    from {{ ref('int_subscription_versions_priced') }}
    where native_mrr <> 0

),

rates as (

    select
        month_start,
        currency,
        rate_to_reporting
    from {{ ref('int_fx_rates_monthly') }}

),

-- the rates of the months of the grid: a converted month is one of them
rates_in_grid as (

    select
        rates.month_start,
        rates.currency,
        rates.rate_to_reporting
    from rates
    inner join months
        on rates.month_start = months.month_start

),

-- per currency and month, the rates a month's native MRR converts at as the
-- previous month of the next one: the next month's (constant currency) and
-- its own (0 without one); none after the as-of month
next_month_rates as (

    select
        next_month.currency,
        cast(
            {{ dbt.dateadd('month', -1, 'next_month.month_start') }} as date
        ) as month_start,
        next_month.rate_to_reporting as next_rate_to_reporting,
        coalesce(this_month.rate_to_reporting, 0) as rate_to_reporting
    from rates_in_grid as next_month
    left join rates as this_month
        on
            next_month.currency = this_month.currency
            and this_month.month_start = cast(
                {{ dbt.dateadd('month', -1, 'next_month.month_start') }}
                as date
            )

),

-- native MRR per customer, currency and month: the versions in force on the
-- month's measuring day (valid_from <= day < valid_to)
native_monthly as (

    select
        versions.customer_id,
        versions.currency,
        months.month_start,
        sum(versions.native_mrr) as native_mrr
    from versions
    inner join months
        on
            versions.valid_from <= months.measured_on
            and (
                versions.valid_to is null
                or versions.valid_to > months.measured_on
            )
    group by 1, 2, 3

),

-- each customer-currency-month's native MRR converted once per use, each
-- product rounded to decimal(38, 10): as MRR of its month at the month's
-- rate, and as the previous month of the next month at the next month's
-- rate (constant currency) and at its own month's rate
contributions as (

    select
        native_monthly.customer_id,
        native_monthly.month_start,
        {{ decimal_product(
            'native_monthly.native_mrr', 'this_month.rate_to_reporting'
        ) }} as mrr,
        0 as previous_mrr,
        0 as previous_mrr_cc
    from native_monthly
    inner join rates_in_grid as this_month
        on
            native_monthly.currency = this_month.currency
            and native_monthly.month_start = this_month.month_start

    union all

    select
        native_monthly.customer_id,
        cast(
            {{ dbt.dateadd('month', 1, 'native_monthly.month_start') }} as date
        ) as month_start,
        0 as mrr,
        {{ decimal_product(
            'native_monthly.native_mrr', 'next_month.rate_to_reporting'
        ) }} as previous_mrr,
        {{ decimal_product(
            'native_monthly.native_mrr', 'next_month.next_rate_to_reporting'
        ) }} as previous_mrr_cc
    from native_monthly
    inner join next_month_rates as next_month
        on
            native_monthly.currency = next_month.currency
            and native_monthly.month_start = next_month.month_start

),

-- summed over the customer's currencies
converted as (

    select
        customer_id,
        month_start,
        sum(mrr) as mrr,
        sum(previous_mrr) as previous_mrr,
        sum(previous_mrr_cc) as previous_mrr_cc
    from contributions
    group by 1, 2

),

first_active as (

    select
        customer_id,
        min(month_start) as first_active_month
    from converted
    where mrr > 0
    group by 1

),

-- every month from the customer's first active month to the as-of month
grid as (

    select
        first_active.customer_id,
        months.month_start,
        first_active.first_active_month
    from first_active
    inner join months
        on first_active.first_active_month <= months.month_start

),

filled as (

    select
        grid.customer_id,
        grid.month_start,
        grid.first_active_month,
        coalesce(converted.mrr, 0) as mrr,
        coalesce(converted.previous_mrr, 0) as previous_mrr,
        coalesce(converted.previous_mrr_cc, 0) as previous_mrr_cc
    from grid
    left join converted
        on
            grid.customer_id = converted.customer_id
            and grid.month_start = converted.month_start

),

with_history as (

    select
        *,
        -- the grid starts at the first active month: every later month
        -- has an active month before it
        month_start > first_active_month as was_active_before,
        count(case when mrr > 0 then 1 end) over (
            partition by customer_id
            order by month_start
            rows between unbounded preceding and current row
        ) as active_months_to_date
    from filled

),

classified as (

    select
        customer_id,
        month_start,
        first_active_month,
        mrr,
        previous_mrr,
        previous_mrr_cc,
        active_months_to_date,
        previous_mrr_cc - previous_mrr as fx_adjustment_mrr,
        mrr > 0 as is_active,
        case
            when previous_mrr_cc = 0 and mrr > 0 and not was_active_before
                then 'new'
            when previous_mrr_cc = 0 and mrr > 0 then 'reactivation'
            when previous_mrr_cc > 0 and mrr = 0 then 'churn'
            when previous_mrr_cc > 0 and mrr > previous_mrr_cc then 'expansion'
            when previous_mrr_cc > 0 and mrr < previous_mrr_cc
                then 'contraction'
            else 'flat'
        end as movement
    from with_history

),

final as (

    select
        *,
        case movement
            when 'new' then mrr
            when 'reactivation' then mrr
            when 'expansion' then mrr - previous_mrr_cc
            when 'contraction' then previous_mrr_cc - mrr
            when 'churn' then previous_mrr_cc
            else 0
        end as movement_mrr
    from classified

)

select * from final
