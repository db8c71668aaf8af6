{#- One row per revenue invoice of a customer (not draft or void) dated on
    or before the as-of date: days from invoice date to its first succeeded
    payment on or before the as-of date (null while unpaid). -#}

with

invoices as (

    select
        invoices.invoice_id,
        invoices.customer_id,
        invoices.invoice_date,
        invoices.due_date
    from {{ ref('stg_billing__invoices') }} as invoices
    inner join {{ ref('int_customers_enriched') }} as customers
        on invoices.customer_id = customers.customer_id
    where
        invoices.status not in ('draft', 'void')
        and invoices.invoice_date <= {{ as_of_date() }}

),

first_payment as (

    select
        invoice_id,
        min(cast(paid_at as date)) as paid_date
    from {{ ref('stg_billing__payments') }}
    where
        status = 'succeeded'
        and cast(paid_at as date) <= {{ as_of_date() }}
    group by 1

),

final as (

    select
        invoices.invoice_id,
        invoices.customer_id,
        invoices.invoice_date,
        invoices.due_date,
        first_payment.paid_date,
        {{ dbt.datediff(
            'invoices.invoice_date', 'first_payment.paid_date', 'day'
        ) }} as days_to_pay,
        {{ dbt.datediff(
            'invoices.due_date', 'first_payment.paid_date', 'day'
        ) }} as days_late
    from invoices
    left join first_payment
        on invoices.invoice_id = first_payment.invoice_id

)

select * from final
