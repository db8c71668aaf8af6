with

customer_months as (

    select
        customer_id,
        segment,
        first_active_month as cohort_month,
        month_start,
        mrr,
        {{ dbt.datediff('first_active_month', 'month_start', 'month') }}
            as months_since_start
    from {{ ref('int_customer_mrr_segmented') }}

),

starting as (

    select
        customer_id,
        mrr as starting_mrr
    from customer_months
    where months_since_start = 0

),

joined as (

    select
        customer_months.customer_id,
        customer_months.segment,
        customer_months.cohort_month,
        customer_months.month_start,
        customer_months.mrr,
        customer_months.months_since_start,
        starting.starting_mrr
    from customer_months
    inner join starting
        on customer_months.customer_id = starting.customer_id

),

-- summed per segment, cohort and month first (exact decimal sums and
-- counts: summing them again for 'All' changes nothing), so the 'All' copy
-- doubles a few rows, not every customer-month
segment_cohorts as (

    select
        cohort_month,
        segment,
        months_since_start,
        count(*) as cohort_customers,
        sum(case when mrr > 0 then 1 else 0 end) as active_customers,
        sum(starting_mrr) as starting_mrr,
        sum(mrr) as mrr,
        sum(case when mrr < starting_mrr then mrr else starting_mrr end)
            as retained_starting_mrr
    from joined
    group by 1, 2, 3

),

-- each segment, then 'All' (every segment together)
with_all as (

    {{ with_all_segment('segment_cohorts', [
        'segment', 'cohort_month', 'months_since_start', 'cohort_customers',
        'active_customers', 'starting_mrr', 'mrr', 'retained_starting_mrr',
    ]) }}

),

aggregated as (

    select
        cohort_month,
        segment,
        months_since_start,
        sum(cohort_customers) as cohort_customers,
        sum(active_customers) as active_customers,
        sum(starting_mrr) as starting_mrr,
        sum(mrr) as mrr,
        sum(retained_starting_mrr) as retained_starting_mrr
    from with_all
    group by 1, 2, 3

),

final as (

    select
        cast(cohort_month as date) as cohort_month,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(months_since_start as {{ dbt.type_int() }}) as months_since_start,
        cast(cohort_customers as bigint) as cohort_customers,
        cast(active_customers as bigint) as active_customers,
        cast(
            cast(active_customers as double) / nullif(cohort_customers, 0)
            as double
        )
            as logo_retention,
        cast(starting_mrr as decimal(38, 10)) as starting_mrr,
        cast(mrr as decimal(38, 10)) as mrr,
        cast(mrr / nullif(starting_mrr, 0) as double) as net_revenue_retention,
        cast(retained_starting_mrr / nullif(starting_mrr, 0) as double)
            as gross_revenue_retention,
        cast(
            {{ is_complete_period(
                dbt.dateadd(
                    'month', 'months_since_start', 'cohort_month'
                ),
                'month'
            ) }}
            as {{ dbt.type_boolean() }}
        ) as is_complete_period
    from aggregated

)

select * from final
