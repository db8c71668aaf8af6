{#- One row per customer and observation month (active months): whether the
    customer churns (a churn movement, revenue core) in one of the
    `risk_horizon_months` months after it. Labelled only when all those
    months are on or before the as-of month; later observations are scored,
    never trained on. -#}

with

observations as (

    select
        customer_id,
        month_start as observation_month
    from {{ ref('int_customer_mrr_monthly') }}
    where mrr > 0

),

churns as (

    select
        customer_id,
        month_start as churn_month
    from {{ ref('int_customer_mrr_monthly') }}
    where movement = 'churn'

),

as_of_month as (

    select max(month_start) as as_of_month
    from {{ ref('util_months') }}

),

first_churn_in_horizon as (

    select
        observations.customer_id,
        observations.observation_month,
        min(churns.churn_month) as churn_month
    from observations
    inner join churns
        on
            observations.customer_id = churns.customer_id
            and observations.observation_month < churns.churn_month
            and churns.churn_month <= cast({{ dbt.dateadd(
                'month', var('risk_horizon_months'),
                'observations.observation_month'
            ) }} as date)
    group by 1, 2

),

final as (

    select
        observations.customer_id,
        observations.observation_month,
        cast({{ dbt.dateadd(
            'month', var('risk_horizon_months'),
            'observations.observation_month'
        ) }} as date) as horizon_end_month,
        first_churn_in_horizon.churn_month,
        cast({{ dbt.dateadd(
            'month', var('risk_horizon_months'),
            'observations.observation_month'
        ) }} as date) <= as_of_month.as_of_month as is_labelled,
        case
            when cast({{ dbt.dateadd(
                'month', var('risk_horizon_months'),
                'observations.observation_month'
            ) }} as date) <= as_of_month.as_of_month
                then first_churn_in_horizon.churn_month is not null
        end as is_churned_within_horizon
    from observations
    cross join as_of_month
    left join first_churn_in_horizon
        on
            observations.customer_id = first_churn_in_horizon.customer_id
            and observations.observation_month
            = first_churn_in_horizon.observation_month

)

select * from final
