-- For each pair of consecutive years and quarters, the migration's from side
-- (without 'new') equals the groups of the earlier period and its to side
-- (without 'lost') those of the later period, in customers and revenue.
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

from_periods as (

    select distinct
        period_grain,
        from_period
    from {{ ref('int_profitability_migration_periods') }}

),

to_periods as (

    select distinct
        period_grain,
        to_period
    from {{ ref('int_profitability_migration_periods') }}

),

expected as (

    select
        'from' as side,
        period_groups.*
    from period_groups
    inner join from_periods
        on
            period_groups.period_grain = from_periods.period_grain
            and period_groups.period_start = from_periods.from_period

    union all

    select
        'to' as side,
        period_groups.*
    from period_groups
    inner join to_periods
        on
            period_groups.period_grain = to_periods.period_grain
            and period_groups.period_start = to_periods.to_period

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
