{#- One row per customer and month of the MRR grid with an NPS answer on or
    before the month's measuring day: the latest answer (latest response
    date, then the greater response id). A rule that wants "the latest
    answer within N days" keeps the row when response_date is within N days
    of measured_on: the latest answer overall is the latest within any
    window that holds it, and no answer is within a window that does not. -#}

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

responses as (

    select
        customer_id,
        activity_id as response_id,
        activity_date as response_date,
        score
    from {{ ref('int_customer_referral_activity') }}
    where activity_type = 'nps_response'

),

ranked as (

    select
        grid.customer_id,
        grid.month_start,
        grid.measured_on,
        responses.response_id,
        responses.response_date,
        responses.score,
        row_number() over (
            partition by grid.customer_id, grid.month_start
            order by responses.response_date desc, responses.response_id desc
        ) as recency
    from grid
    inner join responses
        on
            grid.customer_id = responses.customer_id
            and grid.measured_on >= responses.response_date

),

final as (

    select
        customer_id,
        month_start,
        measured_on,
        response_id,
        response_date,
        score
    from ranked
    where recency = 1

)

select * from final
