{#- One row per CRM cancellation request known at the as-of date, with the
    billing customer it is about: the customer of its subscription, else the
    billing customer of its CRM account. -#}

with

cancellations as (

    select
        cancellation_id,
        account_id,
        subscription_id,
        requested_at,
        effective_date,
        reason_code
    from {{ ref('stg_crm__cancellations') }}
    where cast(requested_at as date) <= {{ as_of_date() }}

),

subscriptions as (

    select
        subscription_id,
        customer_id
    from {{ ref('stg_billing__subscriptions') }}

),

accounts as (

    select
        account_id,
        customer_id
    from {{ ref('int_crm_account_customers') }}

),

final as (

    select
        cancellations.cancellation_id,
        cancellations.subscription_id,
        cancellations.requested_at,
        cancellations.effective_date,
        cancellations.reason_code,
        coalesce(subscriptions.customer_id, accounts.customer_id)
            as customer_id
    from cancellations
    left join subscriptions
        on cancellations.subscription_id = subscriptions.subscription_id
    left join accounts
        on cancellations.account_id = accounts.account_id

)

select * from final
where customer_id is not null
