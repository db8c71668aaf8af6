{#- One row per period grain ('quarter', 'year'), period and customer with
    any revenue or cost in it: revenue, credits, costs, gross profit, margin
    and profitability group. The one profitability computation; the yearly
    and quarterly marts select their grain from it.
    margin_pct = 100 * gross_profit / net_revenue, null when net revenue is
    not positive. The group is the seed profitability_groups row whose
    [min_margin_pct, max_margin_pct) holds the margin (an empty bound is
    open); a null margin falls in the lowest group (rank_order 1). -#}

with

monthly as (

    select * from {{ ref('int_customer_profit_monthly') }}

),

customers as (

    select
        customer_id,
        segment
    from {{ ref('int_customers_enriched') }}

),

group_bounds as (

    select
        profitability_group,
        min_margin_pct,
        max_margin_pct,
        rank_order
    from {{ ref('profitability_groups') }}

),

lowest_group as (

    select
        profitability_group,
        rank_order
    from group_bounds
    where
        rank_order = (
            select min(all_groups.rank_order) from group_bounds as all_groups
        )

),

-- the quarters summed from the months, the years from the quarters (exact
-- decimal sums: the same values as summing the months)
{%- set steps = [
    ('quarter', 'monthly', 'month_start'),
    ('year', 'quarter_sums', 'period_start'),
] %}
{%- for grain, source, month in steps %}

{{ grain }}_sums as (

    select
        '{{ grain }}' as period_grain,
        cast({{ dbt.date_trunc(grain, month) }} as date) as period_start,
        customer_id,
        sum(gross_revenue) as gross_revenue,
        sum(credits) as credits,
        sum(returns_credits) as returns_credits,
        sum(other_credits) as other_credits,
        sum(net_revenue) as net_revenue,
        sum(cogs) as cogs,
        sum(support_cost) as support_cost,
        sum(activity_cost) as activity_cost,
        sum(onboarding_cost) as onboarding_cost,
        sum(payment_fee_cost) as payment_fee_cost,
        sum(cost_to_serve) as cost_to_serve
    from {{ source }}
    group by 1, 2, 3

),
{%- endfor %}

periods as (

    select * from quarter_sums
    union all
    select * from year_sums

),

with_profit as (

    select
        *,
        net_revenue - cogs - cost_to_serve as gross_profit,
        case
            when net_revenue > 0
                then cast(
                    100 * (net_revenue - cogs - cost_to_serve) / net_revenue
                    as double
                )
        end as margin_pct
    from periods

),

final as (

    select
        with_profit.*,
        customers.segment,
        coalesce(
            matched_group.profitability_group, lowest_group.profitability_group
        ) as profitability_group,
        coalesce(matched_group.rank_order, lowest_group.rank_order)
            as profitability_rank
    from with_profit
    inner join customers
        on with_profit.customer_id = customers.customer_id
    cross join lowest_group
    left join group_bounds as matched_group
        on
            with_profit.margin_pct is not null
            and (
                matched_group.min_margin_pct is null
                or with_profit.margin_pct >= matched_group.min_margin_pct
            )
            and (
                matched_group.max_margin_pct is null
                or with_profit.margin_pct < matched_group.max_margin_pct
            )

)

select * from final
