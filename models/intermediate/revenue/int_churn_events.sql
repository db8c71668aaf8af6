with

churns as (

    select
        customer_id,
        month_start,
        segment,
        movement_mrr,
        active_months_to_date
    from {{ ref('int_customer_mrr_segmented') }}
    where movement = 'churn'

),

reasons as (

    select
        customer_id,
        reference_date,
        cancellation_id,
        reason_code
    from {{ ref('int_churn_reasons') }}
    where churn_kind = 'customer_churn'

),

categories as (

    select
        reason_code,
        reason_category
    from {{ ref('churn_reason_categories') }}

),

final as (

    select
        cast(churns.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(churns.month_start as date) as churn_month,
        cast(churns.segment as {{ dbt.type_string() }}) as segment,
        cast(churns.movement_mrr as decimal(38, 10)) as churned_mrr,
        -- months with MRR > 0 before the churn month
        cast(churns.active_months_to_date as {{ dbt.type_int() }})
            as tenure_months,
        cast(
            coalesce(reasons.reason_code, 'unknown') as {{ dbt.type_string() }}
        )
            as reason_code,
        cast(
            coalesce(categories.reason_category, 'other')
            as {{ dbt.type_string() }}
        ) as reason_category,
        cast(reasons.cancellation_id as {{ dbt.type_string() }})
            as cancellation_id,
        cast(
            {{ is_complete_period('churns.month_start', 'month') }}
            as {{ dbt.type_boolean() }}
        ) as is_complete_period
    from churns
    left join reasons
        on
            churns.customer_id = reasons.customer_id
            and reasons.reference_date
            = cast({{ dbt.last_day('churns.month_start', 'month') }} as date)
    left join categories
        on coalesce(reasons.reason_code, 'unknown') = categories.reason_code

)

select * from final
