-- In every period mart, is_complete_period is false exactly for the periods
-- still running on the as-of date: the period ends (start + one grain) after
-- the day following the as-of date. Computed here without the macro
-- is_complete_period. Returns the mart and period that disagree.
{#- (mart, period column, grain) -#}
{%- set checks = [
    ('fct_mrr_movements', 'month_start', 'month'),
    ('fct_customer_mrr_monthly', 'month_start', 'month'),
    ('fct_churn_events', 'churn_month', 'month'),
    ('fct_renewal_cohorts', 'cohort_month', 'month'),
    ('fct_customer_lifecycle', 'month_start', 'month'),
    ('fct_lifecycle_transitions', 'month_start', 'month'),
    ('fct_customer_value_scores', 'snapshot_month', 'month'),
    ('fct_value_concentration', 'snapshot_month', 'month'),
    ('fct_value_concentration_summary', 'snapshot_month', 'month'),
    ('fct_value_tier_migration', 'to_snapshot_month', 'month'),
    ('fct_referrals_by_segment', 'quarter_start', 'quarter'),
    ('fct_not_referring_reasons', 'quarter_start', 'quarter'),
    ('fct_customer_profitability_quarterly', 'quarter_start', 'quarter'),
    ('fct_profitability_migration_quarterly', 'to_quarter', 'quarter'),
    ('fct_customer_profitability', 'year_start', 'year'),
    ('fct_profitability_migration', 'to_year', 'year'),
    ('fct_revenue_distribution', 'year_start', 'year'),
] %}
{%- set day_after_as_of = dbt.dateadd('day', 1, as_of_date()) %}

with

checked as (

    {% for model, period, grain in checks %}
    select
        '{{ model }}' as model_name,
        {{ period }} as period_start,
        is_complete_period,
        {{ dbt.dateadd(grain, 1, period) }} <= {{ day_after_as_of }} as is_over
    from {{ ref(model) }}
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
