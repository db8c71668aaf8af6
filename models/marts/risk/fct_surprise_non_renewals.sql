{#- One row per month and segment (plus 'All'), for the last
    `risk_history_months` months: churns, and of them the surprises (rated
    in a band that is not at risk `risk_horizon_months` months earlier);
    customers in an at-risk band and their MRR at risk at the month's start
    (the previous month's scores); customers rated at risk
    `risk_horizon_months` earlier who stayed (no churn since). -#}

with

scores as (

    select * from {{ ref('int_risk_scores_banded') }}

),

customers as (

    select
        customer_id,
        segment
    from {{ ref('int_customers_enriched') }}

),

months as (

    select month_start
    from {{ ref('util_months') }}
    qualify
        row_number() over (order by month_start desc)
        <= {{ var('risk_history_months') }}

),

churns as (

    select
        customer_id,
        month_start
    from {{ ref('int_customer_mrr_monthly') }}
    where movement = 'churn'

),

churn_outcomes as (

    select
        churns.customer_id,
        churns.month_start,
        1 as churned,
        case when scores_before.is_at_risk = false then 1 else 0 end
            as surprise,
        0 as at_risk,
        0 as mrr_at_risk,
        0 as at_risk_retained
    from churns
    inner join months
        on churns.month_start = months.month_start
    left join scores as scores_before
        on
            churns.customer_id = scores_before.customer_id
            and scores_before.observation_month = cast({{ dbt.dateadd(
                'month', -var('risk_horizon_months'), 'churns.month_start'
            ) }} as date)

),

at_risk_at_start as (

    select
        scores.customer_id,
        months.month_start,
        0 as churned,
        0 as surprise,
        1 as at_risk,
        -- summed exactly (decimal), so the total does not depend on the
        -- order the customers' doubles are added in
        cast(scores.mrr * scores.churn_probability as decimal(38, 18))
            as mrr_at_risk,
        0 as at_risk_retained
    from scores
    inner join months
        on scores.observation_month = cast({{ dbt.dateadd(
            'month', -1, 'months.month_start'
        ) }} as date)
    where scores.is_at_risk

),

at_risk_outcomes as (

    select
        scores.customer_id,
        months.month_start,
        0 as churned,
        0 as surprise,
        0 as at_risk,
        0 as mrr_at_risk,
        1 as at_risk_retained
    from scores
    inner join months
        on scores.observation_month = cast({{ dbt.dateadd(
            'month', -var('risk_horizon_months'), 'months.month_start'
        ) }} as date)
    where
        scores.is_at_risk
        and not exists (
            select 1
            from churns
            where
                churns.customer_id = scores.customer_id
                and churns.month_start > scores.observation_month
                and churns.month_start <= months.month_start
        )

),

outcomes as (

    select * from churn_outcomes
    union all
    select * from at_risk_at_start
    union all
    select * from at_risk_outcomes

),

by_segment as (

    select
        outcomes.month_start,
        customers.segment,
        sum(outcomes.churned) as churned_customers,
        sum(outcomes.surprise) as surprise_non_renewals,
        sum(outcomes.at_risk) as at_risk_customers,
        sum(outcomes.mrr_at_risk) as mrr_at_risk,
        sum(outcomes.at_risk_retained) as at_risk_retained
    from outcomes
    inner join customers
        on outcomes.customer_id = customers.customer_id
    group by 1, 2

),

segments as (

    select distinct segment from customers

),

grid as (

    select
        months.month_start,
        segments.segment
    from months
    cross join segments

),

filled as (

    select
        grid.month_start,
        grid.segment,
        coalesce(by_segment.churned_customers, 0) as churned_customers,
        coalesce(by_segment.surprise_non_renewals, 0)
            as surprise_non_renewals,
        coalesce(by_segment.at_risk_customers, 0) as at_risk_customers,
        coalesce(by_segment.mrr_at_risk, 0) as mrr_at_risk,
        coalesce(by_segment.at_risk_retained, 0) as at_risk_retained
    from grid
    left join by_segment
        on
            grid.month_start = by_segment.month_start
            and grid.segment = by_segment.segment

),

-- each segment, then 'All' (every segment together)
filled_with_all as (

    {{ with_all_segment('filled', [
        'month_start', 'segment', 'churned_customers',
        'surprise_non_renewals', 'at_risk_customers', 'mrr_at_risk',
        'at_risk_retained',
    ]) }}

),

with_all as (

    select
        month_start,
        segment,
        sum(churned_customers) as churned_customers,
        sum(surprise_non_renewals) as surprise_non_renewals,
        sum(at_risk_customers) as at_risk_customers,
        sum(mrr_at_risk) as mrr_at_risk,
        sum(at_risk_retained) as at_risk_retained
    from filled_with_all
    group by 1, 2

),

final as (

    select
        cast(month_start as date) as month_start,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(churned_customers as {{ dbt.type_bigint() }})
            as churned_customers,
        cast(surprise_non_renewals as {{ dbt.type_bigint() }})
            as surprise_non_renewals,
        cast(at_risk_customers as {{ dbt.type_bigint() }})
            as at_risk_customers,
        cast(mrr_at_risk as decimal(38, 10)) as mrr_at_risk,
        cast(at_risk_retained as {{ dbt.type_bigint() }}) as at_risk_retained,
        cast(
            {{ is_complete_period('month_start', 'month') }}
            as {{ dbt.type_boolean() }}
        ) as is_complete_period
    from with_all

)

select * from final
