{#- One row per period grain (month, quarter, year) and period of the month
    spine: its last month, and the last day it counts: the last day of that
    month, or the as-of date while the period is still running. -#}
{%- set grains = ['month', 'quarter', 'year'] %}

with

months as (

    select
        month_start,
        quarter_start,
        year_start
    from {{ ref('util_months') }}

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

final as (

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

)

select * from final
