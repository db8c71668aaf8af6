{#- One row per customer and month from its first active month to the
    as-of month (the MRR grid): every signal the lifecycle rules read,
    measured on the month's measuring day (month end, or the as-of date).
    Usage exists only from the first month any usage was exported: before
    that, usage signals are null (unknown), never 0. -#}

with

grid as (

    select
        mrr.customer_id,
        mrr.month_start,
        mrr.first_active_month,
        mrr.mrr,
        mrr.movement,
        months.measured_on
    from {{ ref('int_customer_mrr_monthly') }} as mrr
    inner join {{ ref('util_months') }} as months
        on mrr.month_start = months.month_start

),

usage_monthly as (

    select * from {{ ref('int_customer_usage_monthly') }}

),

usage_coverage as (

    select min(month_start) as first_usage_month
    from usage_monthly

),

with_usage as (

    select
        grid.*,
        usage_coverage.first_usage_month,
        case
            when grid.month_start >= usage_coverage.first_usage_month
                then coalesce(usage_monthly.key_actions, 0)
        end as key_actions
    from grid
    cross join usage_coverage
    left join usage_monthly
        on
            grid.customer_id = usage_monthly.customer_id
            and grid.month_start = usage_monthly.month_start

),

baselines as (

    select
        *,
        cast(
            sum(key_actions) over (
                partition by customer_id
                order by month_start
                rows between unbounded preceding and current row
            ) as bigint
        ) as key_actions_to_date,
        avg(key_actions) over (
            partition by customer_id
            order by month_start
            rows between 3 preceding and 1 preceding
        ) as key_actions_baseline,
        count(key_actions) over (
            partition by customer_id
            order by month_start
            rows between 3 preceding and 1 preceding
        ) as baseline_months_with_usage,
        avg(mrr) over (
            partition by customer_id
            order by month_start
            rows between 3 preceding and 1 preceding
        ) as mrr_baseline,
        lag(movement) over (
            partition by customer_id order by month_start
        ) as previous_movement
    from with_usage

),

upcoming_renewals as (

    select
        customer_id,
        month_start,
        next_contract_end_date
    from {{ ref('int_customer_versions_in_force_monthly') }}

),

-- the latest NPS answer, when it is within lifecycle_detractor_days
latest_nps as (

    select
        customer_id,
        month_start,
        score
    from {{ ref('int_customer_nps_latest_monthly') }}
    where
        response_date > cast({{ dbt.dateadd(
            'day', -var('lifecycle_detractor_days'), 'measured_on'
        ) }} as date)

),

-- the invoices that can ever count as late: paid more than
-- lifecycle_late_payment_days after due, or unpaid (one paid in time never
-- counts), so that the range join below meets few invoices
late_invoice_candidates as (

    select
        customer_id,
        due_date,
        paid_date
    from {{ ref('int_invoice_payment_days') }}
    where
        paid_date is null
        or paid_date > cast({{ dbt.dateadd(
            'day', var('lifecycle_late_payment_days'), 'due_date'
        ) }} as date)

),

late_payments as (

    select
        grid.customer_id,
        grid.month_start,
        count(*) as late_invoices
    from grid
    inner join late_invoice_candidates as invoices
        on
            grid.customer_id = invoices.customer_id
            and grid.measured_on >= invoices.due_date
            and invoices.due_date > cast(
                {{ dbt.dateadd('month', -6, 'grid.measured_on') }} as date
            )
            and (
                invoices.paid_date is null
                or grid.measured_on >= invoices.paid_date
            )
    where
        coalesce(invoices.paid_date, grid.measured_on)
        > cast({{ dbt.dateadd(
            'day', var('lifecycle_late_payment_days'), 'invoices.due_date'
        ) }} as date)
    group by 1, 2

),

final as (

    select
        baselines.customer_id,
        baselines.month_start,
        baselines.first_active_month,
        baselines.measured_on,
        baselines.mrr,
        baselines.movement,
        baselines.previous_movement,
        baselines.mrr_baseline,
        baselines.key_actions,
        baselines.key_actions_baseline,
        baselines.key_actions_to_date,
        latest_nps.score as latest_nps_score,
        upcoming_renewals.next_contract_end_date,
        {{ dbt.datediff(
            'baselines.first_active_month', 'baselines.measured_on', 'day'
        ) }} as days_since_start,
        -- activation is known only for customers that started once usage was
        -- exported; before that their early usage is unknown
        baselines.first_active_month >= baselines.first_usage_month
            as is_activation_known,
        coalesce(late_payments.late_invoices, 0) as late_invoices,
        case
            when baselines.baseline_months_with_usage > 0 then
                baselines.key_actions
                < {{ var('lifecycle_dormancy_share') }}
                * baselines.key_actions_baseline
        end as is_usage_drop,
        baselines.mrr
        < {{ var('lifecycle_dormancy_share') }} * baselines.mrr_baseline
            as is_spend_drop
    from baselines
    left join upcoming_renewals
        on
            baselines.customer_id = upcoming_renewals.customer_id
            and baselines.month_start = upcoming_renewals.month_start
    left join latest_nps
        on
            baselines.customer_id = latest_nps.customer_id
            and baselines.month_start = latest_nps.month_start
    left join late_payments
        on
            baselines.customer_id = late_payments.customer_id
            and baselines.month_start = late_payments.month_start

)

select * from final
