{#- One row per segment, value tier and acquisition channel with an active
    customer in the as-of month: customers and the sums of their lifetime
    values (each row equals the sum of its customers in
    fct_customer_lifetime_value). A missing tier or channel is 'unknown'. -#}

with

customers as (

    select * from {{ ref('int_customer_lifetime_value_attributed') }}

),

final as (

    select
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(coalesce(value_tier, 'unknown') as {{ dbt.type_string() }})
            as value_tier,
        cast(
            coalesce(acquisition_channel, 'unknown')
            as {{ dbt.type_string() }}
        ) as acquisition_channel,
        cast(count(*) as {{ dbt.type_bigint() }}) as customers,
        cast(sum(current_mrr) as decimal(38, 10)) as current_mrr,
        cast(sum(margin_monthly) as decimal(38, 10)) as margin_monthly,
        cast(sum(lifetime_value) as decimal(38, 10)) as lifetime_value,
        cast(sum(revenue_lifetime_value) as decimal(38, 10))
            as revenue_lifetime_value,
        cast(avg(lifetime_value) as decimal(38, 10)) as mean_lifetime_value,
        cast(avg(expected_remaining_months) as decimal(38, 10))
            as mean_expected_remaining_months,
        -- averaged exactly (decimal), so the mean does not depend on the
        -- order the customers' doubles are added in
        cast(avg(cast(churn_probability as decimal(38, 18))) as double)
            as mean_churn_probability
    from customers
    group by 1, 2, 3

)

select * from final
