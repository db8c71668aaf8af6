{#- Distributions, not only averages: per year and segment (plus 'All'),
    the spread of customers' yearly net revenue and gross profit. -#}

with

profitability as (

    -- the yearly rows of fct_customer_profitability, cast as it casts them
    select
        cast(period_start as date) as year_start,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(net_revenue as decimal(38, 10)) as net_revenue,
        cast(gross_profit as decimal(38, 10)) as gross_profit
    from {{ ref('int_customer_profitability_periods') }}
    where period_grain = 'year'

),

with_all as (

    {{ with_all_segment('profitability', [
        'year_start', 'segment', 'net_revenue', 'gross_profit'
    ]) }}

),

final as (

    select
        cast(year_start as date) as year_start,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(count(*) as bigint) as customers,
        {%- for measure in ['net_revenue', 'gross_profit'] %}
        cast(avg({{ measure }}) as double) as {{ measure }}_mean,
        {%- for label, fraction in [
            ('p10', 0.1), ('p25', 0.25), ('median', 0.5), ('p75', 0.75),
            ('p90', 0.9)] %}
        cast(
            percentile_cont({{ fraction }})
            within group (order by {{ measure }})
            as double
        ) as {{ measure }}_{{ label }},
        {%- endfor %}
        cast(max({{ measure }}) as double) as {{ measure }}_max,
        {%- endfor %}
        -- the group's one period (it is a grouping column)
        cast(
            {{ is_complete_period('min(year_start)', 'year') }}
            as {{ dbt.type_boolean() }}
        ) as is_complete_period
    from with_all
    group by 1, 2

)

select * from final
