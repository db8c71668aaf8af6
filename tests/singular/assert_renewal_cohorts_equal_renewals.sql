-- fct_renewal_cohorts counts and ARR equal fct_renewals, per contract-end
-- month and segment and for 'All'.
with

renewals as (

    select
        cast({{ dbt.date_trunc('month', 'contract_end_date') }} as date)
            as cohort_month,
        segment,
        outcome,
        arr_due,
        arr_renewed
    from {{ ref('fct_renewals') }}

),

expected as (

    {% for segment in ['segment', "'All'"] %}
    select
        cohort_month,
        {{ segment }} as segment,
        count(*) as renewals_due,
        sum(case when outcome = 'renewed' then 1 else 0 end) as renewed,
        sum(case when outcome = 'churned' then 1 else 0 end) as churned,
        sum(case when outcome = 'pending' then 1 else 0 end) as pending,
        sum(arr_due) as arr_due,
        sum(arr_renewed) as arr_renewed
    from renewals
    group by 1, 2
    {% if loop.first %}union all{% endif %}
    {% endfor %}

)

select
    coalesce(expected.cohort_month, cohorts.cohort_month) as cohort_month,
    coalesce(expected.segment, cohorts.segment) as segment
from expected
full outer join {{ ref('fct_renewal_cohorts') }} as cohorts
    on
        expected.cohort_month = cohorts.cohort_month
        and expected.segment = cohorts.segment
where
    expected.cohort_month is null
    or cohorts.cohort_month is null
    or expected.renewals_due <> cohorts.renewals_due
    or expected.renewed <> cohorts.renewed
    or expected.churned <> cohorts.churned
    or expected.pending <> cohorts.pending
    or expected.arr_due <> cohorts.arr_due
    or expected.arr_renewed <> cohorts.arr_renewed
