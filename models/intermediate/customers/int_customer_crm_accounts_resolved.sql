with

accounts as (

    select
        account_id,
        billing_customer_id,
        segment,
        industry,
        region,
        country_code,
        acquisition_channel,
        referred_by_account_id,
        created_at
    from {{ ref('stg_crm__accounts') }}
    where
        billing_customer_id is not null
        and not is_deleted
        and cast(created_at as date) <= {{ as_of_date() }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by billing_customer_id
            order by created_at desc, account_id desc
        ) as account_rank
    from accounts

),

-- the referring account's customer (a deleted referrer still counts)
referrers as (

    select
        account_id,
        customer_id
    from {{ ref('int_crm_account_customers') }}

),

resolved as (

    select
        ranked.billing_customer_id as customer_id,
        ranked.account_id,
        ranked.segment,
        ranked.industry,
        ranked.region,
        ranked.country_code,
        ranked.acquisition_channel,
        ranked.referred_by_account_id,
        referrers.customer_id as referred_by_billing_customer_id
    from ranked
    left join referrers
        on ranked.referred_by_account_id = referrers.account_id
    where ranked.account_rank = 1

)

select * from resolved
