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
        {{ decimal_product(
            'items.gross_revenue',
            'coalesce(family_share.cogs_share, other_share.cogs_share, 0)'
        ) }} as cogs
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
        case when driver = 'support_ticket' then cost_amount else 0 end
            as support_cost,
        case when driver = 'activity' then cost_amount else 0 end
            as activity_cost,
        case when driver = 'onboarding' then cost_amount else 0 end
            as onboarding_cost,
        case when driver = 'payment_fee' then cost_amount else 0 end
            as payment_fee_cost
    from {{ ref('int_cost_to_serve_events') }}

),

-- each side summed per customer and month on its own (exact decimal sums:
-- summing in stages changes nothing), then the two joined; `zero` is 0 where
-- a side has rows in the month and null where it has none, so a side absent
-- counts 0 beside the other and an amount summed from nulls alone stays null
-- (as in one sum over both sides)
revenue_monthly as (

    select
        customer_id,
        month_start,
        0 as zero,
        sum(gross_revenue) as gross_revenue,
        sum(credit_amount) as credits,
        sum(returns_amount) as returns_credits,
        sum(cogs) as cogs
    from revenue
    group by 1, 2

),

costs_monthly as (

    select
        customer_id,
        month_start,
        0 as zero,
        sum(support_cost) as support_cost,
        sum(activity_cost) as activity_cost,
        sum(onboarding_cost) as onboarding_cost,
        sum(payment_fee_cost) as payment_fee_cost
    from costs
    group by 1, 2

),

joined as (

    select
        coalesce(revenue_monthly.customer_id, costs_monthly.customer_id)
            as customer_id,
        coalesce(revenue_monthly.month_start, costs_monthly.month_start)
            as month_start,
        {%- for side, other, measures in [
            ('revenue_monthly', 'costs_monthly', [
                'gross_revenue', 'credits', 'returns_credits',
            ]),
            ('costs_monthly', 'revenue_monthly', [
                'support_cost', 'activity_cost', 'onboarding_cost',
                'payment_fee_cost',
            ]),
        ] %}
        {%- for measure in measures %}
        coalesce({{ side }}.{{ measure }}, {{ other }}.zero) as {{ measure }},
        {%- endfor %}
        {%- endfor %}
        coalesce(revenue_monthly.cogs, costs_monthly.zero) as cogs
    from revenue_monthly
    full outer join costs_monthly
        on
            revenue_monthly.customer_id = costs_monthly.customer_id
            and revenue_monthly.month_start = costs_monthly.month_start

),

summed as (

    select
        *,
        credits - returns_credits as other_credits,
        gross_revenue - credits as net_revenue,
        support_cost + activity_cost + onboarding_cost + payment_fee_cost
            as cost_to_serve
    from joined

),

-- a month whose every amount is 0 (e.g. an activity with no duration) has
-- neither revenue nor cost: no row
final as (

    select
        customer_id,
        month_start,
        gross_revenue,
        credits,
        returns_credits,
        other_credits,
        net_revenue,
        cogs,
        support_cost,
        activity_cost,
        onboarding_cost,
        payment_fee_cost,
        cost_to_serve
    from summed
    where
        gross_revenue <> 0
        or credits <> 0
        or cogs <> 0
        or cost_to_serve <> 0

)

select * from final
