-- Quarter and year rows of fct_customer_flows: flows are the sums of their
-- months, opening is the first month's opening, closing the last month's
-- closing. Returns the periods where that does not hold.
with

months as (

    select
        flows.*,
        util.quarter_start,
        util.year_start
    from {{ ref('fct_customer_flows') }} as flows
    inner join {{ ref('util_months') }} as util
        on flows.period_start = util.month_start
    where flows.period_grain = 'month'

),

{% for grain in ['quarter', 'year'] %}
{{ grain }}_expected as (

    select
        '{{ grain }}' as period_grain,
        {{ grain }}_start as period_start,
        segment,
        sum(new_customers) as new_customers,
        sum(reactivated_customers) as reactivated_customers,
        sum(churned_customers) as churned_customers,
        sum(new_customer_mrr) as new_customer_mrr,
        sum(reactivated_mrr) as reactivated_mrr,
        sum(churned_mrr) as churned_mrr,
        min(period_start) as first_month,
        max(period_start) as last_month
    from months
    group by 1, 2, 3

),
{% endfor %}

expected as (

    select * from quarter_expected
    union all
    select * from year_expected

)

select
    expected.period_grain,
    expected.period_start,
    expected.segment
from expected
left join {{ ref('fct_customer_flows') }} as actual
    on
        expected.period_grain = actual.period_grain
        and expected.period_start = actual.period_start
        and expected.segment = actual.segment
left join months as first_month
    on
        expected.segment = first_month.segment
        and expected.first_month = first_month.period_start
left join months as last_month
    on
        expected.segment = last_month.segment
        and expected.last_month = last_month.period_start
where
    actual.period_start is null
    or actual.new_customers <> expected.new_customers
    or actual.reactivated_customers <> expected.reactivated_customers
    or actual.churned_customers <> expected.churned_customers
    or actual.new_customer_mrr <> expected.new_customer_mrr
    or actual.reactivated_mrr <> expected.reactivated_mrr
    or actual.churned_mrr <> expected.churned_mrr
    or actual.opening_customers <> first_month.opening_customers
    or actual.closing_customers <> last_month.closing_customers
