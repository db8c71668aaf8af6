{#- One row per period grain, period and segment (plus 'All') with revenue:
    net revenue split between new customers (started within the 12 months
    ending with the period's last month, int_customer_starts) and existing
    ones, how many customers of each kind had revenue, and the revenue of
    the same days a year earlier (int_prior_year_revenue_periods). -#}
{%- set grains = ['month', 'quarter', 'year'] %}

with

revenue as (

    select
        profit.customer_id,
        customers.segment,
        months.month_start,
        months.quarter_start,
        months.year_start,
        profit.net_revenue
    from {{ ref('int_customer_profit_monthly') }} as profit
    inner join {{ ref('util_months') }} as months
        on profit.month_start = months.month_start
    inner join {{ ref('int_customers_enriched') }} as customers
        on profit.customer_id = customers.customer_id

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
        customer_period_revenue.period_grain,
        customer_period_revenue.period_start,
        customer_period_revenue.segment,
        customer_period_revenue.net_revenue,
        case
            when {{ dbt.datediff(
                'customer_starts.start_month', 'period_bounds.last_month',
                'month'
            ) }} < 12 then 'new'
            else 'existing'
        end as customer_status
    from customer_period_revenue
    inner join {{ ref('util_periods') }} as period_bounds
        on
            customer_period_revenue.period_grain = period_bounds.period_grain
            and customer_period_revenue.period_start
            = period_bounds.period_start
    inner join {{ ref('int_customer_starts') }} as customer_starts
        on customer_period_revenue.customer_id = customer_starts.customer_id

),

-- each kind of customer summed per period and segment, now and a year
-- earlier (exact decimal sums: summing the sums changes nothing), so the
-- 'All' copy below doubles a few rows, not every customer's
current_totals as (

    select
        period_grain,
        period_start,
        segment,
        customer_status,
        sum(net_revenue) as net_revenue,
        count(*) as customers
    from classified
    group by 1, 2, 3, 4

),

prior_year_totals as (

    select
        period_grain,
        period_start,
        segment,
        customer_status,
        sum(net_revenue) as net_revenue
    from {{ ref('int_prior_year_revenue_periods') }}
    group by 1, 2, 3, 4

),

-- this year's customers and the year before's, side by side
revenue_rows as (

    select
        period_grain,
        period_start,
        segment,
        net_revenue,
        customers,
        customer_status,
        1 as is_current
    from current_totals

    union all

    select
        period_grain,
        period_start,
        segment,
        net_revenue,
        0 as customers,
        customer_status,
        0 as is_current
    from prior_year_totals

),

-- each segment, then 'All' (every segment together)
with_all as (

    {{ with_all_segment('revenue_rows', [
        'period_grain', 'period_start', 'segment', 'net_revenue',
        'customers', 'customer_status', 'is_current',
    ]) }}

),

final as (

    select
        period_grain,
        period_start,
        segment,
        sum(case when is_current = 1 then net_revenue end) as total_revenue,
        sum(
            case
                when is_current = 1 and customer_status = 'new'
                    then net_revenue
                else 0
            end
        ) as new_customer_revenue,
        sum(
            case
                when is_current = 1 and customer_status = 'existing'
                    then net_revenue
                else 0
            end
        ) as existing_customer_revenue,
        sum(
            case
                when is_current = 1 and customer_status = 'new'
                    then customers
                else 0
            end
        ) as new_revenue_customers,
        sum(
            case
                when is_current = 1 and customer_status = 'existing'
                    then customers
                else 0
            end
        ) as existing_revenue_customers,
        -- null, not 0, without revenue items a year earlier
        sum(case when is_current = 0 then net_revenue end)
            as prior_year_revenue,
        sum(
            case
                when is_current = 0
                    then
                        case
                            when customer_status = 'new' then net_revenue
                            else 0
                        end
            end
        ) as prior_year_new_customer_revenue
    from with_all
    group by 1, 2, 3
    -- periods with revenue now; the year before is only compared to them
    having sum(is_current) > 0

)

select * from final
