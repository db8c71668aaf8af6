-- Each month opens where the previous month closed: for every segment and
-- 'All', opening_mrr(m) = closing_mrr(m-1) and the same for customers.
select
    this_month.month_start,
    this_month.segment
from {{ ref('fct_mrr_movements') }} as this_month
inner join {{ ref('fct_mrr_movements') }} as last_month
    on
        this_month.segment = last_month.segment
        and last_month.month_start = cast(
            {{ dbt.dateadd('month', -1, 'this_month.month_start') }} as date
        )
where
    this_month.opening_mrr <> last_month.closing_mrr
    or this_month.opening_customers <> last_month.closing_customers
