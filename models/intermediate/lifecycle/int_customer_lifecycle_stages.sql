{#- One row per customer and month from its first active month to the
    as-of month: its lifecycle stage and the rule that put it there. The
    first rule that fires wins, in this order (thresholds are vars):
    churned (no MRR) > reactivated (back this month) > onboarding (young) >
    at_risk (detractor, repeated late payment, recent contraction, renewal
    due while dormant, not activated in time) > dormant (usage or spend far
    below its own baseline) > activating (not yet activated) > in_life. -#}

with

signals as (

    select * from {{ ref('int_customer_lifecycle_signals') }}

),

customers as (

    select
        customer_id,
        segment
    from {{ ref('int_customers_enriched') }}

),

flags as (

    select
        *,
        mrr > 0 as is_active,
        coalesce(is_usage_drop, false) or coalesce(is_spend_drop, false)
            as is_dormant,
        coalesce(
            next_contract_end_date <= cast({{ dbt.dateadd(
                'day', var('lifecycle_renewal_horizon_days'), 'measured_on'
            ) }} as date),
            false
        ) as is_renewal_due_soon,
        coalesce(latest_nps_score <= 6, false) as is_detractor,
        late_invoices >= {{ var('lifecycle_late_payments') }}
            as has_repeated_late_payment,
        coalesce(
            movement = 'contraction' or previous_movement = 'contraction',
            false
        ) as has_recent_contraction,
        coalesce(
            is_activation_known
            and coalesce(key_actions_to_date, 0)
            < {{ var('lifecycle_activation_key_actions') }},
            false
        ) as is_not_activated
    from signals

),

ruled as (

    select
        *,
        case
            when not is_active then 'no_mrr'
            when movement = 'reactivation' then 'returned_this_month'
            when days_since_start < {{ var('lifecycle_onboarding_days') }}
                then 'within_onboarding_days'
            when is_detractor then 'detractor_nps'
            when has_repeated_late_payment then 'repeated_late_payment'
            when has_recent_contraction then 'recent_contraction'
            when is_renewal_due_soon and is_dormant
                then 'renewal_due_while_dormant'
            when
                is_not_activated
                and days_since_start >= {{ var('lifecycle_activation_days') }}
                then 'not_activated_in_time'
            when coalesce(is_usage_drop, false) then 'usage_drop'
            when coalesce(is_spend_drop, false) then 'spend_drop'
            when is_not_activated then 'not_yet_activated'
            else 'no_warning_signal'
        end as stage_rule
    from flags

),

final as (

    select
        cast(ruled.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(ruled.month_start as date) as month_start,
        cast(customers.segment as {{ dbt.type_string() }}) as segment,
        cast(
            case
                when ruled.stage_rule = 'no_mrr' then 'churned'
                when ruled.stage_rule = 'returned_this_month'
                    then 'reactivated'
                when ruled.stage_rule = 'within_onboarding_days'
                    then 'onboarding'
                when ruled.stage_rule in (
                    'detractor_nps', 'repeated_late_payment',
                    'recent_contraction', 'renewal_due_while_dormant',
                    'not_activated_in_time'
                ) then 'at_risk'
                when ruled.stage_rule in ('usage_drop', 'spend_drop')
                    then 'dormant'
                when ruled.stage_rule = 'not_yet_activated' then 'activating'
                else 'in_life'
            end as {{ dbt.type_string() }}
        ) as lifecycle_stage,
        cast(ruled.stage_rule as {{ dbt.type_string() }}) as stage_rule,
        cast(ruled.mrr as decimal(38, 10)) as mrr,
        cast(ruled.days_since_start as {{ dbt.type_int() }})
            as days_since_start,
        cast(ruled.key_actions as bigint) as key_actions,
        cast(ruled.key_actions_baseline as double) as key_actions_baseline,
        cast(ruled.latest_nps_score as {{ dbt.type_int() }})
            as latest_nps_score,
        cast(ruled.late_invoices as bigint) as late_invoices,
        cast(ruled.next_contract_end_date as date) as next_contract_end_date,
        cast(ruled.is_dormant as {{ dbt.type_boolean() }}) as is_dormant,
        cast(
            {{ is_complete_period('ruled.month_start', 'month') }}
            as {{ dbt.type_boolean() }}
        ) as is_complete_period
    from ruled
    inner join customers
        on ruled.customer_id = customers.customer_id

)

select * from final
