-- In every mart with a segment 'All', the 'All' row equals the sum of the
-- segment rows (for every additive column: counts and amounts; not rates,
-- percentiles or most-frequent values). A segment row missing for a period
-- whose 'All' row counts its customers fails it too. Returns the mart and
-- key that differ.
{%- set checks = [
    {'model': 'fct_mrr_movements', 'keys': ['month_start'],
     'columns': ['opening_mrr', 'fx_adjustment_mrr', 'new_mrr', 'reactivation_mrr',
                 'expansion_mrr', 'contraction_mrr', 'churned_mrr', 'closing_mrr',
                 'opening_customers', 'new_customers', 'reactivated_customers',
                 'churned_customers', 'closing_customers']},
    {'model': 'fct_customer_flows', 'keys': ['period_grain', 'period_start'],
     'columns': ['opening_customers', 'new_customers', 'reactivated_customers',
                 'churned_customers', 'closing_customers', 'net_customer_change',
                 'new_customer_mrr', 'reactivated_mrr', 'churned_mrr',
                 'opening_mrr', 'expansion_mrr', 'contraction_mrr',
                 'fx_adjustment_mrr', 'closing_mrr']},
    {'model': 'fct_renewal_cohorts', 'keys': ['cohort_month'],
     'columns': ['renewals_due', 'renewed', 'churned', 'pending', 'arr_due',
                 'arr_renewed']},
    {'model': 'fct_retention_cohorts', 'keys': ['cohort_month', 'months_since_start'],
     'columns': ['cohort_customers', 'active_customers', 'starting_mrr', 'mrr']},
    {'model': 'fct_growth_kpis', 'keys': ['period_grain', 'period_start'],
     'columns': ['net_revenue', 'new_customer_revenue',
                 'existing_customer_revenue', 'new_revenue_customers',
                 'existing_revenue_customers', 'prior_year_revenue',
                 'prior_year_new_customer_revenue', 'opening_customers',
                 'closing_customers']},
    {'model': 'fct_revenue_distribution', 'keys': ['year_start'],
     'columns': ['customers']},
    {'model': 'fct_referrals_by_segment', 'keys': ['quarter_start'],
     'columns': ['active_customers', 'referring_customers', 'referrals',
                 'converted_referrals', 'nps_responses', 'promoters',
                 'detractors']},
    {'model': 'fct_not_referring_reasons',
     'keys': ['quarter_start', 'not_referring_reason'],
     'columns': ['responses']},
    {'model': 'fct_value_concentration_summary', 'keys': ['snapshot_month'],
     'columns': ['customers']},
] %}

{% for check in checks %}
{%- set keys = check['keys'] | join(', ') %}
select
    '{{ check.model }}' as model_name,
    {{ check['keys'][0] }} as first_key
from (
    select
        {{ keys }},
    {%- for column in check['columns'] %}
    sum(
        case when segment = 'All' then {{ column }} else -{{ column }} end
    ) as diff_{{ column }}{% if not loop.last %},{% endif %}
    {%- endfor %}
    from {{ ref(check.model) }}
    group by {{ keys }}
) as sums
where
{%- for column in check['columns'] %}
    diff_{{ column }} <> 0{% if not loop.last %} or{% endif %}
{%- endfor %}
{% if not loop.last %}union all{% endif %}
{% endfor %}
