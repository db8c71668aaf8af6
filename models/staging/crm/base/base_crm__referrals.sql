{% set rules = [] %}

with

landing as (

    {{
        landing_typed_select(source('crm', 'crm_referrals'), 'crm_referrals')
        | indent(4)
    }}

),

typed as (

    select
        cast(referral_id as {{ dbt.type_string() }}) as referral_id,
        cast(referrer_account_id as {{ dbt.type_string() }})
            as referrer_account_id,
        nullif(trim(cast(referred_company as {{ dbt.type_string() }})), '')
            as referred_company,
        cast(referred_account_id as {{ dbt.type_string() }})
            as referred_account_id,
        cast(referred_at as {{ dbt.type_timestamp() }}) as referred_at,
        {{ map_category('status', 'referral_status', 'unknown') }} as status,
        cast(_extracted_at as {{ dbt.type_timestamp() }}) as _extracted_at,
        {{ landing_loader_columns() | indent(8) }}
    from landing

),

checked as (

    {{ landing_checks('typed', 'crm_referrals', rules) | indent(4) }}

)

select * from checked  -- noqa: AM04
