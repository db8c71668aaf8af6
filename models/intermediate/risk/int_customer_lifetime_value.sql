{#- One row per customer active in the as-of month: expected remaining
    lifetime value, the NPV of its expected monthly gross margin over
    `clv_horizon_months` months at `clv_annual_discount_rate`:
    sum over t = 1..H of margin * (1 - h)^t / (1 + rate)^(t / 12), with h the
    monthly hazard from the as-of month's churn probability,
    h = 1 - (1 - p)^(1 / risk_horizon_months). Survival applies from the
    first month (t = 1: a customer may already leave before it). Margin is
    the trailing-12-month gross profit / 12, negative margins kept. The
    same sum on net revenue, and sum of (1 - h)^t, the expected remaining
    months. Amounts and months are stored as decimal(38, 10), like every
    amount of the warehouse. -#}

with

as_of as (

    select max(month_start) as as_of_month
    from {{ ref('util_months') }}

),

scores as (

    select
        scores.customer_id,
        scores.churn_probability,
        1 - power(
            1 - scores.churn_probability,
            1.0 / {{ var('risk_horizon_months') }}
        ) as monthly_hazard
    from {{ ref('int_risk_scores') }} as scores
    inner join as_of
        on cast(scores.observation_month as date) = as_of.as_of_month

),

trailing_12_months as (

    select
        profit.customer_id,
        sum(profit.net_revenue - profit.cogs - profit.cost_to_serve)
            as gross_profit,
        sum(profit.net_revenue) as net_revenue
    from {{ ref('int_customer_profit_monthly') }} as profit
    inner join as_of
        on
            profit.month_start <= as_of.as_of_month
            and profit.month_start > cast({{ dbt.dateadd(
                'month', -12, 'as_of.as_of_month'
            ) }} as date)
    group by 1

),

-- per month t = 1..H the customer survives with q^t (q = 1 - h) and
-- is discounted by d^t (d = (1 + rate)^(1/12)): the sums are geometric
-- series, sum of r^t = r (1 - r^H) / (1 - r), or H when r = 1
ratios as (

    select
        scores.customer_id,
        scores.churn_probability,
        scores.monthly_hazard,
        cast(coalesce(trailing_12_months.gross_profit, 0) as double) / 12
            as margin_monthly,
        cast(coalesce(trailing_12_months.net_revenue, 0) as double) / 12
            as revenue_monthly,
        (1 - scores.monthly_hazard) / power(
            1 + {{ var('clv_annual_discount_rate') }}, 1.0 / 12
        ) as discounted_survival,
        1 - scores.monthly_hazard as survival
    from scores
    left join trailing_12_months
        on scores.customer_id = trailing_12_months.customer_id

),

series as (

    select
        *,
        case
            when discounted_survival = 1 then {{ var('clv_horizon_months') }}
            else
                discounted_survival
                * (1 - power(
                    discounted_survival, {{ var('clv_horizon_months') }}
                ))
                / (1 - discounted_survival)
        end as discounted_months,
        case
            when survival = 1 then {{ var('clv_horizon_months') }}
            else
                survival
                * (1 - power(survival, {{ var('clv_horizon_months') }}))
                / (1 - survival)
        end as expected_months
    from ratios

),

final as (

    select
        customer_id,
        cast(churn_probability as double) as churn_probability,
        cast(monthly_hazard as double) as monthly_hazard,
        cast(margin_monthly as decimal(38, 10)) as margin_monthly,
        cast(revenue_monthly as decimal(38, 10)) as revenue_monthly,
        cast(margin_monthly * discounted_months as decimal(38, 10))
            as lifetime_value,
        cast(revenue_monthly * discounted_months as decimal(38, 10))
            as revenue_lifetime_value,
        cast(expected_months as decimal(38, 10)) as expected_remaining_months
    from series

)

select * from final
