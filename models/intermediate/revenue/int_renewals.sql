{#- Reason for a renewed term: the reason_code of the closed-won renewal
    opportunity of that subscription (else of the customer's accounts)
    closing within var renewal_reason_window_days (90) either side of the
    contract end: the subscription's own first, then the nearest close date,
    then the greatest opportunity_id. For a churned term: the churn-reason
    lookup (int_churn_reasons). Pending: 'unknown'. -#}

with

renewals as (

    select * from {{ ref('int_renewals_due') }}

),

customers as (

    select
        customer_id,
        segment
    from {{ ref('int_customers_enriched') }}

),

opportunities as (

    select
        opportunities.opportunity_id,
        opportunities.subscription_id,
        opportunities.close_date,
        opportunities.reason_code,
        crm_accounts.customer_id
    from {{ ref('stg_crm__opportunities') }} as opportunities
    left join {{ ref('int_crm_account_customers') }} as crm_accounts
        on opportunities.account_id = crm_accounts.account_id
    where
        opportunities.opportunity_type = 'renewal'
        and opportunities.stage = 'closed_won'
        and opportunities.close_date <= {{ as_of_date() }}

),

-- candidate opportunities: the subscription's own, and account-level ones
-- (no subscription) of the customer; two equality joins, not one join on
-- an OR, so the work grows with matches, not renewals x opportunities
won_candidates as (

    select
        renewals.subscription_id,
        renewals.contract_end_date,
        0 as is_account_level,
        opportunities.close_date,
        opportunities.opportunity_id,
        opportunities.reason_code
    from renewals
    inner join opportunities
        on renewals.subscription_id = opportunities.subscription_id
    where renewals.outcome = 'renewed'

    union all

    select
        renewals.subscription_id,
        renewals.contract_end_date,
        1 as is_account_level,
        opportunities.close_date,
        opportunities.opportunity_id,
        opportunities.reason_code
    from renewals
    inner join opportunities
        on renewals.customer_id = opportunities.customer_id
    where
        renewals.outcome = 'renewed'
        and opportunities.subscription_id is null

),

won_reasons as (

    select
        subscription_id,
        contract_end_date,
        reason_code,
        row_number() over (
            partition by subscription_id, contract_end_date
            order by
                is_account_level,
                abs({{ dbt.datediff(
                    'contract_end_date', 'close_date', 'day'
                ) }}),
                opportunity_id desc
        ) as nearness
    from won_candidates
    where
        close_date >= cast({{ dbt.dateadd(
            'day', -var('renewal_reason_window_days'), 'contract_end_date'
        ) }} as date)
        and close_date <= cast({{ dbt.dateadd(
            'day', var('renewal_reason_window_days'), 'contract_end_date'
        ) }} as date)

),

churn_reasons as (

    select
        subscription_id,
        reference_date,
        reason_code
    from {{ ref('int_churn_reasons') }}
    where churn_kind = 'renewal_churn'

),

final as (

    select
        cast(renewals.subscription_id as {{ dbt.type_string() }})
            as subscription_id,
        cast(renewals.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(
            coalesce(customers.segment, 'Unassigned')
            as {{ dbt.type_string() }}
        ) as segment,
        cast(renewals.contract_end_date as date) as contract_end_date,
        cast(renewals.outcome as {{ dbt.type_string() }}) as outcome,
        cast(renewals.arr_due as decimal(38, 10)) as arr_due,
        cast(renewals.arr_renewed as decimal(38, 10)) as arr_renewed,
        cast(
            case renewals.outcome
                when 'renewed' then coalesce(won_reasons.reason_code, 'unknown')
                when
                    'churned'
                    then coalesce(churn_reasons.reason_code, 'unknown')
                else 'unknown'
            end as {{ dbt.type_string() }}
        ) as reason_code,
        cast(renewals.due_version_id as {{ dbt.type_string() }})
            as due_version_id,
        cast(renewals.renewal_version_id as {{ dbt.type_string() }})
            as renewal_version_id
    from renewals
    left join customers
        on renewals.customer_id = customers.customer_id
    left join won_reasons
        on
            renewals.subscription_id = won_reasons.subscription_id
            and renewals.contract_end_date = won_reasons.contract_end_date
            and won_reasons.nearness = 1
    left join churn_reasons
        on
            renewals.subscription_id = churn_reasons.subscription_id
            and renewals.contract_end_date = churn_reasons.reference_date

)

select * from final
