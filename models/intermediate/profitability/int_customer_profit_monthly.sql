{#- One row per customer and month with any revenue or cost: revenue,
    credits (returns apart), cost of goods (a share of each revenue line by
    its plan's product family, seed cost_of_goods_rates) and cost to serve by
    component. The yearly and quarterly profitability marts sum it. -#}

with

revenue as (

    select
        items.customer_id,
        cast({{ dbt.date_trunc('month', 'items.item_date') }} as date)
            as month_start,
        items.gross_revenue,
        items.credit_amount,
        case when items.is_return then items.credit_amount else 0 end
            as returns_amount,
        cast(
            items.gross_revenue * coalesce(
                family_share.cogs_share, other_share.cogs_share, 0
            ) as decimal(38, 10)
        ) as cogs
    from {{ ref('int_revenue_items') }} as items
    left join {{ ref('cost_of_goods_rates') }} as family_share
        on items.product_family = family_share.product_family
    left join {{ ref('cost_of_goods_rates') }} as other_share
        on other_share.product_family = 'other'

),

costs as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'event_date') }} as date)
            as month_start,
        driver,
        cost_amount
    from {{ ref('int_cost_to_serve_events') }}

),

components as (

    select
        customer_id,
        month_start,
        gross_revenue,
        credit_amount,
        returns_amount,
        cogs,
        cast(0 as decimal(38, 10)) as support_cost,
        cast(0 as decimal(38, 10)) as activity_cost,
        cast(0 as decimal(38, 10)) as onboarding_cost,
        cast(0 as decimal(38, 10)) as payment_fee_cost
    from revenue

    union all

    select
        customer_id,
        month_start,
        0 as gross_revenue,
        0 as credit_amount,
        0 as returns_amount,
        0 as cogs,
        case when driver = 'support_ticket' then cost_amount else 0 end
            as support_cost,
        case when driver = 'activity' then cost_amount else 0 end
            as activity_cost,
        case when driver = 'onboarding' then cost_amount else 0 end
            as onboarding_cost,
        case when driver = 'payment_fee' then cost_amount else 0 end
            as payment_fee_cost
    from costs

),

summed as (

    select
        customer_id,
        month_start,
        sum(gross_revenue) as gross_revenue,
        sum(credit_amount) as credits,
        sum(returns_amount) as returns_credits,
        sum(credit_amount) - sum(returns_amount) as other_credits,
        sum(gross_revenue) - sum(credit_amount) as net_revenue,
        sum(cogs) as cogs,
        sum(support_cost) as support_cost,
        sum(activity_cost) as activity_cost,
        sum(onboarding_cost) as onboarding_cost,
        sum(payment_fee_cost) as payment_fee_cost,
        sum(support_cost) + sum(activity_cost) + sum(onboarding_cost)
        + sum(payment_fee_cost) as cost_to_serve
    from components
    group by 1, 2

),

-- a month whose every amount is 0 (e.g. an activity with no duration) has
-- neither revenue nor cost: no row
final as (

    select * from summed
    where
        gross_revenue <> 0
        or credits <> 0
        or cogs <> 0
        or cost_to_serve <> 0

)

select * from final
