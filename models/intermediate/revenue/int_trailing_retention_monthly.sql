{#- One row per month and segment (plus 'All') with customers active 12
    months earlier: their MRR then, now, and kept (now, capped at then) for
    trailing-12-month gross and net revenue retention. -#}

with

customer_mrr as (

    select
        mrr.customer_id,
        customers.segment,
        mrr.month_start,
        mrr.mrr
    from {{ ref('int_customer_mrr_monthly') }} as mrr
    inner join {{ ref('int_customers_enriched') }} as customers
        on mrr.customer_id = customers.customer_id

),

trailing_pairs as (

    select
        now_month.month_start,
        now_month.segment,
        year_ago.mrr as mrr_year_ago,
        now_month.mrr as mrr_now
    from customer_mrr as now_month
    inner join customer_mrr as year_ago
        on
            now_month.customer_id = year_ago.customer_id
            and year_ago.month_start = cast(
                {{ dbt.dateadd('month', -12, 'now_month.month_start') }} as date
            )
    where year_ago.mrr > 0

),

-- each segment, then 'All' (every segment together)
with_all as (

    {{ with_all_segment('trailing_pairs', [
        'month_start', 'segment', 'mrr_year_ago', 'mrr_now',
    ]) }}

),

final as (

    select
        month_start,
        segment,
        sum(mrr_year_ago) as mrr_year_ago,
        sum(mrr_now) as mrr_now,
        sum(case when mrr_now < mrr_year_ago then mrr_now else mrr_year_ago end)
            as mrr_kept
    from with_all
    group by 1, 2

)

select * from final
