-- Churned customers in fct_customer_flows (every grain, every segment and
-- 'All') equal the rows of fct_churn_events in the period.
with

events as (

    select
        churn_events.segment,
        util.month_start,
        util.quarter_start,
        util.year_start
    from {{ ref('fct_churn_events') }} as churn_events
    inner join {{ ref('util_months') }} as util
        on churn_events.churn_month = util.month_start

),

counted as (

    {% for grain in ['month', 'quarter', 'year'] %}
    select
        '{{ grain }}' as period_grain,
        {{ grain }}_start as period_start,
        segment,
        count(*) as churn_events
    from events
    group by 1, 2, 3

    union all

    select
        '{{ grain }}' as period_grain,
        {{ grain }}_start as period_start,
        'All' as segment,
        count(*) as churn_events
    from events
    group by 1, 2, 3
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select
    flows.period_grain,
    flows.period_start,
    flows.segment,
    flows.churned_customers,
    coalesce(counted.churn_events, 0) as churn_events
from {{ ref('fct_customer_flows') }} as flows
full outer join counted
    on
        flows.period_grain = counted.period_grain
        and flows.period_start = counted.period_start
        and flows.segment = counted.segment
where coalesce(flows.churned_customers, -1) <> coalesce(counted.churn_events, 0)
