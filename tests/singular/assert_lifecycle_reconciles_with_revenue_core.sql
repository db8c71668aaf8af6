-- Churned in the lifecycle means churned in the revenue core: a customer is
-- in stage 'churned' exactly in the months it has no MRR, and the moves into
-- 'churned' each month equal that month's churn events.
with

stage_mismatches as (

    select
        lifecycle.customer_id,
        lifecycle.month_start
    from {{ ref('fct_customer_lifecycle') }} as lifecycle
    inner join {{ ref('fct_customer_mrr_monthly') }} as mrr
        on
            lifecycle.customer_id = mrr.customer_id
            and lifecycle.month_start = mrr.month_start
    where (lifecycle.lifecycle_stage = 'churned') <> (not mrr.is_active)

),

moves_into_churned as (

    select
        month_start,
        sum(customers) as customers
    from {{ ref('fct_lifecycle_transitions') }}
    where to_stage = 'churned' and from_stage <> 'churned'
    group by 1

),

churn_events as (

    select
        churn_month as month_start,
        count(*) as customers
    from {{ ref('fct_churn_events') }}
    group by 1

),

count_mismatches as (

    select
        coalesce(moves_into_churned.month_start, churn_events.month_start)
            as month_start
    from moves_into_churned
    full outer join churn_events
        on moves_into_churned.month_start = churn_events.month_start
    where
        coalesce(moves_into_churned.customers, 0)
        <> coalesce(churn_events.customers, 0)

)

select
    customer_id,
    month_start
from stage_mismatches
union all
select
    'all customers' as customer_id,
    month_start
from count_mismatches
