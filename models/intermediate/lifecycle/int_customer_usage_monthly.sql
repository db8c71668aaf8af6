{#- One row per customer and month with product usage on or before the
    as-of date: the account's daily usage summed to the billing customer
    (all of its CRM accounts). A month without a row had no usage. -#}

with

usage_daily as (

    select
        crm_accounts.customer_id,
        cast({{ dbt.date_trunc('month', 'daily_usage.usage_date') }} as date)
            as month_start,
        daily_usage.usage_date,
        daily_usage.key_actions,
        daily_usage.sessions
    from {{ ref('stg_product__usage_daily') }} as daily_usage
    inner join {{ ref('int_crm_account_customers') }} as crm_accounts
        on daily_usage.account_id = crm_accounts.account_id
    where daily_usage.usage_date <= {{ as_of_date() }}

),

final as (

    select
        customer_id,
        month_start,
        cast(sum(key_actions) as bigint) as key_actions,
        cast(sum(sessions) as bigint) as sessions,
        count(distinct usage_date) as days_with_usage
    from usage_daily
    group by 1, 2

)

select * from final
