{% set rules = [
        (
            'unknown_billing_customer',
            "billing_customer_id is not null and "
            ~ is_unknown_billing_customer('typed.billing_customer_id')
        ),
] %}

with

landing as (

    {{
        landing_typed_select(source('crm', 'crm_accounts'), 'crm_accounts')
        | indent(4)
    }}

),

typed as (

    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        nullif(trim(cast(account_name as {{ dbt.type_string() }})), '')
            as account_name,
        cast(billing_customer_id as {{ dbt.type_string() }})
            as billing_customer_id,
        cast(segment as {{ dbt.type_string() }}) as segment_raw,
        {{ map_category('segment', 'segment', 'Unassigned') }} as segment,
        nullif(trim(cast(industry as {{ dbt.type_string() }})), '') as industry,
        {{ map_category('region', 'region', 'unknown') }} as region,
        {{ clean_code('country_code') }} as country_code,
        {{ map_category(
            'acquisition_channel', 'acquisition_channel', 'other'
        ) }}
            as acquisition_channel,
        cast(referred_by_account_id as {{ dbt.type_string() }})
            as referred_by_account_id,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        coalesce(cast(is_deleted as {{ dbt.type_boolean() }}), false)
            as is_deleted,
        cast(_extracted_at as {{ dbt.type_timestamp() }}) as _extracted_at,
        {{ landing_loader_columns() | indent(8) }}
    from landing

),

checked as (

    {{ landing_checks('typed', 'crm_accounts', rules) | indent(4) }}

)

select * from checked  -- noqa: AM04
