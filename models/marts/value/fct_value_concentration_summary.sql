{#- One row per snapshot month and segment (plus 'All'): how concentrated
    the book is. Formulas in the model's YAML. -#}

{%- set top20_weight -%}
    case
        when revenue_rank_desc <= floor(0.2 * customers) then 1.0
        when revenue_rank_desc = floor(0.2 * customers) + 1
            then 0.2 * customers - floor(0.2 * customers)
        else 0.0
    end
{%- endset %}

with

with_all as (

    select * from {{ ref('int_value_scores_by_segment') }}

),

ranked as (

    select
        *,
        count(*) over (partition by snapshot_month, segment) as customers,
        sum(net_revenue) over (partition by snapshot_month, segment)
            as revenue_total,
        sum(gross_profit) over (partition by snapshot_month, segment)
            as profit_total,
        row_number() over (
            partition by snapshot_month, segment
            order by net_revenue desc, customer_id asc
        ) as revenue_rank_desc,
        row_number() over (
            partition by snapshot_month, segment
            order by net_revenue asc, customer_id asc
        ) as revenue_rank_asc,
        row_number() over (
            partition by snapshot_month, segment
            order by gross_profit desc, customer_id asc
        ) as profit_rank_desc
    from with_all

),

cumulated as (

    select
        *,
        sum(gross_profit) over (
            partition by snapshot_month, segment
            order by profit_rank_desc
            rows between unbounded preceding and current row
        ) as cumulative_profit
    from ranked

),

summary as (

    select
        snapshot_month,
        segment,
        max(customers) as customers,
        max(revenue_total) as revenue_total,
        max(profit_total) as profit_total,
        -- the top 20% of customers by revenue; the customer straddling the
        -- 20% line counts by the fraction of it inside (4 customers: 0.8)
        sum({{ top20_weight }} * net_revenue) as top20_revenue,
        sum({{ top20_weight }} * gross_profit) as top20_profit,
        min(
            case
                when cumulative_profit >= 0.8 * profit_total
                    then profit_rank_desc
            end
        ) as customers_for_80pct_profit,
        sum(revenue_rank_asc * net_revenue) as rank_weighted_revenue
    from cumulated
    group by 1, 2

),

final as (

    select
        cast(snapshot_month as date) as snapshot_month,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(customers as bigint) as customers,
        cast(revenue_total as decimal(38, 10)) as net_revenue_12m,
        cast(profit_total as decimal(38, 10)) as gross_profit_12m,
        cast(top20_revenue / nullif(revenue_total, 0) as double)
            as top20_revenue_share,
        cast(top20_profit / nullif(profit_total, 0) as double)
            as top20_profit_share,
        cast(
            case when profit_total > 0 then customers_for_80pct_profit end
            as bigint
        ) as customers_for_80pct_profit,
        cast(
            case
                when profit_total > 0
                    then cast(customers_for_80pct_profit as double) / customers
            end as double
        ) as customers_for_80pct_profit_share,
        cast(
            case
                when revenue_total > 0
                    then
                        2 * rank_weighted_revenue / (customers * revenue_total)
                        - cast(customers + 1 as double) / customers
            end as double
        ) as revenue_gini,
        cast(
            {{ is_complete_period('snapshot_month', 'month') }}
            as {{ dbt.type_boolean() }}
        ) as is_complete_period
    from summary

)

select * from final
