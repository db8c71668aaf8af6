{% set rules = [
        (
            'invalid_billing_interval',
            "billing_interval_months is null or billing_interval_months not in (1, 3, 12)"
        ),
] %}

with

landing as (

    {{
        landing_typed_select(source('billing', 'billing_plans'), 'billing_plans')
        | indent(4)
    }}

),

typed as (

    select
        cast(plan_id as {{ dbt.type_string() }}) as plan_id,
        nullif(trim(cast(plan_name as {{ dbt.type_string() }})), '')
            as plan_name,
        {{ map_category(
            'product_family', 'product_family', 'other'
        ) }}
            as product_family,
        cast(billing_interval_months as {{ dbt.type_int() }})
            as billing_interval_months,
        cast(is_recurring as {{ dbt.type_boolean() }}) as is_recurring,
        cast(list_price as decimal(18, 4)) as list_price,
        {{ clean_code('currency') }} as currency,
        cast(_extracted_at as {{ dbt.type_timestamp() }}) as _extracted_at,
        {{ landing_loader_columns() | indent(8) }}
    from landing

),

checked as (

    {{ landing_checks('typed', 'billing_plans', rules) | indent(4) }}

)

select * from checked  -- noqa: AM04
