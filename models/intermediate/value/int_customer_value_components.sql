{#- One row per snapshot month and customer active in it (MRR > 0): the raw
    value of each component of the customer value score over the 12 months
    ending with the snapshot month. Snapshot months: the last month of each
    quarter and the as-of month, the latest var value_snapshot_count (8) of
    them. A component with no data is null (normalised to neutral later);
    counts with no events are 0. -#}

with

months as (

    select
        month_start,
        quarter_start,
        is_as_of_month
    from {{ ref('util_months') }}

),

snapshot_candidates as (

    select
        month_start as snapshot_month,
        row_number() over (order by month_start desc) as recency
    from months
    where
        is_as_of_month
        or month_start = cast(
            {{ dbt.dateadd('month', 2, 'quarter_start') }} as date
        )

),

snapshots as (

    select
        snapshot_month,
        cast(
            {{ dbt.dateadd('month', -11, 'snapshot_month') }} as date
        ) as window_start,
        cast({{ dbt.dateadd('month', -23, 'snapshot_month') }} as date)
            as prior_window_start,
        cast({{ dbt.dateadd('month', -12, 'snapshot_month') }} as date)
            as prior_window_end,
        cast({{ dbt.last_day('snapshot_month', 'month') }} as date)
            as window_end
    from snapshot_candidates
    where recency <= {{ var('value_snapshot_count') }}

),

active as (

    select
        snapshots.snapshot_month,
        snapshots.window_start,
        snapshots.window_end,
        snapshots.prior_window_start,
        snapshots.prior_window_end,
        mrr.customer_id,
        customers.segment,
        mrr.mrr
    from snapshots
    inner join {{ ref('int_customer_mrr_monthly') }} as mrr
        on snapshots.snapshot_month = mrr.month_start
    inner join {{ ref('int_customers_enriched') }} as customers
        on mrr.customer_id = customers.customer_id
    where mrr.mrr > 0

),

profit as (

    select
        active.snapshot_month,
        active.customer_id,
        sum(
            case
                when profit.month_start >= active.window_start
                    then profit.gross_revenue
                else 0
            end
        ) as gross_revenue,
        sum(
            case
                when profit.month_start >= active.window_start
                    then profit.net_revenue
                else 0
            end
        ) as net_revenue,
        sum(
            case
                when profit.month_start >= active.window_start
                    then profit.net_revenue - profit.cogs - profit.cost_to_serve
                else 0
            end
        ) as gross_profit,
        sum(
            case
                when profit.month_start >= active.window_start
                    then profit.returns_credits
                else 0
            end
        ) as returns_credits,
        sum(
            case
                when profit.month_start <= active.prior_window_end
                    then profit.net_revenue
                else 0
            end
        ) as prior_net_revenue
    from active
    inner join {{ ref('int_customer_profit_monthly') }} as profit
        on
            active.customer_id = profit.customer_id
            and active.prior_window_start <= profit.month_start
            and active.snapshot_month >= profit.month_start
    group by 1, 2

),

payment_days as (

    select
        active.snapshot_month,
        active.customer_id,
        avg(cast(invoices.days_to_pay as double)) as days_to_pay
    from active
    inner join {{ ref('int_invoice_payment_days') }} as invoices
        on
            active.customer_id = invoices.customer_id
            and active.window_start <= invoices.invoice_date
            and active.window_end >= invoices.invoice_date
    where invoices.days_to_pay is not null
    group by 1, 2

),

referral_activity as (

    select
        active.snapshot_month,
        active.customer_id,
        sum(case when activity.activity_type = 'referral' then 1 else 0 end)
            as referrals,
        max(
            case
                when activity.activity_type = 'nps_response'
                    then activity.activity_date
            end
        ) as latest_response_date
    from active
    inner join {{ ref('int_customer_referral_activity') }} as activity
        on
            active.customer_id = activity.customer_id
            and active.window_start <= activity.activity_date
            and active.window_end >= activity.activity_date
    group by 1, 2

),

latest_nps as (

    select
        referral_activity.snapshot_month,
        referral_activity.customer_id,
        max(activity.score) as nps_score
    from referral_activity
    inner join {{ ref('int_customer_referral_activity') }} as activity
        on
            referral_activity.customer_id = activity.customer_id
            and referral_activity.latest_response_date = activity.activity_date
            and activity.activity_type = 'nps_response'
    group by 1, 2

),

feedback as (

    select
        active.snapshot_month,
        active.customer_id,
        sum(
            case
                when
                    feedback_items.feedback_type in (
                        'case_study', 'reference_call', 'social_mention'
                    )
                    or (
                        feedback_items.feedback_type = 'review'
                        and feedback_items.sentiment = 'positive'
                    )
                    then 1
                else 0
            end
        ) as advocacy,
        sum(
            case
                when
                    feedback_items.feedback_type in (
                        'feature_request', 'bug_report', 'beta_participation'
                    )
                    then 1
                else 0
            end
        ) as feedback_given
    from active
    inner join {{ ref('int_crm_account_customers') }} as crm_accounts
        on active.customer_id = crm_accounts.customer_id
    inner join {{ ref('stg_crm__feedback') }} as feedback_items
        on crm_accounts.account_id = feedback_items.account_id
    where
        cast(feedback_items.submitted_at as date) >= active.window_start
        and cast(feedback_items.submitted_at as date) <= active.window_end
        and cast(feedback_items.submitted_at as date) <= {{ as_of_date() }}
    group by 1, 2

),

final as (

    select
        active.snapshot_month,
        active.customer_id,
        active.segment,
        active.mrr,
        payment_days.days_to_pay,
        cast(latest_nps.nps_score as double) as nps,
        coalesce(profit.net_revenue, 0) as net_revenue,
        coalesce(profit.gross_profit, 0) as gross_profit,
        case
            when profit.net_revenue > 0
                then cast(profit.gross_profit / profit.net_revenue as double)
        end as margin,
        case
            when profit.prior_net_revenue > 0
                then cast(
                    profit.net_revenue / profit.prior_net_revenue - 1 as double
                )
        end as revenue_growth,
        case
            when profit.gross_revenue > 0
                then cast(
                    profit.returns_credits / profit.gross_revenue as double
                )
        end as return_rate,
        coalesce(referral_activity.referrals, 0) as referrals,
        coalesce(feedback.advocacy, 0) as advocacy,
        coalesce(feedback.feedback_given, 0) as feedback
    from active
    left join profit
        on
            active.snapshot_month = profit.snapshot_month
            and active.customer_id = profit.customer_id
    left join payment_days
        on
            active.snapshot_month = payment_days.snapshot_month
            and active.customer_id = payment_days.customer_id
    left join referral_activity
        on
            active.snapshot_month = referral_activity.snapshot_month
            and active.customer_id = referral_activity.customer_id
    left join latest_nps
        on
            active.snapshot_month = latest_nps.snapshot_month
            and active.customer_id = latest_nps.customer_id
    left join feedback
        on
            active.snapshot_month = feedback.snapshot_month
            and active.customer_id = feedback.customer_id

)

select * from final
