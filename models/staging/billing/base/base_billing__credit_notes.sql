{% set rules = [
        (
            'unknown_billing_customer',
            "customer_id is null or "
            ~ is_unknown_billing_customer('typed.customer_id')
        ),
        (
            'currency_without_rate',
            has_no_fx_rate('typed.currency', 'typed.issued_date')
        ),
] %}

with

landing as (

    {{
        landing_typed_select(source('billing', 'billing_credit_notes'), 'billing_credit_notes')
        | indent(4)
    }}

),

typed as (

    select
        cast(credit_note_id as {{ dbt.type_string() }}) as credit_note_id,
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(issued_date as date) as issued_date,
        cast(amount as decimal(18, 2)) as amount,
        {{ clean_code('currency') }} as currency,
        {{ map_category('reason', 'credit_note_reason', 'other') }} as reason,
        cast(_extracted_at as {{ dbt.type_timestamp() }}) as _extracted_at,
        {{ landing_loader_columns() | indent(8) }}
    from landing

),

checked as (

    {{ landing_checks('typed', 'billing_credit_notes', rules) | indent(4) }}

)

select * from checked  -- noqa: AM04
