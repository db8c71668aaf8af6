{% set rules = [] %}

with

landing as (

    {{
        landing_typed_select(source('product', 'product_usage_daily'), 'product_usage_daily')
        | indent(4)
    }}

),

typed as (

    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(usage_date as date) as usage_date,
        cast(active_users as {{ dbt.type_int() }}) as active_users,
        cast(sessions as {{ dbt.type_int() }}) as sessions,
        cast(key_actions as {{ dbt.type_int() }}) as key_actions,
        cast(_extracted_at as {{ dbt.type_timestamp() }}) as _extracted_at,
        {{ landing_loader_columns() | indent(8) }}
    from landing

),

checked as (

    {{ landing_checks('typed', 'product_usage_daily', rules) | indent(4) }}

)

select * from checked  -- noqa: AM04
