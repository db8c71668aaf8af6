{% set rules = [
        (
            'currency_without_rate',
            "amount is not null and " ~ has_no_fx_rate(
                'typed.currency',
                'coalesce(typed.close_date, cast(typed.created_at as date))'
            )
        ),
] %}

with

landing as (

    {{
        landing_typed_select(source('crm', 'crm_opportunities'), 'crm_opportunities')
        | indent(4)
    }}

),

typed as (

    select
        cast(opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        {{ map_category(
            'opportunity_type', 'opportunity_type', 'other'
        ) }}
            as opportunity_type,
        {{ map_category('stage', 'opportunity_stage', 'unknown') }}
            as stage,  -- noqa: RF04
        cast(amount as decimal(18, 2)) as amount,
        {{ clean_code('currency') }} as currency,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(close_date as date) as close_date,
        {{ map_category(
            'reason_code', 'opportunity_reason', 'other'
        ) }}
            as reason_code,
        cast(_extracted_at as {{ dbt.type_timestamp() }}) as _extracted_at,
        {{ landing_loader_columns() | indent(8) }}
    from landing

),

checked as (

    {{ landing_checks('typed', 'crm_opportunities', rules) | indent(4) }}

)

select * from checked  -- noqa: AM04
