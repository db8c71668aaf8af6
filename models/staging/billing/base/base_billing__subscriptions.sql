{% set rules = [
        (
            'unknown_billing_customer',
            "customer_id is null or "
            ~ is_unknown_billing_customer('typed.customer_id')
        ),
] %}

with

landing as (

    {{
        landing_typed_select(source('billing', 'billing_subscriptions'), 'billing_subscriptions')
        | indent(4)
    }}

),

typed as (

    select
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        {{ map_category('status', 'subscription_status', 'unknown') }}
            as status,
        cast(canceled_at as {{ dbt.type_timestamp() }}) as canceled_at,
        cast(auto_renew as {{ dbt.type_boolean() }}) as auto_renew,
        cast(_extracted_at as {{ dbt.type_timestamp() }}) as _extracted_at,
        {{ landing_loader_columns() | indent(8) }}
    from landing

),

checked as (

    {{ landing_checks('typed', 'billing_subscriptions', rules) | indent(4) }}

)

select * from checked  -- noqa: AM04
