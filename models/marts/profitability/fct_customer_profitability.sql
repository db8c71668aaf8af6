with

profitability as (

    select * from {{ ref('int_customer_profitability_periods') }}
    where period_grain = 'year'

),

final as (

    select
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(period_start as date) as year_start,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(gross_revenue as decimal(38, 10)) as gross_revenue,
        cast(credits as decimal(38, 10)) as credits,
        cast(returns_credits as decimal(38, 10)) as returns_credits,
        cast(other_credits as decimal(38, 10)) as other_credits,
        cast(net_revenue as decimal(38, 10)) as net_revenue,
        cast(cogs as decimal(38, 10)) as cogs,
        cast(support_cost as decimal(38, 10)) as support_cost,
        cast(activity_cost as decimal(38, 10)) as activity_cost,
        cast(onboarding_cost as decimal(38, 10)) as onboarding_cost,
        cast(payment_fee_cost as decimal(38, 10)) as payment_fee_cost,
        cast(cost_to_serve as decimal(38, 10)) as cost_to_serve,
        cast(gross_profit as decimal(38, 10)) as gross_profit,
        cast(margin_pct as double) as margin_pct,
        cast(profitability_group as {{ dbt.type_string() }})
            as profitability_group,
        cast(profitability_rank as {{ dbt.type_int() }}) as profitability_rank
    from profitability

)

select * from final
