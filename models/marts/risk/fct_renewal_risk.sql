{#- One row per active customer and scoring month, for the last
    `risk_history_months` months: churn probability within the horizon, risk
    band, MRR at risk and the three features raising the risk most. -#}

with

scoring_months as (

    select month_start
    from {{ ref('util_months') }}
    qualify
        row_number() over (order by month_start desc)
        <= {{ var('risk_history_months') }}

),

-- the scores of the months kept, before anything is joined to them
scores as (

    select banded.*
    from {{ ref('int_risk_scores_banded') }} as banded
    inner join scoring_months
        on banded.observation_month = scoring_months.month_start

),


value_tiers as (

    select
        scores.customer_id,
        scores.observation_month,
        value_scores.value_tier,
        row_number() over (
            partition by scores.customer_id, scores.observation_month
            order by value_scores.snapshot_month desc
        ) as recency
    from scores
    inner join {{ ref('int_customer_value_scores') }} as value_scores
        on
            scores.customer_id = value_scores.customer_id
            and scores.observation_month >= value_scores.snapshot_month

),

final as (

    select
        cast(scores.observation_month as date) as snapshot_month,
        cast(scores.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(scores.segment as {{ dbt.type_string() }}) as segment,
        cast(value_tiers.value_tier as {{ dbt.type_string() }}) as value_tier,
        cast(scores.churn_probability as double) as churn_probability,
        cast(scores.risk_band as {{ dbt.type_string() }}) as risk_band,
        cast(scores.is_at_risk as {{ dbt.type_boolean() }}) as is_at_risk,
        cast(scores.mrr as decimal(38, 10)) as mrr,
        cast(scores.mrr * scores.churn_probability as decimal(38, 10))
            as mrr_at_risk,
        cast(scores.next_contract_end_date as date) as next_contract_end_date,
        cast(scores.driver_1 as {{ dbt.type_string() }}) as driver_1,
        cast(scores.driver_1_contribution as double) as driver_1_contribution,
        cast(scores.driver_2 as {{ dbt.type_string() }}) as driver_2,
        cast(scores.driver_2_contribution as double) as driver_2_contribution,
        cast(scores.driver_3 as {{ dbt.type_string() }}) as driver_3,
        cast(scores.driver_3_contribution as double) as driver_3_contribution,
        cast(scores.model_name as {{ dbt.type_string() }}) as model_name,
        cast(
            {{ is_complete_period('scores.observation_month', 'month') }}
            as {{ dbt.type_boolean() }}
        ) as is_complete_period
    from scores
    left join value_tiers
        on
            scores.customer_id = value_tiers.customer_id
            and scores.observation_month = value_tiers.observation_month
            and value_tiers.recency = 1

)

select * from final
