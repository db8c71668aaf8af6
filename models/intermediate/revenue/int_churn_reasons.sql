{#- The one churn-reason lookup (marts.md). One row per churn that needs a
    reason: every customer churn (movement 'churn' in a month, reference day
    the month's last day) and every churned renewal (reference day the
    contract end date). The reason is the reason_code of the customer's CRM
    cancellation whose effective_date is nearest to the reference day within
    var churn_reason_window_days (62) either side; else 'unknown'. Ties on
    distance: a cancellation of the same subscription first, then the later
    effective date, then the greater cancellation_id. -#}

with

requests as (

    select
        'customer_churn' as churn_kind,
        mrr.customer_id,
        cast(null as {{ dbt.type_string() }}) as subscription_id,
        cast({{ dbt.last_day('mrr.month_start', 'month') }} as date)
            as reference_date
    from {{ ref('int_customer_mrr_monthly') }} as mrr
    where mrr.movement = 'churn'

    union all

    select
        'renewal_churn' as churn_kind,
        renewals.customer_id,
        renewals.subscription_id,
        renewals.contract_end_date as reference_date
    from {{ ref('int_renewals_due') }} as renewals
    where renewals.outcome = 'churned'

),

cancellations as (

    select
        cancellation_id,
        customer_id,
        subscription_id,
        effective_date,
        reason_code
    from {{ ref('int_customer_cancellations') }}

),

candidates as (

    select
        requests.churn_kind,
        requests.customer_id,
        requests.subscription_id,
        requests.reference_date,
        cancellations.cancellation_id,
        cancellations.reason_code,
        row_number() over (
            partition by
                requests.churn_kind,
                requests.customer_id,
                requests.subscription_id,
                requests.reference_date
            order by
                abs({{ dbt.datediff(
                    'requests.reference_date', 'cancellations.effective_date', 'day'
                ) }}),
                case
                    when
                        cancellations.subscription_id = requests.subscription_id
                        then 0
                    else 1
                end,
                cancellations.effective_date desc,
                cancellations.cancellation_id desc
        ) as nearness
    from requests
    inner join cancellations
        on
            requests.customer_id = cancellations.customer_id
            and cancellations.effective_date >= cast({{ dbt.dateadd(
                'day', -var('churn_reason_window_days'), 'requests.reference_date'
            ) }} as date)
            and cancellations.effective_date <= cast({{ dbt.dateadd(
                'day', var('churn_reason_window_days'), 'requests.reference_date'
            ) }} as date)

),

final as (

    select
        requests.churn_kind,
        requests.customer_id,
        requests.subscription_id,
        requests.reference_date,
        candidates.cancellation_id,
        coalesce(candidates.reason_code, 'unknown') as reason_code
    from requests
    left join candidates
        on
            requests.churn_kind = candidates.churn_kind
            and requests.customer_id = candidates.customer_id
            and requests.reference_date = candidates.reference_date
            and coalesce(requests.subscription_id, '')
            = coalesce(candidates.subscription_id, '')
            and candidates.nearness = 1

)

select * from final
