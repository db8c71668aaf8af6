{#- One row per customer (marts.md): a non-test billing customer created on
    or before the as-of date, with its CRM attributes and referrer. The one
    definition of "customer" every model scopes by. -#}

with

customers as (

    select
        customer_id,
        customer_name,
        country_code,
        created_at
    from {{ ref('stg_billing__customers') }}
    where
        not is_test
        and cast(created_at as date) <= {{ as_of_date() }}

),

crm_accounts as (

    select * from {{ ref('int_customer_crm_accounts_resolved') }}

),

joined as (

    select
        customers.customer_id,
        customers.customer_name,
        crm_accounts.industry,
        crm_accounts.region,
        crm_accounts.acquisition_channel,
        referrers.customer_id as referred_by_customer_id,
        crm_accounts.account_id as crm_account_id,
        customers.created_at,
        coalesce(crm_accounts.segment, 'Unassigned') as segment,
        coalesce(crm_accounts.country_code, customers.country_code)
            as country_code
    from customers
    left join crm_accounts
        on customers.customer_id = crm_accounts.customer_id
    left join customers as referrers
        on crm_accounts.referred_by_billing_customer_id = referrers.customer_id

)

select * from joined
