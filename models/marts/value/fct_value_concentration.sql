{#- Pareto: per snapshot month and segment (plus 'All'), customers ordered
    by trailing-12-month net revenue (largest first, ties by customer_id) and
    cut into percentiles 1..100 of the customer count; cumulative shares of
    revenue and of gross profit held by the top percentiles. -#}

with

with_all as (

    select * from {{ ref('int_value_scores_by_segment') }}

),

ordered as (

    select
        *,
        row_number() over (
            partition by snapshot_month, segment
            order by net_revenue desc, customer_id asc
        ) as revenue_rank,
        count(*) over (partition by snapshot_month, segment) as customers_total,
        sum(net_revenue) over (partition by snapshot_month, segment)
            as revenue_total,
        sum(gross_profit) over (partition by snapshot_month, segment)
            as profit_total
    from with_all

),

-- percentile p holds the customers ranked in ((p - 1) / 100, p / 100] of
-- the count: rank r goes to ceil(100 r / n)
percentiled as (

    select
        *,
        cast(ceil(100.0 * revenue_rank / customers_total) as integer)
            as percentile
    from ordered

),

per_percentile as (

    select
        snapshot_month,
        segment,
        percentile,
        count(*) as customers,
        sum(net_revenue) as net_revenue,
        sum(gross_profit) as gross_profit,
        max(revenue_total) as revenue_total,
        max(profit_total) as profit_total
    from percentiled
    group by 1, 2, 3

),

final as (

    select
        cast(snapshot_month as date) as snapshot_month,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(percentile as {{ dbt.type_int() }}) as percentile,
        cast(customers as bigint) as customers,
        cast(
            sum(net_revenue) over (
                partition by snapshot_month, segment
                order by percentile
                rows between unbounded preceding and current row
            ) / nullif(revenue_total, 0) as double
        ) as cumulative_revenue_share,
        cast(
            sum(gross_profit) over (
                partition by snapshot_month, segment
                order by percentile
                rows between unbounded preceding and current row
            ) / nullif(profit_total, 0) as double
        ) as cumulative_profit_share,
        cast(
            sum(customers) over (
                partition by snapshot_month, segment
                order by percentile
                rows between unbounded preceding and current row
            ) as bigint
        ) as cumulative_customers,
        cast(
            {{ is_complete_period('snapshot_month', 'month') }}
            as {{ dbt.type_boolean() }}
        ) as is_complete_period
    from per_percentile

)

select * from final
