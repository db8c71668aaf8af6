with

mrr as (

    select * from {{ ref('int_customer_mrr_monthly') }}

),

customers as (

    select
        customer_id,
        segment
    from {{ ref('int_customers_enriched') }}

),

final as (

    select
        cast(mrr.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(mrr.month_start as date) as month_start,
        cast(
            coalesce(customers.segment, 'Unassigned') as {{ dbt.type_string() }}
        )
            as segment,
        cast(mrr.mrr as decimal(38, 10)) as mrr,
        cast(mrr.previous_mrr as decimal(38, 10)) as previous_mrr,
        cast(mrr.previous_mrr_cc as decimal(38, 10)) as previous_mrr_cc,
        cast(mrr.fx_adjustment_mrr as decimal(38, 10)) as fx_adjustment_mrr,
        cast(mrr.movement as {{ dbt.type_string() }}) as movement,
        cast(mrr.movement_mrr as decimal(38, 10)) as movement_mrr,
        cast(mrr.is_active as {{ dbt.type_boolean() }}) as is_active,
        cast(mrr.first_active_month as date) as first_active_month,
        cast(mrr.active_months_to_date as {{ dbt.type_int() }})
            as active_months_to_date,
        cast(
            {{ is_complete_period('mrr.month_start', 'month') }}
            as {{ dbt.type_boolean() }}
        ) as is_complete_period
    from mrr
    left join customers
        on mrr.customer_id = customers.customer_id

)

select * from final
