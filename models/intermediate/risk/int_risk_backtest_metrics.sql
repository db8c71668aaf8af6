{#- One row per backtest observation month and model family: customers
    scored, churners, base rate, AUC (Mann-Whitney, ties counted half),
    top-decile lift and Brier score; `is_chosen` marks the family with the
    higher mean AUC over the backtest months (ties: the lower mean Brier
    score, then the logistic regression, the simpler model). -#}

with

predictions as (

    select
        observation_month,
        model_name,
        customer_id,
        churn_probability,
        case when is_churned then 1 else 0 end as churned
    from {{ ref('int_risk_backtest_predictions') }}

),

ranked as (

    select
        *,
        -- average rank of the probability among the month's rows (ties
        -- share the mean of their ranks)
        rank()
            over (
                partition by observation_month, model_name
                order by churn_probability
            )
        + (
            count(*)
                over (
                    partition by
                        observation_month, model_name, churn_probability
                )
            - 1
        )
        / 2.0 as probability_rank,
        ntile(10) over (
            partition by observation_month, model_name
            order by churn_probability desc, customer_id asc
        ) as decile
    from predictions

),

summed as (

    select
        observation_month,
        model_name,
        count(*) as customers_scored,
        sum(churned) as churners,
        sum(churned * probability_rank) as churner_rank_sum,
        sum(case when decile = 1 then churned else 0 end)
            as top_decile_churners,
        sum(case when decile = 1 then 1 else 0 end) as top_decile_customers,
        avg(
            (churn_probability - churned) * (churn_probability - churned)
        ) as brier_score
    from ranked
    group by 1, 2

),

metrics as (

    select
        observation_month,
        model_name,
        cast(customers_scored as {{ dbt.type_bigint() }}) as customers_scored,
        cast(churners as {{ dbt.type_bigint() }}) as churners,
        cast(brier_score as double) as brier_score,
        cast(churners as double) / customers_scored as base_rate,
        case
            when churners > 0 and churners < customers_scored
                then
                    (churner_rank_sum - churners * (churners + 1) / 2.0)
                    / (
                        cast(churners as double)
                        * (customers_scored - churners)
                    )
        end as auc,
        case
            when churners > 0
                then
                    (cast(top_decile_churners as double) / top_decile_customers)
                    / (cast(churners as double) / customers_scored)
        end as top_decile_lift
    from summed

),

model_summary as (

    select
        model_name,
        avg(auc) as mean_auc,
        avg(brier_score) as mean_brier_score
    from metrics
    group by 1

),

chosen as (

    select
        model_name,
        row_number() over (
            order by
                coalesce(mean_auc, 0) desc,
                mean_brier_score asc,
                case when model_name = 'logistic_regression' then 0 else 1 end
        ) = 1 as is_chosen
    from model_summary

),

final as (

    select
        metrics.*,
        chosen.is_chosen
    from metrics
    inner join chosen
        on metrics.model_name = chosen.model_name

)

select * from final
