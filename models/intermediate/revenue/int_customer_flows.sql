{#- Customers in and out per month, quarter and year. A quarter or year opens
    with its first month's opening and closes with its last month's closing
    (the as-of month for the current period); its flows are the sums of its
    months, so a customer who churns and returns within it counts in both. -#}
{%- set grains = {
    'month': 'month_start',
    'quarter': 'quarter_start',
    'year': 'year_start',
} %}

with

months as (

    select
        month_start,
        quarter_start,
        year_start
    from {{ ref('util_months') }}

),

movements as (

    select
        movements.*,
        months.quarter_start,
        months.year_start
    from {{ ref('int_mrr_movements') }} as movements
    inner join months
        on movements.month_start = months.month_start

),

churns as (

    select
        months.month_start,
        months.quarter_start,
        months.year_start,
        churn_events.segment,
        churn_events.reason_code
    from {{ ref('int_churn_events') }} as churn_events
    inner join months
        on churn_events.churn_month = months.month_start

),

-- each segment, then 'All' (every segment together)
churn_events as (

    {{ with_all_segment('churns', [
        'month_start', 'quarter_start', 'year_start', 'segment', 'reason_code'
    ]) }}

),

{% for grain, period_column in grains.items() %}
{{ grain }}_bounds as (

    select
        {{ period_column }} as period_start,
        segment,
        min(month_start) as first_month,
        max(month_start) as last_month,
        sum(new_customers) as new_customers,
        sum(reactivated_customers) as reactivated_customers,
        sum(churned_customers) as churned_customers,
        sum(new_mrr) as new_customer_mrr,
        sum(reactivation_mrr) as reactivated_mrr,
        sum(churned_mrr) as churned_mrr,
        sum(expansion_mrr) as expansion_mrr,
        sum(contraction_mrr) as contraction_mrr,
        sum(fx_adjustment_mrr) as fx_adjustment_mrr
    from movements
    group by 1, 2

),

{{ grain }}_reasons as (

    {{ most_frequent('churn_events', [period_column, 'segment'], 'reason_code')
        | indent(4) }}

),

{{ grain }}_flows as (

    select
        '{{ grain }}' as period_grain,
        bounds.period_start,
        bounds.segment,
        opening.opening_customers,
        bounds.new_customers,
        bounds.reactivated_customers,
        bounds.churned_customers,
        closing.closing_customers,
        bounds.new_customer_mrr,
        bounds.reactivated_mrr,
        bounds.churned_mrr,
        bounds.expansion_mrr,
        bounds.contraction_mrr,
        bounds.fx_adjustment_mrr,
        opening.opening_mrr,
        closing.closing_mrr,
        reasons.top_value as top_churn_reason
    from {{ grain }}_bounds as bounds
    inner join movements as opening
        on
            bounds.segment = opening.segment
            and bounds.first_month = opening.month_start
    inner join movements as closing
        on
            bounds.segment = closing.segment
            and bounds.last_month = closing.month_start
    left join {{ grain }}_reasons as reasons
        on
            bounds.segment = reasons.segment
            and bounds.period_start = reasons.{{ period_column }}

),

{% endfor %}

unioned as (

    {% for grain in grains %}
    select * from {{ grain }}_flows
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        cast(period_grain as {{ dbt.type_string() }}) as period_grain,
        cast(period_start as date) as period_start,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(opening_customers as bigint) as opening_customers,
        cast(new_customers as bigint) as new_customers,
        cast(reactivated_customers as bigint) as reactivated_customers,
        cast(churned_customers as bigint) as churned_customers,
        cast(closing_customers as bigint) as closing_customers,
        cast(new_customer_mrr as decimal(38, 10)) as new_customer_mrr,
        cast(reactivated_mrr as decimal(38, 10)) as reactivated_mrr,
        cast(churned_mrr as decimal(38, 10)) as churned_mrr,
        cast(closing_customers - opening_customers as bigint)
            as net_customer_change,
        cast(top_churn_reason as {{ dbt.type_string() }}) as top_churn_reason,
        cast(opening_mrr as decimal(38, 10)) as opening_mrr,
        cast(expansion_mrr as decimal(38, 10)) as expansion_mrr,
        cast(contraction_mrr as decimal(38, 10)) as contraction_mrr,
        cast(fx_adjustment_mrr as decimal(38, 10)) as fx_adjustment_mrr,
        cast(closing_mrr as decimal(38, 10)) as closing_mrr,
        cast(
            {{ is_complete_period('period_start', 'period_grain') }}
            as {{ dbt.type_boolean() }}
        ) as is_complete_period
    from unioned

)

select * from final
