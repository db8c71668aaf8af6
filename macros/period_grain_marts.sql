{#- The yearly and quarterly profitability marts are one computation
    (int_customer_profitability_periods / int_profitability_migration_periods)
    selected at one grain: these macros are their shared select. -#}

{% macro customer_profitability_mart(grain) %}
with

profitability as (

    select * from {{ ref('int_customer_profitability_periods') }}
    where period_grain = '{{ grain }}'

),

final as (

    select
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(period_start as date) as {{ grain }}_start,
        cast(segment as {{ dbt.type_string() }}) as segment,
        {%- for column in [
            'gross_revenue', 'credits', 'returns_credits', 'other_credits',
            'net_revenue', 'cogs', 'support_cost', 'activity_cost',
            'onboarding_cost', 'payment_fee_cost', 'cost_to_serve',
            'gross_profit'] %}
        cast({{ column }} as decimal(38, 10)) as {{ column }},
        {%- endfor %}
        cast(margin_pct as double) as margin_pct,
        cast(profitability_group as {{ dbt.type_string() }})
            as profitability_group,
        cast(profitability_rank as {{ dbt.type_int() }}) as profitability_rank,
        cast(
            {{ is_complete_period('period_start', grain) }}
            as {{ dbt.type_boolean() }}
        ) as is_complete_period
    from profitability

)

select * from final
{% endmacro %}

{% macro profitability_migration_mart(grain) %}
with

migration as (

    select * from {{ ref('int_profitability_migration_periods') }}
    where period_grain = '{{ grain }}'

),

final as (

    select
        cast(from_period as date) as from_{{ grain }},
        cast(to_period as date) as to_{{ grain }},
        cast(from_group as {{ dbt.type_string() }}) as from_group,
        cast(to_group as {{ dbt.type_string() }}) as to_group,
        cast(customers as bigint) as customers,
        cast(from_net_revenue as decimal(38, 10)) as from_net_revenue,
        cast(to_net_revenue as decimal(38, 10)) as to_net_revenue,
        -- the later period decides: the earlier one is always over
        cast(
            {{ is_complete_period('to_period', grain) }}
            as {{ dbt.type_boolean() }}
        ) as is_complete_period
    from migration

)

select * from final
{% endmacro %}
