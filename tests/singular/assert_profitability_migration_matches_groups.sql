-- For each pair of consecutive years and quarters, the migration's from side
-- (without 'new') equals the groups of the earlier period and its to side
-- (without 'lost') those of the later period, in customers and revenue; and
-- every period with profitability rows is on both sides (but the first and
-- the last period), so no period's customers are missing from the pairs.
with

period_groups as (

    select
        period_grain,
        period_start,
        profitability_group,
        count(*) as customers,
        sum(net_revenue) as net_revenue
    from {{ ref('int_customer_profitability_periods') }}
    group by 1, 2, 3

),

{% for side, period, group_column, skip in [
    ('from', 'from_period', 'from_group', 'new'),
    ('to', 'to_period', 'to_group', 'lost')] %}
{{ side }}_side as (

    select
        period_grain,
        {{ period }} as period_start,
        {{ group_column }} as profitability_group,
        sum(customers) as customers,
        sum({{ side }}_net_revenue) as net_revenue
    from {{ ref('int_profitability_migration_periods') }}
    where {{ group_column }} <> '{{ skip }}'
    group by 1, 2, 3

),
{% endfor %}

-- the first and last period of each grain: of the month spine and of the
-- profitability rows (an invoice can predate every subscription version)
bounds as (

    select
        period_grain,
        min(period_start) as first_period,
        max(period_start) as last_period
    from (
        select
            period_grain,
            period_start
        from {{ ref('int_customer_profitability_periods') }}
        {% for grain in ['quarter', 'year'] %}
        union all
        select
            '{{ grain }}' as period_grain,
            cast({{ dbt.date_trunc(grain, 'month_start') }} as date)
                as period_start
        from {{ ref('util_months') }}
        {% endfor %}
    ) as known_periods
    group by 1

),

-- every period but the last is the from side of a pair, every period but
-- the first the to side of one
expected as (

    select
        'from' as side,
        period_groups.*
    from period_groups
    inner join bounds
        on
            period_groups.period_grain = bounds.period_grain
            and period_groups.period_start < bounds.last_period

    union all

    select
        'to' as side,
        period_groups.*
    from period_groups
    inner join bounds
        on
            period_groups.period_grain = bounds.period_grain
            and period_groups.period_start > bounds.first_period

),

actual as (

    select
        'from' as side,
        from_side.*
    from from_side
    union all
    select
        'to' as side,
        to_side.*
    from to_side

)

select
    coalesce(expected.side, actual.side) as side,
    coalesce(expected.period_grain, actual.period_grain) as period_grain,
    coalesce(expected.period_start, actual.period_start) as period_start,
    coalesce(expected.profitability_group, actual.profitability_group)
        as profitability_group
from expected
full outer join actual
    on
        expected.side = actual.side
        and expected.period_grain = actual.period_grain
        and expected.period_start = actual.period_start
        and expected.profitability_group = actual.profitability_group
where
    expected.customers is null
    or actual.customers is null
    or expected.customers <> actual.customers
    or expected.net_revenue <> actual.net_revenue
