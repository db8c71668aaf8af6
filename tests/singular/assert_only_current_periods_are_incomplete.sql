-- In every period mart, is_complete_period is false exactly for the periods
-- still running on the as-of date: the period ends (start + one grain) after
-- the day following the as-of date. Computed here without the macro
-- is_complete_period. Returns the mart and period that disagree.
{%- set checks = [
    {'model': 'fct_mrr_movements', 'period': 'month_start', 'grain': 'month'},
    {'model': 'fct_customer_mrr_monthly', 'period': 'month_start',
     'grain': 'month'},
    {'model': 'fct_churn_events', 'period': 'churn_month', 'grain': 'month'},
    {'model': 'fct_renewal_cohorts', 'period': 'cohort_month',
     'grain': 'month'},
    {'model': 'fct_customer_lifecycle', 'period': 'month_start',
     'grain': 'month'},
    {'model': 'fct_lifecycle_transitions', 'period': 'month_start',
     'grain': 'month'},
    {'model': 'fct_customer_value_scores', 'period': 'snapshot_month',
     'grain': 'month'},
    {'model': 'fct_value_concentration', 'period': 'snapshot_month',
     'grain': 'month'},
    {'model': 'fct_value_concentration_summary', 'period': 'snapshot_month',
     'grain': 'month'},
    {'model': 'fct_value_tier_migration', 'period': 'to_snapshot_month',
     'grain': 'month'},
    {'model': 'fct_referrals_by_segment', 'period': 'quarter_start',
     'grain': 'quarter'},
    {'model': 'fct_not_referring_reasons', 'period': 'quarter_start',
     'grain': 'quarter'},
    {'model': 'fct_customer_profitability_quarterly',
     'period': 'quarter_start', 'grain': 'quarter'},
    {'model': 'fct_profitability_migration_quarterly',
     'period': 'to_quarter', 'grain': 'quarter'},
    {'model': 'fct_customer_profitability', 'period': 'year_start',
     'grain': 'year'},
    {'model': 'fct_profitability_migration', 'period': 'to_year',
     'grain': 'year'},
    {'model': 'fct_revenue_distribution', 'period': 'year_start',
     'grain': 'year'},
] %}
{%- set day_after_as_of = dbt.dateadd('day', 1, as_of_date()) %}

with

checked as (

    {% for check in checks %}
    select
        '{{ check.model }}' as model_name,
        {{ check.period }} as period_start,
        is_complete_period,
        {{ dbt.dateadd(check.grain, 1, check.period) }}
        <= {{ day_after_as_of }} as is_over
    from {{ ref(check.model) }}
    union all
    {% endfor %}
    {% for model in ['fct_customer_flows', 'fct_growth_kpis'] %}
    {% for grain in ['month', 'quarter', 'year'] %}
    select
        '{{ model }}' as model_name,
        period_start,
        is_complete_period,
        {{ dbt.dateadd(grain, 1, 'period_start') }}
        <= {{ day_after_as_of }} as is_over
    from {{ ref(model) }}
    where period_grain = '{{ grain }}'
    union all
    {% endfor %}
    {% endfor %}
    select
        'fct_retention_cohorts' as model_name,
        cohort_month as period_start,
        is_complete_period,
        {{ dbt.dateadd(
            'month', 'months_since_start + 1', 'cohort_month'
        ) }}
        <= {{ day_after_as_of }} as is_over
    from {{ ref('fct_retention_cohorts') }}

)

select distinct
    model_name,
    period_start
from checked
where is_complete_period is null or is_complete_period <> is_over
