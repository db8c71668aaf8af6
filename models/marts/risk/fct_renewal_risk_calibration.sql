{#- One row per model family and decile of predicted probability (1 = the
    tenth rated safest, 10 = the riskiest), over every backtest month's
    out-of-time predictions: mean predicted probability vs the observed
    churn rate. A calibrated model has the two close in every decile. -#}

with

predictions as (

    select
        model_name,
        churn_probability,
        case when is_churned then 1 else 0 end as churned,
        ntile(10) over (
            partition by model_name
            order by churn_probability, observation_month, customer_id
        ) as decile
    from {{ ref('int_risk_backtest_predictions') }}

),

chosen as (

    select distinct
        model_name,
        is_chosen
    from {{ ref('int_risk_backtest_metrics') }}

),

final as (

    select
        cast(predictions.model_name as {{ dbt.type_string() }}) as model_name,
        cast(predictions.decile as {{ dbt.type_int() }}) as decile,
        cast(chosen.is_chosen as {{ dbt.type_boolean() }}) as is_chosen,
        cast(count(*) as {{ dbt.type_bigint() }}) as observations,
        cast(sum(predictions.churned) as {{ dbt.type_bigint() }}) as churners,
        cast(min(predictions.churn_probability) as double)
            as min_predicted_probability,
        cast(max(predictions.churn_probability) as double)
            as max_predicted_probability,
        cast(avg(predictions.churn_probability) as double)
            as mean_predicted_probability,
        cast(avg(cast(predictions.churned as double)) as double)
            as observed_churn_rate
    from predictions
    inner join chosen
        on predictions.model_name = chosen.model_name
    group by 1, 2, 3

)

select * from final
