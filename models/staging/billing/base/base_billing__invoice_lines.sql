{% set rules = [
        (
            'invalid_date_range',
            "period_end < period_start"
        ),
] %}

with

landing as (

    {{
        landing_typed_select(source('billing', 'billing_invoice_lines'), 'billing_invoice_lines')
        | indent(4)
    }}

),

typed as (

    select
        cast(line_id as {{ dbt.type_string() }}) as line_id,
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        {{ map_category(
            'line_type', 'invoice_line_type', 'other'
        ) }}
            as line_type,
        cast(plan_id as {{ dbt.type_string() }}) as plan_id,
        cast(quantity as decimal(18, 4)) as quantity,
        cast(amount as decimal(18, 2)) as amount,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        cast(_extracted_at as {{ dbt.type_timestamp() }}) as _extracted_at,
        {{ landing_loader_columns() | indent(8) }}
    from landing

),

checked as (

    {{ landing_checks('typed', 'billing_invoice_lines', rules) | indent(4) }}

)

select * from checked  -- noqa: AM04
