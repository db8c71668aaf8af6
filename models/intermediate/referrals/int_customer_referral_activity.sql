{#- One row per referral or NPS response made by a customer on or before
    the as-of date, with the quarter it falls in: the CRM account that made
    it belongs to its billing customer (deleted accounts included). -#}

with

customers as (

    select
        customer_id,
        segment
    from {{ ref('int_customers_enriched') }}

),

accounts as (

    select
        account_id,
        customer_id
    from {{ ref('int_crm_account_customers') }}

),

referrals as (

    select
        'referral' as activity_type,
        referrals.referral_id as activity_id,
        accounts.customer_id,
        cast(referrals.referred_at as date) as activity_date,
        referrals.status = 'converted' as is_converted,
        cast(null as {{ dbt.type_int() }}) as score,
        cast(null as {{ dbt.type_boolean() }}) as would_refer,
        cast(null as {{ dbt.type_string() }}) as not_referring_reason
    from {{ ref('stg_crm__referrals') }} as referrals
    inner join accounts
        on referrals.referrer_account_id = accounts.account_id
    where cast(referrals.referred_at as date) <= {{ as_of_date() }}

),

responses as (

    select
        'nps_response' as activity_type,
        responses.response_id as activity_id,
        accounts.customer_id,
        cast(responses.responded_at as date) as activity_date,
        cast(null as {{ dbt.type_boolean() }}) as is_converted,
        responses.score,
        responses.would_refer,
        responses.not_referring_reason
    from {{ ref('stg_crm__nps_responses') }} as responses
    inner join accounts
        on responses.account_id = accounts.account_id
    where cast(responses.responded_at as date) <= {{ as_of_date() }}

),

activity as (

    select * from referrals
    union all
    select * from responses

),

final as (

    select
        activity.*,
        customers.segment,
        cast({{ dbt.date_trunc('quarter', 'activity.activity_date') }} as date)
            as quarter_start
    from activity
    inner join customers
        on activity.customer_id = customers.customer_id

)

select * from final
