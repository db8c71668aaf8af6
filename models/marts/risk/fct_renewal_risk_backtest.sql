{#- One row per backtest observation month and model family: how well each
    family, trained only on labels known by then, ranked that month's
    customers by risk of churn within the horizon. -#}

with

metrics as (

    select * from {{ ref('int_risk_backtest_metrics') }}

),

final as (

    select
        cast(observation_month as date) as observation_month,
        cast(model_name as {{ dbt.type_string() }}) as model_name,
        cast(is_chosen as {{ dbt.type_boolean() }}) as is_chosen,
        cast(customers_scored as {{ dbt.type_bigint() }}) as customers_scored,
        cast(churners as {{ dbt.type_bigint() }}) as churners,
        cast(base_rate as double) as base_rate,
        cast(auc as double) as auc,
        cast(top_decile_lift as double) as top_decile_lift,
        cast(brier_score as double) as brier_score
    from metrics

)

select * from final
