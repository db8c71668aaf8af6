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

periods as (

    {% for grain in ['quarter', 'year'] %}
    select distinct
        '{{ grain }}' as period_grain,
        cast({{ dbt.date_trunc(grain, 'month_start') }} as date)
            as period_start
    from {{ ref('util_months') }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

migration as (

    {{ migration_between_periods(
        'profitability', 'periods', ['period_grain'], ['net_revenue']
    ) | indent(4) }}

)

select * from migration
