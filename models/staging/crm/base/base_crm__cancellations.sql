{% set rules = [] %}

with

landing as (

    {{
        landing_typed_select(source('crm', 'crm_cancellations'), 'crm_cancellations')
        | indent(4)
    }}

),

typed as (

    select
        cast(cancellation_id as {{ dbt.type_string() }}) as cancellation_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(requested_at as {{ dbt.type_timestamp() }}) as requested_at,
        cast(effective_date as date) as effective_date,
        {{ map_category(
            'reason_code', 'cancellation_reason', 'other'
        ) }}
            as reason_code,
        nullif(trim(cast(reason_detail as {{ dbt.type_string() }})), '')
            as reason_detail,
        cast(_extracted_at as {{ dbt.type_timestamp() }}) as _extracted_at,
        {{ landing_loader_columns() | indent(8) }}
    from landing

),

checked as (

    {{ landing_checks('typed', 'crm_cancellations', rules) | indent(4) }}

)

select * from checked  -- noqa: AM04
