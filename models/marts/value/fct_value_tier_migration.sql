{#- One row per pair of consecutive snapshot months, from-tier and to-tier:
    how customers moved between value tiers. A customer not scored in the
    earlier snapshot (not active then) comes from 'new'; one not scored in
    the later snapshot goes to 'lost'. -#}

with

scores as (

    select
        snapshot_month as period_start,
        customer_id,
        value_tier as group_name,
        mrr,
        cast(net_revenue_raw as decimal(38, 10)) as net_revenue_12m
    from {{ ref('int_customer_value_scores') }}

),

snapshots as (

    select distinct period_start from scores

),

migration as (

    {{ migration_between_periods(
        'scores', 'snapshots', [], ['mrr', 'net_revenue_12m']
    ) | indent(4) }}

),

final as (

    select
        cast(from_period as date) as from_snapshot_month,
        cast(to_period as date) as to_snapshot_month,
        cast(from_group as {{ dbt.type_string() }}) as from_tier,
        cast(to_group as {{ dbt.type_string() }}) as to_tier,
        cast(customers as bigint) as customers,
        cast(from_mrr as decimal(38, 10)) as from_mrr,
        cast(to_mrr as decimal(38, 10)) as to_mrr,
        cast(from_net_revenue_12m as decimal(38, 10)) as from_net_revenue_12m,
        cast(to_net_revenue_12m as decimal(38, 10)) as to_net_revenue_12m,
        cast(
            {{ is_complete_period('to_period', 'month') }}
            as {{ dbt.type_boolean() }}
        ) as is_complete_period
    from migration

)

select * from final
