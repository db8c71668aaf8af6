{#- One row per revenue item of a customer, dated on or before the as-of
    date, in the reporting currency (marts.md "Revenue (turnover)"): invoice
    lines of non-draft, non-void invoices except tax lines, dated by invoice
    date; and credit notes, dated by issue date, as credits. Each amount is
    converted at the latest rate on or before its date. -#}

with

customers as (

    select customer_id
    from {{ ref('int_customers_enriched') }}

),

invoices as (

    select
        invoice_id,
        customer_id,
        invoice_date,
        currency
    from {{ ref('stg_billing__invoices') }}
    where
        status not in ('draft', 'void')
        and invoice_date <= {{ as_of_date() }}

),

lines as (

    select
        line_id,
        invoice_id,
        line_type,
        plan_id,
        amount
    from {{ ref('stg_billing__invoice_lines') }}
    where line_type <> 'tax'

),

plans as (

    select
        plan_id,
        product_family
    from {{ ref('stg_billing__plans') }}

),

-- each line with its plan's product family (none when the plan is unknown)
lines_with_plan as (

    select
        lines.line_id,
        lines.invoice_id,
        lines.line_type,
        lines.amount,
        plans.product_family,
        plans.plan_id is not null as has_known_plan
    from lines
    left join plans
        on lines.plan_id = plans.plan_id

),

-- the invoices with a line without a product family of its own: only these
-- need their largest line's
invoices_to_pick as (

    select distinct invoice_id
    from lines_with_plan
    where product_family is null

),

-- the product family of each such invoice's largest line with a plan:
-- lines without a plan (discounts, mostly) take it, so a discount reduces
-- the cost of goods of what it discounts
invoice_families as (

    select
        lines_with_plan.invoice_id,
        lines_with_plan.product_family,
        row_number() over (
            partition by lines_with_plan.invoice_id
            order by lines_with_plan.amount desc, lines_with_plan.line_id asc
        ) as pick
    from lines_with_plan
    inner join invoices_to_pick
        on lines_with_plan.invoice_id = invoices_to_pick.invoice_id
    where
        lines_with_plan.has_known_plan
        and lines_with_plan.amount > 0

),

credit_notes as (

    select
        credit_note_id,
        customer_id,
        issued_date,
        currency,
        amount,
        reason
    from {{ ref('stg_billing__credit_notes') }}
    where issued_date <= {{ as_of_date() }}

),

rates as (

    select
        currency,
        rate_day,
        rate_to_reporting
    from {{ ref('int_fx_rates_daily') }}

),

invoice_items as (

    select
        'invoice_line' as item_type,
        lines_with_plan.line_id as item_id,
        invoices.customer_id,
        invoices.invoice_date as item_date,
        lines_with_plan.line_type as item_detail,
        coalesce(
            lines_with_plan.product_family,
            invoice_families.product_family,
            'other'
        ) as product_family,
        {{ to_reporting(
            'lines_with_plan.amount',
            'invoices.currency',
            'rates.rate_to_reporting'
        ) }} as gross_revenue,
        cast(0 as decimal(38, 10)) as credit_amount,
        false as is_return
    from lines_with_plan
    inner join invoices
        on lines_with_plan.invoice_id = invoices.invoice_id
    inner join customers
        on invoices.customer_id = customers.customer_id
    left join invoice_families
        on
            lines_with_plan.invoice_id = invoice_families.invoice_id
            and invoice_families.pick = 1
    left join rates
        on
            invoices.currency = rates.currency
            and invoices.invoice_date = rates.rate_day

),

credit_items as (

    select
        'credit_note' as item_type,
        credit_notes.credit_note_id as item_id,
        credit_notes.customer_id,
        credit_notes.issued_date as item_date,
        credit_notes.reason as item_detail,
        cast(null as {{ dbt.type_string() }}) as product_family,
        cast(0 as decimal(38, 10)) as gross_revenue,
        {{ to_reporting(
            'credit_notes.amount', 'credit_notes.currency', 'rates.rate_to_reporting'
        ) }} as credit_amount,
        credit_notes.reason = 'product_return' as is_return
    from credit_notes
    inner join customers
        on credit_notes.customer_id = customers.customer_id
    left join rates
        on
            credit_notes.currency = rates.currency
            and credit_notes.issued_date = rates.rate_day

)

select * from invoice_items
union all
select * from credit_items
