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

-- the latest answer of each response date: the greater response id
daily_answers as (

    select
        customer_id,
        response_id,
        response_date,
        score,
        row_number() over (
            partition by customer_id, response_date
            order by response_id desc
        ) as recency
    from responses

),

-- a customer's answers in date order (one per day), each with the date of
-- the next one: the latest answer on or before a day is the one whose span
-- holds the day
spans as (

    select
        customer_id,
        response_id,
        response_date,
        score,
        lead(response_date) over (
            partition by customer_id order by response_date
        ) as next_response_date
    from daily_answers
    where recency = 1

),

final as (

    select
        grid.customer_id,
        grid.month_start,
        grid.measured_on,
        spans.response_id,
        spans.response_date,
        spans.score
    from grid
    inner join spans
        on
            grid.customer_id = spans.customer_id
            and grid.measured_on >= spans.response_date
            and (
                spans.next_response_date is null
                or grid.measured_on < spans.next_response_date
            )

)

select * from final
