{#- One row per snapshot month, segment (each customer's, and again as
    'All') and scored customer: the trailing-12-month revenue and profit the
    concentration marts rank. -#}

with

scores as (

    select
        snapshot_month,
        segment,
        customer_id,
        net_revenue_raw as net_revenue,
        gross_profit_raw as gross_profit
    from {{ ref('int_customer_value_scores') }}

),

with_all as (

    {{ with_all_segment('scores', [
        'snapshot_month', 'segment', 'customer_id', 'net_revenue', 'gross_profit'
    ]) }}

)

select * from with_all
