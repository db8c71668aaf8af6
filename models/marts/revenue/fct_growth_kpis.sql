{#- Growth KPIs per period grain (month, quarter, year), period and segment
    (plus 'All'): the formulas over customer flows (int_customer_flows),
    revenue by customer status now and on the same days a year earlier
    (int_revenue_status_periods) and trailing-12-month retention
    (int_trailing_retention_monthly). Every formula is written in
    the model's YAML. -#}

with

flows as (

    select * from {{ ref('int_customer_flows') }}

),

periods as (

    select * from {{ ref('util_periods') }}

),

revenue as (

    select * from {{ ref('int_revenue_status_periods') }}

),

trailing_retention as (

    select * from {{ ref('int_trailing_retention_monthly') }}

),

joined as (

    select
        flows.period_grain,
        flows.period_start,
        flows.segment,
        flows.opening_customers,
        flows.closing_customers,
        flows.churned_customers,
        flows.opening_mrr,
        flows.fx_adjustment_mrr,
        flows.closing_mrr,
        flows.new_customer_mrr,
        flows.reactivated_mrr,
        flows.expansion_mrr,
        flows.contraction_mrr,
        flows.churned_mrr,
        revenue.prior_year_revenue,
        revenue.prior_year_new_customer_revenue,
        trailing_retention.mrr_year_ago,
        trailing_retention.mrr_now,
        trailing_retention.mrr_kept,
        coalesce(revenue.total_revenue, 0) as total_revenue,
        coalesce(revenue.new_customer_revenue, 0) as new_customer_revenue,
        coalesce(revenue.existing_customer_revenue, 0)
            as existing_customer_revenue,
        coalesce(revenue.new_revenue_customers, 0) as new_revenue_customers,
        coalesce(revenue.existing_revenue_customers, 0)
            as existing_revenue_customers
    from flows
    inner join periods
        on
            flows.period_grain = periods.period_grain
            and flows.period_start = periods.period_start
    left join revenue
        on
            flows.period_grain = revenue.period_grain
            and flows.period_start = revenue.period_start
            and flows.segment = revenue.segment
    left join trailing_retention
        on
            periods.last_month = trailing_retention.month_start
            and flows.segment = trailing_retention.segment

),

final as (

    select
        cast(period_grain as {{ dbt.type_string() }}) as period_grain,
        cast(period_start as date) as period_start,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(total_revenue as decimal(38, 10)) as net_revenue,
        cast(new_customer_revenue as decimal(38, 10)) as new_customer_revenue,
        cast(existing_customer_revenue as decimal(38, 10))
            as existing_customer_revenue,
        -- a share of net revenue only when both parts are not negative:
        -- credits exceeding a group's invoices leave no split in 0..1
        cast(
            case
                when
                    new_customer_revenue >= 0
                    and existing_customer_revenue >= 0
                    then new_customer_revenue / nullif(total_revenue, 0)
            end as double
        ) as new_customer_revenue_share,
        cast(
            case
                when
                    new_customer_revenue >= 0
                    and existing_customer_revenue >= 0
                    then existing_customer_revenue / nullif(total_revenue, 0)
            end as double
        ) as existing_customer_revenue_share,
        cast(new_revenue_customers as bigint) as new_revenue_customers,
        cast(existing_revenue_customers as bigint)
            as existing_revenue_customers,
        cast(
            cast(new_revenue_customers as double)
            / nullif(new_revenue_customers + existing_revenue_customers, 0)
            as double
        ) as new_customers_share,
        cast(prior_year_revenue as decimal(38, 10)) as prior_year_revenue,
        cast(existing_customer_revenue - prior_year_revenue as decimal(38, 10))
            as existing_book_change,
        cast(
            (existing_customer_revenue - prior_year_revenue)
            / nullif(prior_year_revenue, 0) as double
        ) as existing_book_change_rate,
        cast(
            case
                when prior_year_revenue > existing_customer_revenue
                    then prior_year_revenue - existing_customer_revenue
                else 0
            end as decimal(38, 10)
        ) as required_new_customer_revenue,
        cast(
            case
                when prior_year_revenue > existing_customer_revenue
                    then prior_year_revenue - existing_customer_revenue
                else 0
            end / nullif(prior_year_new_customer_revenue, 0) as double
        ) as required_new_revenue_multiple,
        cast(prior_year_new_customer_revenue as decimal(38, 10))
            as prior_year_new_customer_revenue,
        cast(opening_customers as bigint) as opening_customers,
        cast(closing_customers as bigint) as closing_customers,
        cast(
            cast(churned_customers as double) / nullif(opening_customers, 0)
            as double
        ) as logo_churn_rate,
        -- constant currency: the opening restated at the period's rates.
        -- No opening book (the first, partial period of the data): no rate;
        -- the fx adjustment alone would be a meaningless denominator.
        cast(
            case
                when opening_mrr > 0
                    then
                        (churned_mrr + contraction_mrr)
                        / nullif(opening_mrr + fx_adjustment_mrr, 0)
            end as double
        ) as gross_mrr_churn_rate,
        cast(
            case
                when opening_mrr > 0
                    then
                        (churned_mrr + contraction_mrr - expansion_mrr)
                        / nullif(opening_mrr + fx_adjustment_mrr, 0)
            end as double
        ) as net_mrr_churn_rate,
        cast(
            (new_customer_mrr + reactivated_mrr + expansion_mrr)
            / nullif(churned_mrr + contraction_mrr, 0) as double
        ) as quick_ratio,
        cast(mrr_kept / nullif(mrr_year_ago, 0) as double)
            as trailing_12m_grr,
        cast(mrr_now / nullif(mrr_year_ago, 0) as double) as trailing_12m_nrr,
        cast(closing_mrr / nullif(closing_customers, 0) as double) as arpa,
        cast(
            {{ is_complete_period('period_start', 'period_grain') }}
            as {{ dbt.type_boolean() }}
        ) as is_complete_period
    from joined

)

select * from final
