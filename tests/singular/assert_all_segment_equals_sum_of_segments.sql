-- In every mart with a segment 'All', the 'All' row equals the sum of the
-- segment rows (for additive columns). Returns the mart and key that differ.
{%- set checks = [
    {'model': 'fct_mrr_movements', 'keys': ['month_start'],
     'columns': ['opening_mrr', 'fx_adjustment_mrr', 'new_mrr', 'reactivation_mrr',
                 'expansion_mrr', 'contraction_mrr', 'churned_mrr', 'closing_mrr',
                 'opening_customers', 'new_customers', 'reactivated_customers',
                 'churned_customers', 'closing_customers']},
    {'model': 'fct_customer_flows', 'keys': ['period_grain', 'period_start'],
     'columns': ['opening_customers', 'new_customers', 'reactivated_customers',
                 'churned_customers', 'closing_customers', 'new_customer_mrr',
                 'reactivated_mrr', 'churned_mrr']},
    {'model': 'fct_renewal_cohorts', 'keys': ['cohort_month'],
     'columns': ['renewals_due', 'renewed', 'churned', 'pending', 'arr_due',
                 'arr_renewed']},
    {'model': 'fct_retention_cohorts', 'keys': ['cohort_month', 'months_since_start'],
     'columns': ['cohort_customers', 'active_customers', 'starting_mrr', 'mrr']},
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
