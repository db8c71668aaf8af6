{#- One row per active customer and scoring month: the churn probability,
    its risk band (seed risk_bands: lower bound inclusive, upper exclusive)
    and whether the band counts as at risk, with the customer's segment, MRR
    and next contract end date on the observation date. -#}

with

scores as (

    select * from {{ ref('int_risk_scores') }}

),

features as (

    select
        customer_id,
        observation_month,
        segment,
        mrr,
        next_contract_end_date
    from {{ ref('int_customer_risk_features') }}

),

bands as (

    select * from {{ ref('risk_bands') }}

),

final as (

    select
        scores.customer_id,
        cast(scores.observation_month as date) as observation_month,
        features.segment,
        features.mrr,
        features.next_contract_end_date,
        scores.churn_probability,
        bands.risk_band,
        bands.is_at_risk,
        scores.model_name,
        scores.driver_1,
        scores.driver_1_contribution,
        scores.driver_2,
        scores.driver_2_contribution,
        scores.driver_3,
        scores.driver_3_contribution
    from scores
    inner join features
        on
            scores.customer_id = features.customer_id
            and cast(scores.observation_month as date)
            = features.observation_month
    left join bands
        on
            scores.churn_probability >= bands.min_probability
            and scores.churn_probability < bands.max_probability

)

select * from final
