with

customers as (

    select * from {{ ref('int_customers_enriched') }}

),

activity as (

    select
        customer_id,
        min(first_active_month) as first_active_month,
        max(case when is_active then month_start end) as last_active_month,
        max(
            case
                when month_start = {{ dbt.date_trunc('month', as_of_date()) }}
                    then mrr
            end
        ) as current_mrr,
        -- months with MRR > 0 (the last active_months_to_date, counted
        -- without reading that running count)
        count(case when is_active then 1 end) as tenure_months
    from {{ ref('int_customer_mrr_monthly') }}
    group by 1

),

latest_profitability as (

    select
        customer_id,
        profitability_group,
        row_number() over (
            partition by customer_id order by period_start desc
        ) as recency
    from {{ ref('int_customer_profitability_periods') }}
    where period_grain = 'year'

),

as_of_lifecycle as (

    select
        customer_id,
        lifecycle_stage
    from {{ ref('int_customer_lifecycle_stages') }}
    where month_start = {{ dbt.date_trunc('month', as_of_date()) }}

),

latest_value_tier as (

    select
        customer_id,
        value_tier
    from {{ ref('int_customer_value_scores') }}
    where
        snapshot_month = (
            select max(snapshots.snapshot_month)
            from {{ ref('int_customer_value_scores') }} as snapshots
        )

),

as_of_risk as (

    select
        customer_id,
        churn_probability,
        risk_band
    from {{ ref('int_risk_scores_banded') }}
    where
        observation_month = cast(
            {{ dbt.date_trunc('month', as_of_date()) }} as date
        )

),

lifetime_values as (

    select
        customer_id,
        lifetime_value
    from {{ ref('int_customer_lifetime_value') }}

),

final as (

    select
        cast(customers.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(customers.customer_name as {{ dbt.type_string() }})
            as customer_name,
        cast(customers.segment as {{ dbt.type_string() }}) as segment,
        cast(customers.industry as {{ dbt.type_string() }}) as industry,
        cast(customers.region as {{ dbt.type_string() }}) as region,
        cast(customers.country_code as {{ dbt.type_string() }})
            as country_code,
        cast(customers.acquisition_channel as {{ dbt.type_string() }})
            as acquisition_channel,
        cast(customers.referred_by_customer_id as {{ dbt.type_string() }})
            as referred_by_customer_id,
        cast(activity.first_active_month as date) as first_active_month,
        cast(activity.last_active_month as date) as last_active_month,
        cast(coalesce(activity.current_mrr, 0) > 0 as {{ dbt.type_boolean() }})
            as is_active,
        cast(coalesce(activity.current_mrr, 0) as decimal(38, 10))
            as current_mrr,
        cast(coalesce(activity.tenure_months, 0) as {{ dbt.type_int() }})
            as tenure_months,
        cast(as_of_lifecycle.lifecycle_stage as {{ dbt.type_string() }})
            as lifecycle_stage,
        cast(latest_value_tier.value_tier as {{ dbt.type_string() }})
            as value_tier,
        cast(customers.crm_account_id as {{ dbt.type_string() }})
            as crm_account_id,
        cast(customers.created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(
            latest_profitability.profitability_group
            as {{ dbt.type_string() }}
        ) as profitability_group,
        cast(as_of_risk.churn_probability as double) as churn_probability,
        cast(as_of_risk.risk_band as {{ dbt.type_string() }}) as risk_band,
        cast(lifetime_values.lifetime_value as decimal(38, 10))
            as lifetime_value
    from customers
    left join activity
        on customers.customer_id = activity.customer_id
    left join latest_profitability
        on
            customers.customer_id = latest_profitability.customer_id
            and latest_profitability.recency = 1
    left join latest_value_tier
        on customers.customer_id = latest_value_tier.customer_id
    left join as_of_lifecycle
        on customers.customer_id = as_of_lifecycle.customer_id
    left join as_of_risk
        on customers.customer_id = as_of_risk.customer_id
    left join lifetime_values
        on customers.customer_id = lifetime_values.customer_id

)

select * from final
