{#- One row per month, from-stage and to-stage: how many customers moved
    from their stage in the previous month to their stage this month
    ('new' for a customer's first month). -#}

with

stages as (

    select
        customer_id,
        month_start,
        lifecycle_stage,
        lag(lifecycle_stage) over (
            partition by customer_id order by month_start
        ) as previous_stage
    from {{ ref('int_customer_lifecycle_stages') }}

),

final as (

    select
        cast(month_start as date) as month_start,
        cast(coalesce(previous_stage, 'new') as {{ dbt.type_string() }})
            as from_stage,
        cast(lifecycle_stage as {{ dbt.type_string() }}) as to_stage,
        cast(count(*) as bigint) as customers,
        -- the group's one period (it is a grouping column)
        cast(
            {{ is_complete_period('min(month_start)', 'month') }}
            as {{ dbt.type_boolean() }}
        ) as is_complete_period
    from stages
    group by 1, 2, 3

)

select * from final
