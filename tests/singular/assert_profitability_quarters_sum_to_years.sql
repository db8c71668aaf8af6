-- Every customer's quarters add up to its year, component by component.
with

quarters as (

    select
        customer_id,
        cast({{ dbt.date_trunc('year', 'quarter_start') }} as date)
            as year_start,
        sum(gross_revenue) as gross_revenue,
        sum(credits) as credits,
        sum(cogs) as cogs,
        sum(cost_to_serve) as cost_to_serve,
        sum(gross_profit) as gross_profit
    from {{ ref('fct_customer_profitability_quarterly') }}
    group by 1, 2

)

select
    coalesce(years.customer_id, quarters.customer_id) as customer_id,
    coalesce(years.year_start, quarters.year_start) as year_start
from {{ ref('fct_customer_profitability') }} as years
full outer join quarters
    on
        years.customer_id = quarters.customer_id
        and years.year_start = quarters.year_start
where
    years.customer_id is null
    or quarters.customer_id is null
    or years.gross_revenue <> quarters.gross_revenue
    or years.credits <> quarters.credits
    or years.cogs <> quarters.cogs
    or years.cost_to_serve <> quarters.cost_to_serve
    or years.gross_profit <> quarters.gross_profit
