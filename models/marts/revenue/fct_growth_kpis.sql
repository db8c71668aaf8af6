{#- Growth KPIs per period grain (month, quarter, year), period and segment
    (plus 'All'). Every formula is written in the model's YAML. -#}
{%- set grains = ['month', 'quarter', 'year'] %}

with

months as (

    select
        month_start,
        quarter_start,
        year_start
    from {{ ref('util_months') }}

),

customers as (

    select
        customer_id,
        segment
    from {{ ref('int_customers_enriched') }}

),

-- a customer starts in its first active month (first revenue month for a
-- customer that never had MRR)
starts as (

    select
        customer_id,
        min(month_start) as start_month
    from (
        select
            customer_id,
            first_active_month as month_start
        from {{ ref('int_customer_mrr_monthly') }}
        union all
        select
            customer_id,
            month_start
        from {{ ref('int_customer_profit_monthly') }}
        where gross_revenue <> 0
    ) as candidates
    group by 1

),

revenue as (

    select
        profit.customer_id,
        customers.segment,
        months.month_start,
        months.quarter_start,
        months.year_start,
        profit.net_revenue
    from {{ ref('int_customer_profit_monthly') }} as profit
    inner join months
        on profit.month_start = months.month_start
    inner join customers
        on profit.customer_id = customers.customer_id

),

periods as (

    {% for grain in grains %}
    select
        '{{ grain }}' as period_grain,
        {{ grain }}_start as period_start,
        max(month_start) as last_month
    from months
    group by 1, 2
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

customer_period_revenue as (

    {% for grain in grains %}
    select
        '{{ grain }}' as period_grain,
        {{ grain }}_start as period_start,
        customer_id,
        segment,
        sum(net_revenue) as net_revenue
    from revenue
    group by 1, 2, 3, 4
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

-- new: the customer started within the 12 months ending with the period's
-- last month; existing otherwise
classified as (

    select
        customer_period_revenue.*,
        case
            when {{ dbt.datediff(
                'starts.start_month', 'periods.last_month', 'month'
            ) }} < 12 then 'new'
            else 'existing'
        end as customer_status
    from customer_period_revenue
    inner join periods
        on
            customer_period_revenue.period_grain = periods.period_grain
            and customer_period_revenue.period_start = periods.period_start
    inner join starts
        on customer_period_revenue.customer_id = starts.customer_id

),

revenue_split as (

    {% for segment in ['segment', "'All'"] %}
    select
        period_grain,
        period_start,
        {{ segment }} as segment,
        sum(net_revenue) as total_revenue,
        sum(case when customer_status = 'new' then net_revenue else 0 end)
            as new_customer_revenue,
        sum(
            case when customer_status = 'existing' then net_revenue else 0 end
        ) as existing_customer_revenue,
        sum(case when customer_status = 'new' then 1 else 0 end)
            as new_revenue_customers,
        sum(case when customer_status = 'existing' then 1 else 0 end)
            as existing_revenue_customers
    from classified
    group by 1, 2, 3
    {% if loop.first %}union all{% endif %}
    {% endfor %}

),

-- the same days a year earlier (like for like: a period to date, e.g. up
-- to a mid-month as-of date, compares with the same days of the year
-- before), customers classified as new or existing at that time
period_days as (

    select
        period_grain,
        period_start,
        last_month,
        case
            when
                {{ as_of_date() }}
                < cast({{ dbt.last_day('last_month', 'month') }} as date)
                then {{ as_of_date() }}
            else cast({{ dbt.last_day('last_month', 'month') }} as date)
        end as period_end_day
    from periods

),

prior_year_revenue as (

    select
        period_days.period_grain,
        period_days.period_start,
        items.customer_id,
        customers.segment,
        items.gross_revenue - items.credit_amount as net_revenue,
        case
            when {{ dbt.datediff(
                'starts.start_month',
                dbt.dateadd('month', -12, 'period_days.last_month'),
                'month'
            ) }} < 12 then 'new'
            else 'existing'
        end as customer_status
    from period_days
    inner join {{ ref('int_revenue_items') }} as items
        on
            items.item_date >= cast(
                {{ dbt.dateadd('year', -1, 'period_days.period_start') }}
                as date
            )
            and items.item_date <= cast(
                {{ dbt.dateadd('year', -1, 'period_days.period_end_day') }}
                as date
            )
    inner join customers
        on items.customer_id = customers.customer_id
    inner join starts
        on items.customer_id = starts.customer_id

),

prior_year_split as (

    {% for segment in ['segment', "'All'"] %}
    select
        period_grain,
        period_start,
        {{ segment }} as segment,
        sum(net_revenue) as prior_year_revenue,
        sum(case when customer_status = 'new' then net_revenue else 0 end)
            as prior_year_new_customer_revenue
    from prior_year_revenue
    group by 1, 2, 3
    {% if loop.first %}union all{% endif %}
    {% endfor %}

),

with_prior_year as (

    select
        revenue_split.*,
        prior_year_split.prior_year_revenue,
        prior_year_split.prior_year_new_customer_revenue
    from revenue_split
    left join prior_year_split
        on
            revenue_split.period_grain = prior_year_split.period_grain
            and revenue_split.period_start = prior_year_split.period_start
            and revenue_split.segment = prior_year_split.segment

),

customer_mrr as (

    select
        mrr.customer_id,
        customers.segment,
        mrr.month_start,
        mrr.mrr
    from {{ ref('int_customer_mrr_monthly') }} as mrr
    inner join customers
        on mrr.customer_id = customers.customer_id

),

-- trailing 12 months: customers active 12 months before each month, and
-- their MRR then and now
trailing_pairs as (

    select
        now_month.month_start,
        now_month.segment,
        year_ago.mrr as mrr_year_ago,
        now_month.mrr as mrr_now
    from customer_mrr as now_month
    inner join customer_mrr as year_ago
        on
            now_month.customer_id = year_ago.customer_id
            and year_ago.month_start = cast(
                {{ dbt.dateadd('month', -12, 'now_month.month_start') }} as date
            )
    where year_ago.mrr > 0

),

trailing_retention as (

    {% for segment in ['segment', "'All'"] %}
    select
        month_start,
        {{ segment }} as segment,
        sum(mrr_year_ago) as mrr_year_ago,
        sum(mrr_now) as mrr_now,
        sum(case when mrr_now < mrr_year_ago then mrr_now else mrr_year_ago end)
            as mrr_kept
    from trailing_pairs
    group by 1, 2
    {% if loop.first %}union all{% endif %}
    {% endfor %}

),

flows as (

    select * from {{ ref('fct_customer_flows') }}

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
    left join with_prior_year as revenue
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
