{#- One row per event that costs money to serve a customer, dated on or
    before the as-of date, with its cost from the seed cost_to_serve_rates:
    support tickets (per ticket by priority, dated when opened), activities
    (per minute by type; a missing duration counts 0 minutes), onboardings
    (per new or reactivated customer, in its first month of MRR) and payment
    fees (a share of each succeeded payment, converted at the payment day's
    rate). A CRM record belongs to the billing customer of its account. -#}

with

customers as (

    select customer_id
    from {{ ref('int_customers_enriched') }}

),

accounts as (

    select
        account_id,
        customer_id
    from {{ ref('int_crm_account_customers') }}

),

unit_costs as (

    select
        driver,
        driver_value,
        unit_cost
    from {{ ref('cost_to_serve_rates') }}

),

-- one fallback price per driver for values the seed does not list: its
-- 'unknown' row, else its 'other' row
fallback_costs as (

    select
        driver,
        unit_cost
    from (
        select
            driver,
            unit_cost,
            row_number() over (
                partition by driver order by driver_value desc
            ) as pick
        from unit_costs
        where driver_value in ('other', 'unknown')
    ) as fallbacks
    where pick = 1

),

tickets as (

    select
        'support_ticket' as driver,
        tickets.ticket_id as event_id,
        accounts.customer_id,
        cast(tickets.opened_at as date) as event_date,
        tickets.priority as driver_value,
        cast(1 as decimal(38, 10)) as quantity
    from {{ ref('stg_crm__support_tickets') }} as tickets
    inner join accounts
        on tickets.account_id = accounts.account_id
    where cast(tickets.opened_at as date) <= {{ as_of_date() }}

),

activities as (

    select
        'activity' as driver,
        activities.activity_id as event_id,
        accounts.customer_id,
        cast(activities.occurred_at as date) as event_date,
        activities.activity_type as driver_value,
        cast(coalesce(activities.duration_minutes, 0) as decimal(38, 10))
            as quantity
    from {{ ref('stg_crm__activities') }} as activities
    inner join accounts
        on activities.account_id = accounts.account_id
    where cast(activities.occurred_at as date) <= {{ as_of_date() }}

),

onboardings as (

    select
        'onboarding' as driver,
        -- one onboarding per customer and month: the month identifies it
        cast(month_start as {{ dbt.type_string() }}) as event_id,
        customer_id,
        month_start as event_date,
        movement as driver_value,
        cast(1 as decimal(38, 10)) as quantity
    from {{ ref('int_customer_mrr_monthly') }}
    where movement in ('new', 'reactivation')

),

payments as (

    select
        'payment_fee' as driver,
        payments.payment_id as event_id,
        payments.customer_id,
        cast(payments.paid_at as date) as event_date,
        payments.status as driver_value,
        {{ to_reporting(
            'payments.amount', 'payments.currency', 'rates.rate_to_reporting'
        ) }} as quantity
    from {{ ref('stg_billing__payments') }} as payments
    left join {{ ref('int_fx_rates_daily') }} as rates
        on
            payments.currency = rates.currency
            and cast(payments.paid_at as date) = rates.rate_day
    where
        payments.status = 'succeeded'
        and cast(payments.paid_at as date) <= {{ as_of_date() }}

),

events as (

    select * from tickets
    union all
    select * from activities
    union all
    select * from onboardings
    union all
    select * from payments

),

final as (

    select
        events.driver,
        events.event_id,
        events.customer_id,
        events.event_date,
        events.driver_value,
        events.quantity,
        {{ decimal_product(
            'events.quantity',
            'coalesce(exact_cost.unit_cost, fallback_cost.unit_cost, 0)'
        ) }} as cost_amount
    from events
    inner join customers
        on events.customer_id = customers.customer_id
    left join unit_costs as exact_cost
        on
            events.driver = exact_cost.driver
            and events.driver_value = exact_cost.driver_value
    -- an activity type or priority the seed does not price
    left join fallback_costs as fallback_cost
        on events.driver = fallback_cost.driver

)

select * from final
