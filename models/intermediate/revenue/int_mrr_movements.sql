with

customer_months as (

    select
        month_start,
        segment,
        previous_mrr,
        previous_mrr_cc,
        fx_adjustment_mrr,
        movement,
        movement_mrr,
        mrr
    from {{ ref('int_customer_mrr_segmented') }}

),

-- summed per month and segment first (exact decimal sums and counts:
-- summing them again for 'All' changes nothing), so the 'All' copy doubles
-- a few rows, not every customer-month
segment_months as (

    select
        month_start,
        segment,
        sum(previous_mrr) as opening_mrr,
        sum(fx_adjustment_mrr) as fx_adjustment_mrr,
        {%- for movement in ['new', 'reactivation', 'expansion',
                             'contraction'] %}
        sum(case when movement = '{{ movement }}' then movement_mrr else 0 end)
            as {{ movement }}_mrr,
        {%- endfor %}
        sum(case when movement = 'churn' then movement_mrr else 0 end)
            as churned_mrr,
        sum(mrr) as closing_mrr,
        sum(case when previous_mrr_cc > 0 then 1 else 0 end)
            as opening_customers,
        sum(case when movement = 'new' then 1 else 0 end) as new_customers,
        sum(case when movement = 'reactivation' then 1 else 0 end)
            as reactivated_customers,
        sum(case when movement = 'churn' then 1 else 0 end)
            as churned_customers,
        sum(case when mrr > 0 then 1 else 0 end) as closing_customers
    from customer_months
    group by 1, 2

),

-- each segment, then 'All' (every segment together)
with_all as (

    {{ with_all_segment('segment_months', [
        'month_start', 'segment', 'opening_mrr', 'fx_adjustment_mrr',
        'new_mrr', 'reactivation_mrr', 'expansion_mrr', 'contraction_mrr',
        'churned_mrr', 'closing_mrr', 'opening_customers', 'new_customers',
        'reactivated_customers', 'churned_customers', 'closing_customers',
    ]) }}

),

aggregated as (

    select
        month_start,
        segment,
        sum(opening_mrr) as opening_mrr,
        sum(fx_adjustment_mrr) as fx_adjustment_mrr,
        sum(new_mrr) as new_mrr,
        sum(reactivation_mrr) as reactivation_mrr,
        sum(expansion_mrr) as expansion_mrr,
        sum(contraction_mrr) as contraction_mrr,
        sum(churned_mrr) as churned_mrr,
        sum(closing_mrr) as closing_mrr,
        sum(opening_customers) as opening_customers,
        sum(new_customers) as new_customers,
        sum(reactivated_customers) as reactivated_customers,
        sum(churned_customers) as churned_customers,
        sum(closing_customers) as closing_customers
    from with_all
    group by 1, 2

),

final as (

    select
        cast(month_start as date) as month_start,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(opening_mrr as decimal(38, 10)) as opening_mrr,
        cast(fx_adjustment_mrr as decimal(38, 10)) as fx_adjustment_mrr,
        cast(new_mrr as decimal(38, 10)) as new_mrr,
        cast(reactivation_mrr as decimal(38, 10)) as reactivation_mrr,
        cast(expansion_mrr as decimal(38, 10)) as expansion_mrr,
        cast(contraction_mrr as decimal(38, 10)) as contraction_mrr,
        cast(churned_mrr as decimal(38, 10)) as churned_mrr,
        cast(closing_mrr as decimal(38, 10)) as closing_mrr,
        cast(opening_customers as bigint) as opening_customers,
        cast(new_customers as bigint) as new_customers,
        cast(reactivated_customers as bigint) as reactivated_customers,
        cast(churned_customers as bigint) as churned_customers,
        cast(closing_customers as bigint) as closing_customers,
        cast(
            {{ is_complete_period('month_start', 'month') }}
            as {{ dbt.type_boolean() }}
        ) as is_complete_period
    from aggregated

)

select * from final
