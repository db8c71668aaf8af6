{#- One row per calendar day of the month spine (util_months): from the first
    day of its first month to the last day of the as-of month. MetricFlow's
    time spine (models/semantic/): day is the finest grain of any time
    dimension in the semantic layer. -#}

with

months as (

    select
        month_start,
        month_end
    from {{ ref('util_months') }}

),

day_numbers as (

    -- 1..31: enough for the days of any month
    {{ dbt.generate_series(31) }}

),

days as (

    select
        cast(
            {{ dbt.dateadd(
                'day', 'day_numbers.generated_number - 1', 'months.month_start'
            ) }}
            as date
        ) as date_day,
        months.month_end
    from months
    cross join day_numbers

),

final as (

    select date_day
    from days
    where date_day <= month_end

)

select * from final
