{#- One row per customer with MRR or revenue: the month it started, its
    first active month (MRR > 0), or its first month with revenue when that
    is earlier or it never had MRR. -#}

with

candidates as (

    select
        customer_id,
        first_active_month as month_start
    from {{ ref('int_customer_mrr_monthly') }}

    union all

    select
        customer_id,
        month_start
    from {{ ref('int_customer_profit_monthly') }}
    where gross_revenue <> 0

),

final as (

    select
        customer_id,
        min(month_start) as start_month
    from candidates
    group by 1

)

select * from final
