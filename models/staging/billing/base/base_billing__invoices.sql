{% set rules = [
        (
            'unknown_billing_customer',
            "customer_id is null or "
            ~ is_unknown_billing_customer('typed.customer_id')
        ),
        (
            'invalid_date_range',
            "due_date < invoice_date"
        ),
        (
            'currency_without_rate',
            has_no_fx_rate('typed.currency', 'typed.invoice_date')
        ),
] %}

with

landing as (

    {{
        landing_typed_select(source('billing', 'billing_invoices'), 'billing_invoices')
        | indent(4)
    }}

),

typed as (

    select
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(invoice_date as date) as invoice_date,
        cast(due_date as date) as due_date,
        {{ clean_code('currency') }} as currency,
        {{ map_category('status', 'invoice_status', 'unknown') }} as status,
        cast(total_amount as decimal(18, 2)) as total_amount,
        cast(_extracted_at as {{ dbt.type_timestamp() }}) as _extracted_at,
        {{ landing_loader_columns() | indent(8) }}
    from landing

),

checked as (

    {{ landing_checks('typed', 'billing_invoices', rules) | indent(4) }}

)

select * from checked  -- noqa: AM04
