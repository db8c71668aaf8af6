{#- One row per customer active in the as-of month: expected remaining
    lifetime value on margin (NPV), the same on revenue, and the expected
    remaining lifetime in months (marts.md; int_customer_lifetime_value). -#}

with

values_ as (

    select * from {{ ref('int_customer_lifetime_value') }}

),

customers as (

    select
        customer_id,
        segment,
        value_tier,
        acquisition_channel,
        current_mrr
    from {{ ref('int_customers_profiled') }}

),

final as (

    select
        cast(values_.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(customers.segment as {{ dbt.type_string() }}) as segment,
        cast(customers.value_tier as {{ dbt.type_string() }}) as value_tier,
        cast(customers.acquisition_channel as {{ dbt.type_string() }})
            as acquisition_channel,
        cast(customers.current_mrr as decimal(38, 10)) as current_mrr,
        cast(values_.churn_probability as double) as churn_probability,
        cast(values_.monthly_hazard as double) as monthly_hazard,
        cast(values_.margin_monthly as decimal(38, 10)) as margin_monthly,
        cast(values_.revenue_monthly as decimal(38, 10)) as revenue_monthly,
        cast(values_.lifetime_value as decimal(38, 10)) as lifetime_value,
        cast(values_.revenue_lifetime_value as decimal(38, 10))
            as revenue_lifetime_value,
        cast(values_.expected_remaining_months as decimal(38, 10))
            as expected_remaining_months
    from values_
    inner join customers
        on values_.customer_id = customers.customer_id

)

select * from final
