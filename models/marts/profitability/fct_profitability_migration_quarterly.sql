with

migration as (

    select * from {{ ref('int_profitability_migration_periods') }}
    where period_grain = 'quarter'

),

final as (

    select
        cast(from_period as date) as from_quarter,
        cast(to_period as date) as to_quarter,
        cast(from_group as {{ dbt.type_string() }}) as from_group,
        cast(to_group as {{ dbt.type_string() }}) as to_group,
        cast(customers as bigint) as customers,
        cast(from_net_revenue as decimal(38, 10)) as from_net_revenue,
        cast(to_net_revenue as decimal(38, 10)) as to_net_revenue
    from migration

)

select * from final
