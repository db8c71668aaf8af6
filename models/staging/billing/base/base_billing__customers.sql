{% set rules = [] %}

with

landing as (

    {{
        landing_typed_select(source('billing', 'billing_customers'), 'billing_customers')
        | indent(4)
    }}

),

typed as (

    select
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        nullif(trim(cast(customer_name as {{ dbt.type_string() }})), '')
            as customer_name,
        {{ clean_code('country_code') }} as country_code,
        {{ clean_code('currency') }} as currency,
        coalesce(cast(payment_terms_days as {{ dbt.type_int() }}), 30)
            as payment_terms_days,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        coalesce(cast(is_test as {{ dbt.type_boolean() }}), false) as is_test,
        cast(_extracted_at as {{ dbt.type_timestamp() }}) as _extracted_at,
        {{ landing_loader_columns() | indent(8) }}
    from landing

),

checked as (

    {{ landing_checks('typed', 'billing_customers', rules) | indent(4) }}

)

select * from checked  -- noqa: AM04
