with

versions as (

    select
        version_id,
        subscription_id,
        plan_id,
        quantity,
        unit_price,
        discount_pct,
        billing_interval_months,
        currency,
        valid_from,
        valid_to,
        contract_end_date
    from {{ ref('stg_billing__subscription_versions') }}
    -- versions that start after the as-of date are not known yet
    where valid_from <= {{ as_of_date() }}

),

subscriptions as (

    select
        subscription_id,
        customer_id
    from {{ ref('stg_billing__subscriptions') }}

),

customers as (

    select customer_id
    from {{ ref('stg_billing__customers') }}
    where not is_test

),

plans as (

    select
        plan_id,
        is_recurring,
        product_family
    from {{ ref('stg_billing__plans') }}

),

priced as (

    select
        versions.version_id,
        versions.subscription_id,
        subscriptions.customer_id,
        versions.plan_id,
        plans.product_family,
        versions.quantity,
        versions.unit_price,
        versions.discount_pct,
        versions.billing_interval_months,
        versions.currency,
        versions.valid_from,
        versions.valid_to,
        versions.contract_end_date,
        -- MRR of a version, exactly as marts.md defines it, in the
        -- version's currency
        -- computed in double (the division is double anyway) and stored as
        -- decimal(38, 10): a decimal product of quantity, price and discount
        -- overflows DECIMAL(18) on large accounts
        cast(
            cast(versions.quantity as double) * versions.unit_price
            * (100 - versions.discount_pct)
            / (100 * versions.billing_interval_months)
            as decimal(38, 10)
        ) as native_mrr
    from versions
    inner join subscriptions
        on versions.subscription_id = subscriptions.subscription_id
    inner join customers
        on subscriptions.customer_id = customers.customer_id
    left join plans
        on versions.plan_id = plans.plan_id

)

select * from priced
