{#- One row per customer and month of the MRR grid with a subscription
    version in force on the month's measuring day (valid_from on or before
    it, valid_to after it or open): seats, the longest billing interval, and
    the next contract end date on or after the measuring day. -#}

with

grid as (

    select
        mrr.customer_id,
        mrr.month_start,
        months.measured_on
    from {{ ref('int_customer_mrr_monthly') }} as mrr
    inner join {{ ref('util_months') }} as months
        on mrr.month_start = months.month_start

),

final as (

    select
        grid.customer_id,
        grid.month_start,
        sum(versions.quantity) as seats,
        max(versions.billing_interval_months) as billing_interval_months,
        min(
            case
                when versions.contract_end_date >= grid.measured_on
                    then versions.contract_end_date
            end
        ) as next_contract_end_date
    from grid
    inner join {{ ref('int_subscription_versions_priced') }} as versions
        on
            grid.customer_id = versions.customer_id
            and grid.measured_on >= versions.valid_from
            and (
                versions.valid_to is null
                or grid.measured_on < versions.valid_to
            )
    group by 1, 2

)

select * from final
