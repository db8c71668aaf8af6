{#- One row per period grain, pair of consecutive periods, from-group and
    to-group: how customers moved between profitability groups. A customer
    with no row in the earlier period comes from 'new'; one with no row in
    the later period goes to 'lost'. So the from side of each pair adds up
    to the groups of the earlier period (plus 'new') and the to side to the
    groups of the later one (plus 'lost'). -#}

with

profitability as (

    select
        period_grain,
        period_start,
        customer_id,
        profitability_group as group_name,
        net_revenue
    from {{ ref('int_customer_profitability_periods') }}

),

-- every period of each grain from the earliest with a profitability row or
-- a month of the spine (an invoice can predate every subscription version)
-- to the latest, without gaps, so that each pair of consecutive periods the
-- profitability marts have is paired
known_periods as (

    {% for grain in ['quarter', 'year'] %}
    select
        '{{ grain }}' as period_grain,
        cast({{ dbt.date_trunc(grain, 'month_start') }} as date)
            as period_start
    from {{ ref('util_months') }}
    union all
    {% endfor %}
    select
        period_grain,
        period_start
    from profitability

),

bounds as (

    select
        period_grain,
        min(period_start) as first_period,
        max(period_start) as last_period
    from known_periods
    group by 1

),

numbers as (

    -- 0..1199: more quarters than any billing history
    select generated_number - 1 as steps
    from ({{ dbt.generate_series(1200) }}) as series

),

periods as (

    {% for grain in ['quarter', 'year'] %}
    select
        bounds.period_grain,
        cast(
            {{ dbt.dateadd(grain, 'numbers.steps', 'bounds.first_period') }}
            as date
        ) as period_start
    from bounds
    cross join numbers
    where
        bounds.period_grain = '{{ grain }}'
        and {{ dbt.dateadd(grain, 'numbers.steps', 'bounds.first_period') }}
        <= bounds.last_period
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

migration as (

    {{ migration_between_periods(
        'profitability', 'periods', ['period_grain'], ['net_revenue']
    ) | indent(4) }}

)

select * from migration
