{#- One row per model feature: in plain words what it is, whether a higher
    value raises or lowers the risk of churn within the horizon, by how much
    (standardised coefficient of the logistic regression), how much the
    chosen model relies on it (permutation importance), and the churn rates
    observed high vs low on it. Drivers predict; they do not prove cause. -#}

with

drivers as (

    select * from {{ ref('int_risk_drivers') }}

),

final as (

    select
        cast(feature as {{ dbt.type_string() }}) as feature,
        cast(description as {{ dbt.type_string() }}) as description,
        cast(feature_group as {{ dbt.type_string() }}) as feature_group,
        cast(
            case
                when standardised_coefficient > 0 then 'raises risk'
                else 'lowers risk'
            end as {{ dbt.type_string() }}
        ) as direction,
        cast(standardised_coefficient as double) as standardised_coefficient,
        cast(permutation_importance as double) as permutation_importance,
        cast(
            row_number() over (
                order by
                    abs(standardised_coefficient) desc, feature
            ) as {{ dbt.type_int() }}
        ) as coefficient_rank,
        cast(
            row_number() over (
                partition by feature_group
                order by
                    abs(standardised_coefficient) desc, feature
            ) as {{ dbt.type_int() }}
        ) as rank_in_group,
        cast(churn_rate_high as double) as churn_rate_high,
        cast(customers_high as {{ dbt.type_bigint() }}) as customers_high,
        cast(churn_rate_low as double) as churn_rate_low,
        cast(customers_low as {{ dbt.type_bigint() }}) as customers_low,
        cast(model_name as {{ dbt.type_string() }}) as model_name
    from drivers

)

select * from final
