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

    select snapshot_month
    from snapshot_candidates
    where recency <= {{ var('value_snapshot_count') }}

),

month_offsets as (

    -- 1..24: a snapshot month and the 23 before it
    {{ dbt.generate_series(24) }}

),

-- each snapshot's 24 months: the 12 of its window (the snapshot month and
-- the 11 before it) and the 12 before those, so that a monthly or dated
-- row reaches the snapshots it counts for by an equi-join on its month
snapshot_months as (

    select
        snapshots.snapshot_month,
        cast(
            {{ dbt.dateadd(
                'month', '1 - month_offsets.generated_number',
                'snapshots.snapshot_month'
            ) }} as date
        ) as month_start,
        month_offsets.generated_number <= 12 as is_in_window
    from snapshots
    cross join month_offsets

),

window_months as (

    select
        snapshot_month,
        month_start
    from snapshot_months
    where is_in_window

),

active as (

    select
        snapshots.snapshot_month,
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

profit_monthly as (

    select
        customer_id,
        month_start,
        gross_revenue,
        net_revenue,
        returns_credits,
        net_revenue - cogs - cost_to_serve as gross_profit
    from {{ ref('int_customer_profit_monthly') }}

),

-- summed per snapshot before meeting the active customers (a customer
-- inactive at a snapshot is summed too, then not kept): the window's
-- sums, and apart from them the prior window's net revenue
profit as (

    select
        window_months.snapshot_month,
        profit_monthly.customer_id,
        sum(profit_monthly.gross_revenue) as gross_revenue,
        sum(profit_monthly.net_revenue) as net_revenue,
        sum(profit_monthly.gross_profit) as gross_profit,
        sum(profit_monthly.returns_credits) as returns_credits
    from profit_monthly
    inner join window_months
        on profit_monthly.month_start = window_months.month_start
    group by 1, 2

),

prior_profit as (

    select
        snapshot_months.snapshot_month,
        profit_monthly.customer_id,
        sum(profit_monthly.net_revenue) as prior_net_revenue
    from profit_monthly
    inner join snapshot_months
        on
            profit_monthly.month_start = snapshot_months.month_start
            and not snapshot_months.is_in_window
    group by 1, 2

),

payment_days as (

    select
        window_months.snapshot_month,
        invoices.customer_id,
        avg(cast(invoices.days_to_pay as double)) as days_to_pay
    from {{ ref('int_invoice_payment_days') }} as invoices
    inner join window_months
        on
            cast({{ dbt.date_trunc('month', 'invoices.invoice_date') }} as date)
            = window_months.month_start
    where invoices.days_to_pay is not null
    group by 1, 2

),

activity as (

    select
        window_months.snapshot_month,
        activity.customer_id,
        activity.activity_type,
        activity.activity_date,
        activity.score
    from {{ ref('int_customer_referral_activity') }} as activity
    inner join window_months
        on
            cast(
                {{ dbt.date_trunc('month', 'activity.activity_date') }} as date
            ) = window_months.month_start

),

referral_activity as (

    select
        snapshot_month,
        customer_id,
        count(case when activity_type = 'referral' then 1 end) as referrals,
        max(
            case
                when activity_type = 'nps_response'
                    then activity_date
            end
        ) as latest_response_date
    from activity
    group by 1, 2

),

latest_nps as (

    select
        referral_activity.snapshot_month,
        referral_activity.customer_id,
        max(activity.score) as nps_score
    from referral_activity
    inner join activity
        on
            referral_activity.snapshot_month = activity.snapshot_month
            and referral_activity.customer_id = activity.customer_id
            and referral_activity.latest_response_date = activity.activity_date
            and activity.activity_type = 'nps_response'
    group by 1, 2

),

feedback as (

    select
        window_months.snapshot_month,
        crm_accounts.customer_id,
        count(
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
            end
        ) as advocacy,
        count(
            case
                when
                    feedback_items.feedback_type in (
                        'feature_request', 'bug_report', 'beta_participation'
                    )
                    then 1
            end
        ) as feedback_given
    from {{ ref('stg_crm__feedback') }} as feedback_items
    inner join {{ ref('int_crm_account_customers') }} as crm_accounts
        on feedback_items.account_id = crm_accounts.account_id
    inner join window_months
        on
            cast(
                {{ dbt.date_trunc('month', 'feedback_items.submitted_at') }}
                as date
            ) = window_months.month_start
    where cast(feedback_items.submitted_at as date) <= {{ as_of_date() }}
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
        -- no revenue in the window (no profit row) is 0: growth -100%
        case
            when prior_profit.prior_net_revenue > 0
                then cast(
                    coalesce(profit.net_revenue, 0)
                    / prior_profit.prior_net_revenue - 1 as double
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
    left join prior_profit
        on
            active.snapshot_month = prior_profit.snapshot_month
            and active.customer_id = prior_profit.customer_id
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
