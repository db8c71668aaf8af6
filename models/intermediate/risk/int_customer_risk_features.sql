{#- One row per customer and observation month (every month the customer is
    active, MRR > 0 on the month's measuring day): the point-in-time features
    of the renewal-risk model. Every feature reads only facts dated on or
    before the observation date (the month's last day, or the as-of date in
    the as-of month); which are exact and which approximate is in the YAML.
    Event windows are counted in whole months ending with the observation
    month (the last 6 months stand for 180 days, 3 for 90, 12 for 365). -#}

{#- what the dated events add to their customer's month -#}
{%- set measures = [
    'tickets_opened', 'urgent_tickets', 'open_ticket_change',
    'csat_score_sum', 'csat_responses', 'late_invoices',
    'checked_invoices', 'days_to_pay_sum', 'paid_invoices',
    'failed_payments', 'engagement_activities', 'referrals_made',
    'feedback_given',
] %}

with

grid as (

    select
        mrr.customer_id,
        mrr.month_start,
        months.measured_on,
        mrr.first_active_month,
        mrr.mrr,
        mrr.movement,
        mrr.active_months_to_date,
        min(mrr.month_start) over (partition by mrr.customer_id)
            as first_grid_month
    from {{ ref('int_customer_mrr_monthly') }} as mrr
    inner join {{ ref('util_months') }} as months
        on mrr.month_start = months.month_start

),

accounts as (

    select
        account_id,
        customer_id
    from {{ ref('int_crm_account_customers') }}

),

-- every dated fact, on or before the as-of date, as one row per event with
-- the measures it adds to its month
ticket_events as (

    select
        accounts.customer_id,
        cast(tickets.opened_at as date) as event_date,
        1 as tickets_opened,
        case when tickets.priority = 'urgent' then 1 else 0 end
            as urgent_tickets,
        1 as open_ticket_change,
        0 as csat_score_sum,
        0 as csat_responses
    from {{ ref('stg_crm__support_tickets') }} as tickets
    inner join accounts
        on tickets.account_id = accounts.account_id
    where cast(tickets.opened_at as date) <= {{ as_of_date() }}

    union all

    select
        accounts.customer_id,
        cast(tickets.closed_at as date) as event_date,
        0 as tickets_opened,
        0 as urgent_tickets,
        -1 as open_ticket_change,
        coalesce(tickets.csat_score, 0) as csat_score_sum,
        case when tickets.csat_score is null then 0 else 1 end
            as csat_responses
    from {{ ref('stg_crm__support_tickets') }} as tickets
    inner join accounts
        on tickets.account_id = accounts.account_id
    where
        cast(tickets.opened_at as date) <= {{ as_of_date() }}
        and cast(tickets.closed_at as date) <= {{ as_of_date() }}

),

invoice_events as (

    -- an invoice becomes late the day after its grace period ends unpaid
    select
        customer_id,
        cast({{ dbt.dateadd(
            'day', var('lifecycle_late_payment_days') + 1, 'due_date'
        ) }} as date) as event_date,
        case
            when
                paid_date is null
                or paid_date > cast({{ dbt.dateadd(
                    'day', var('lifecycle_late_payment_days'), 'due_date'
                ) }} as date)
                then 1
            else 0
        end as late_invoices,
        1 as checked_invoices,
        0 as days_to_pay_sum,
        0 as paid_invoices
    from {{ ref('int_invoice_payment_days') }}
    where
        cast({{ dbt.dateadd(
            'day', var('lifecycle_late_payment_days') + 1, 'due_date'
        ) }} as date) <= {{ as_of_date() }}

    union all

    select
        customer_id,
        paid_date as event_date,
        0 as late_invoices,
        0 as checked_invoices,
        days_to_pay as days_to_pay_sum,
        1 as paid_invoices
    from {{ ref('int_invoice_payment_days') }}
    where paid_date is not null

),

other_events as (

    select
        customer_id,
        cast(paid_at as date) as event_date,
        1 as failed_payments,
        0 as engagement_activities,
        0 as referrals_made,
        0 as feedback_given
    from {{ ref('stg_billing__payments') }}
    where
        status = 'failed'
        and cast(paid_at as date) <= {{ as_of_date() }}

    union all

    select
        accounts.customer_id,
        cast(activities.occurred_at as date) as event_date,
        0 as failed_payments,
        1 as engagement_activities,
        0 as referrals_made,
        0 as feedback_given
    from {{ ref('stg_crm__activities') }} as activities
    inner join accounts
        on activities.account_id = accounts.account_id
    where
        activities.activity_type in ('business_review', 'meeting')
        and cast(activities.occurred_at as date) <= {{ as_of_date() }}

    union all

    select
        customer_id,
        activity_date as event_date,
        0 as failed_payments,
        0 as engagement_activities,
        1 as referrals_made,
        0 as feedback_given
    from {{ ref('int_customer_referral_activity') }}
    where activity_type = 'referral'

    union all

    select
        accounts.customer_id,
        cast(feedback.submitted_at as date) as event_date,
        0 as failed_payments,
        0 as engagement_activities,
        0 as referrals_made,
        1 as feedback_given
    from {{ ref('stg_crm__feedback') }} as feedback
    inner join accounts
        on feedback.account_id = accounts.account_id
    where cast(feedback.submitted_at as date) <= {{ as_of_date() }}

),

events as (

    {{ union_padded(
        {
            'ticket_events': [
                'tickets_opened', 'urgent_tickets', 'open_ticket_change',
                'csat_score_sum', 'csat_responses',
            ],
            'invoice_events': [
                'late_invoices', 'checked_invoices', 'days_to_pay_sum',
                'paid_invoices',
            ],
            'other_events': [
                'failed_payments', 'engagement_activities', 'referrals_made',
                'feedback_given',
            ],
        },
        ['customer_id', 'event_date'],
        measures,
    ) }}

),

customer_start as (

    select distinct
        customer_id,
        first_grid_month
    from grid

),

-- events before the customer's first month on the grid count in that month
events_monthly as (

    select
        events.customer_id,
        case
            when
                cast({{ dbt.date_trunc('month', 'events.event_date') }} as date)
                < customer_start.first_grid_month
                then customer_start.first_grid_month
            else
                cast({{ dbt.date_trunc('month', 'events.event_date') }} as date)
        end as month_start,
        -- whole numbers, as bigint: DuckDB sums integers into 128-bit
        -- integers, and the trailing sums below took 15-25% more CPU time
        -- over those (100k customers)
        cast(sum(events.tickets_opened) as {{ dbt.type_bigint() }})
            as tickets_opened,
        cast(sum(events.urgent_tickets) as {{ dbt.type_bigint() }})
            as urgent_tickets,
        cast(sum(events.open_ticket_change) as {{ dbt.type_bigint() }})
            as open_ticket_change,
        cast(sum(events.csat_score_sum) as {{ dbt.type_bigint() }})
            as csat_score_sum,
        cast(sum(events.csat_responses) as {{ dbt.type_bigint() }})
            as csat_responses,
        cast(sum(events.late_invoices) as {{ dbt.type_bigint() }})
            as late_invoices,
        cast(sum(events.checked_invoices) as {{ dbt.type_bigint() }})
            as checked_invoices,
        cast(sum(events.days_to_pay_sum) as {{ dbt.type_bigint() }})
            as days_to_pay_sum,
        cast(sum(events.paid_invoices) as {{ dbt.type_bigint() }})
            as paid_invoices,
        cast(sum(events.failed_payments) as {{ dbt.type_bigint() }})
            as failed_payments,
        cast(sum(events.engagement_activities) as {{ dbt.type_bigint() }})
            as engagement_activities,
        cast(sum(events.referrals_made) as {{ dbt.type_bigint() }})
            as referrals_made,
        cast(sum(events.feedback_given) as {{ dbt.type_bigint() }})
            as feedback_given
    from events
    inner join customer_start
        on events.customer_id = customer_start.customer_id
    group by 1, 2

),

versions_in_force as (

    select * from {{ ref('int_customer_versions_in_force_monthly') }}

),

usage_coverage as (

    select min(month_start) as first_usage_month
    from {{ ref('int_customer_usage_monthly') }}

),

-- the latest NPS answer, when it is within 365 days
latest_nps as (

    select
        customer_id,
        month_start,
        score
    from {{ ref('int_customer_nps_latest_monthly') }}
    where
        response_date > cast(
            {{ dbt.dateadd('day', -365, 'measured_on') }} as date
        )

),

monthly as (

    select
        grid.*,
        versions_in_force.seats,
        versions_in_force.billing_interval_months,
        versions_in_force.next_contract_end_date,
        -- usage per seat per day of the month up to the measuring day; null
        -- before any usage was exported, 0 in a month without usage after
        case
            when grid.month_start >= usage_coverage.first_usage_month
                then
                    coalesce(usage_monthly.key_actions, 0)
                    / (
                        cast(
                            {{ dbt.datediff(
                                'grid.month_start', 'grid.measured_on', 'day'
                            ) }} as double
                        ) + 1
                    )
                    / nullif(versions_in_force.seats, 0)
        end as usage_per_seat_day,
        case when grid.movement = 'contraction' then 1 else 0 end
            as contractions,
        coalesce(events_monthly.tickets_opened, 0) as tickets_opened,
        coalesce(events_monthly.urgent_tickets, 0) as urgent_tickets,
        coalesce(events_monthly.open_ticket_change, 0) as open_ticket_change,
        coalesce(events_monthly.csat_score_sum, 0) as csat_score_sum,
        coalesce(events_monthly.csat_responses, 0) as csat_responses,
        coalesce(events_monthly.late_invoices, 0) as late_invoices,
        coalesce(events_monthly.checked_invoices, 0) as checked_invoices,
        coalesce(events_monthly.days_to_pay_sum, 0) as days_to_pay_sum,
        coalesce(events_monthly.paid_invoices, 0) as paid_invoices,
        coalesce(events_monthly.failed_payments, 0) as failed_payments,
        coalesce(events_monthly.engagement_activities, 0)
            as engagement_activities,
        coalesce(events_monthly.referrals_made, 0) as referrals_made,
        coalesce(events_monthly.feedback_given, 0) as feedback_given
    from grid
    cross join usage_coverage
    left join versions_in_force
        on
            grid.customer_id = versions_in_force.customer_id
            and grid.month_start = versions_in_force.month_start
    left join {{ ref('int_customer_usage_monthly') }} as usage_monthly
        on
            grid.customer_id = usage_monthly.customer_id
            and grid.month_start = usage_monthly.month_start
    left join events_monthly
        on
            grid.customer_id = events_monthly.customer_id
            and grid.month_start = events_monthly.month_start

),

windowed as (

    select
        monthly.*,
        lag(monthly.mrr, 3) over (
            partition by monthly.customer_id order by monthly.month_start
        ) as mrr_3_months_before,
        {{ trailing_sum('monthly.contractions', 3) }} as contractions_3m,
        avg(monthly.usage_per_seat_day) over (
            partition by monthly.customer_id
            order by monthly.month_start
            rows between 3 preceding and 1 preceding
        ) as usage_per_seat_day_prior_3m,
        {{ trailing_sum('monthly.urgent_tickets', 6) }} as urgent_tickets_6m,
        {{ trailing_sum('monthly.tickets_opened', 6) }} as tickets_6m,
        {{ trailing_sum('monthly.open_ticket_change', none) }} as open_tickets,
        {{ trailing_sum('monthly.csat_score_sum', 6) }} as csat_score_sum_6m,
        {{ trailing_sum('monthly.csat_responses', 6) }} as csat_responses_6m,
        {{ trailing_sum('monthly.late_invoices', 6) }} as late_invoices_6m,
        {{ trailing_sum('monthly.late_invoices', 12) }} as late_invoices_12m,
        {{ trailing_sum('monthly.checked_invoices', 12) }}
            as checked_invoices_12m,
        {{ trailing_sum('monthly.failed_payments', 6) }} as failed_payments_6m,
        {{ trailing_sum('monthly.days_to_pay_sum', 6) }} as days_to_pay_sum_6m,
        {{ trailing_sum('monthly.paid_invoices', 6) }} as paid_invoices_6m,
        {{ trailing_sum('monthly.engagement_activities', 3) }}
            as engagement_activities_3m,
        {{ trailing_sum('monthly.referrals_made', none) }} as referrals_to_date,
        {{ trailing_sum('monthly.feedback_given', 12) }} as feedback_12m
    from monthly

),

final as (

    select
        windowed.customer_id,
        windowed.month_start as observation_month,
        windowed.measured_on as observed_on,
        customers.segment,
        cast(windowed.active_months_to_date as {{ dbt.type_int() }})
            as tenure_months,
        cast(windowed.mrr as double) as mrr,
        cast(
            (windowed.mrr - windowed.mrr_3_months_before)
            / nullif(windowed.mrr_3_months_before, 0) as double
        ) as mrr_change_3m,
        cast(windowed.contractions_3m as {{ dbt.type_int() }})
            as contractions_3m,
        windowed.next_contract_end_date,
        cast({{ dbt.datediff(
            'windowed.measured_on', 'windowed.next_contract_end_date', 'month'
        ) }} as {{ dbt.type_int() }}) as months_to_contract_end,
        cast(
            coalesce(
                windowed.next_contract_end_date <= cast({{ dbt.last_day(
                    dbt.dateadd(
                        'month', var('risk_horizon_months'),
                        'windowed.month_start'
                    ),
                    'month'
                ) }} as date),
                false
            ) as {{ dbt.type_boolean() }}
        ) as is_contract_end_in_horizon,
        cast(windowed.billing_interval_months as {{ dbt.type_int() }})
            as billing_interval_months,
        cast(windowed.seats as {{ dbt.type_int() }}) as seats,
        cast(windowed.usage_per_seat_day as double) as usage_per_seat_day,
        cast(
            windowed.usage_per_seat_day
            / nullif(windowed.usage_per_seat_day_prior_3m, 0)
            - 1 as double
        ) as usage_trend,
        cast(windowed.urgent_tickets_6m as {{ dbt.type_int() }})
            as urgent_tickets_6m,
        cast(windowed.tickets_6m as {{ dbt.type_int() }}) as tickets_6m,
        cast(windowed.open_tickets as {{ dbt.type_int() }}) as open_tickets,
        cast(
            windowed.csat_score_sum_6m / nullif(windowed.csat_responses_6m, 0)
            as double
        ) as csat_6m,
        cast(
            case
                when latest_nps.score is null then 'none'
                when latest_nps.score <= 6 then 'detractor'
                when latest_nps.score <= 8 then 'passive'
                else 'promoter'
            end as {{ dbt.type_string() }}
        ) as nps_category,
        cast(windowed.late_invoices_6m as {{ dbt.type_int() }})
            as late_invoices_6m,
        cast(
            cast(windowed.late_invoices_12m as double)
            / nullif(windowed.checked_invoices_12m, 0) as double
        ) as late_invoice_share_12m,
        cast(windowed.failed_payments_6m as {{ dbt.type_int() }})
            as failed_payments_6m,
        cast(
            windowed.days_to_pay_sum_6m / nullif(windowed.paid_invoices_6m, 0)
            as double
        ) as days_to_pay_6m,
        cast(windowed.engagement_activities_3m as {{ dbt.type_int() }})
            as engagement_activities_3m,
        cast(windowed.referrals_to_date as {{ dbt.type_int() }})
            as referrals_to_date,
        cast(windowed.feedback_12m as {{ dbt.type_int() }}) as feedback_12m
    from windowed
    inner join {{ ref('int_customers_enriched') }} as customers
        on windowed.customer_id = customers.customer_id
    left join latest_nps
        on
            windowed.customer_id = latest_nps.customer_id
            and windowed.month_start = latest_nps.month_start
    where windowed.mrr > 0

)

select * from final
