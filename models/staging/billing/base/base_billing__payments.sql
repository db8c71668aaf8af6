{% set rules = [
        (
            'unknown_billing_customer',
            "customer_id is null or "
            ~ is_unknown_billing_customer('typed.customer_id')
        ),
        (
            'currency_without_rate',
            has_no_fx_rate('typed.currency', 'cast(typed.paid_at as date)')
        ),
] %}

with

landing as (

    {{
        landing_typed_select(source('billing', 'billing_payments'), 'billing_payments')
        | indent(4)
    }}

),

typed as (

    select
        cast(payment_id as {{ dbt.type_string() }}) as payment_id,
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(paid_at as {{ dbt.type_timestamp() }}) as paid_at,
        cast(amount as decimal(18, 2)) as amount,
        {{ clean_code('currency') }} as currency,
        {{ map_category('status', 'payment_status', 'unknown') }} as status,
        cast(_extracted_at as {{ dbt.type_timestamp() }}) as _extracted_at,
        {{ landing_loader_columns() | indent(8) }}
    from landing

),

checked as (

    {{ landing_checks('typed', 'billing_payments', rules) | indent(4) }}

)

select * from checked  -- noqa: AM04
