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
        profitability_group,
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

pairs as (

    select
        period_grain,
        period_start as from_period,
        lead(period_start) over (
            partition by period_grain order by period_start
        ) as to_period
    from periods

),

from_side as (

    select
        pairs.period_grain,
        pairs.from_period,
        pairs.to_period,
        profitability.customer_id,
        profitability.profitability_group,
        profitability.net_revenue
    from pairs
    inner join profitability
        on
            pairs.period_grain = profitability.period_grain
            and pairs.from_period = profitability.period_start
    where pairs.to_period is not null

),

to_side as (

    select
        pairs.period_grain,
        pairs.from_period,
        pairs.to_period,
        profitability.customer_id,
        profitability.profitability_group,
        profitability.net_revenue
    from pairs
    inner join profitability
        on
            pairs.period_grain = profitability.period_grain
            and pairs.to_period = profitability.period_start
    where pairs.to_period is not null

),

moves as (

    select
        coalesce(from_side.period_grain, to_side.period_grain) as period_grain,
        coalesce(from_side.from_period, to_side.from_period) as from_period,
        coalesce(from_side.to_period, to_side.to_period) as to_period,
        coalesce(from_side.profitability_group, 'new') as from_group,
        coalesce(to_side.profitability_group, 'lost') as to_group,
        coalesce(from_side.net_revenue, 0) as from_net_revenue,
        coalesce(to_side.net_revenue, 0) as to_net_revenue
    from from_side
    full outer join to_side
        on
            from_side.period_grain = to_side.period_grain
            and from_side.from_period = to_side.from_period
            and from_side.customer_id = to_side.customer_id

),

final as (

    select
        period_grain,
        from_period,
        to_period,
        from_group,
        to_group,
        count(*) as customers,
        sum(from_net_revenue) as from_net_revenue,
        sum(to_net_revenue) as to_net_revenue
    from moves
    group by 1, 2, 3, 4, 5

)

select * from final
