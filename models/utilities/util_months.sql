{#- One row per calendar month from the month of the earliest subscription
    version up to the as-of month, counted back from the as-of month (at
    most a century: an absurdly old version cannot break the spine). -#}

with

bounds as (

    select
        cast({{ dbt.date_trunc('month', 'min(valid_from)') }} as date)
            as first_month,
        cast({{ dbt.date_trunc('month', as_of_date()) }} as date)
            as as_of_month,
        {{ as_of_date() }} as as_of_date
    from {{ ref('stg_billing__subscription_versions') }}

),

numbers as (

    -- 1..1200: a century of months, more than any billing history
    {{ dbt.generate_series(1200) }}

),

months as (

    select
        cast(
            {{ dbt.dateadd(
                'month', '1 - numbers.generated_number', 'bounds.as_of_month'
            ) }}
            as date
        ) as month_start,
        bounds.first_month,
        bounds.as_of_month,
        bounds.as_of_date
    from bounds
    cross join numbers

),

final as (

    select
        month_start,
        cast({{ dbt.last_day('month_start', 'month') }} as date) as month_end,
        cast(
            {{ dbt.date_trunc('quarter', 'month_start') }} as date
        ) as quarter_start,
        cast({{ dbt.date_trunc('year', 'month_start') }} as date) as year_start,
        -- MRR is measured on the month's last day, or on the as-of date in
        -- the as-of month.
        cast(
            case
                when month_start = as_of_month then as_of_date
                else {{ dbt.last_day('month_start', 'month') }}
            end as date
        ) as measured_on,
        month_start = as_of_month as is_as_of_month
    from months
    where month_start >= first_month

)

select * from final
