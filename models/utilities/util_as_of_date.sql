{#- One row: the as-of date of this build. -#}
{%- set configured = var('as_of_date', '') | string | trim -%}
{%- if configured in ('none', 'None') -%}
    {%- set configured = '' -%}
{%- endif -%}
{%- if configured
    and not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', configured) -%}
    {{ exceptions.raise_compiler_error(
        "var as_of_date must be a date YYYY-MM-DD (or empty for the latest "
        ~ "billing extract date); got '" ~ configured ~ "'") }}
{%- endif -%}
{%- set billing_entities = [
    'customers', 'plans', 'subscriptions', 'subscription_versions',
    'invoices', 'invoice_lines', 'credit_notes', 'payments',
] -%}

with

extracts as (

    {% for entity in billing_entities %}
    select max(_extracted_at) as latest_extracted_at
    from {{ ref('stg_billing__' ~ entity) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

latest_billing_extract as (

    select cast(max(latest_extracted_at) as date) as latest_extract_date
    from extracts

)

select
    {% if configured -%}
    cast('{{ configured }}' as date) as as_of_date,
    cast('var' as {{ dbt.type_string() }}) as as_of_source,
    {%- else -%}
    latest_extract_date as as_of_date,
    cast('latest_billing_extract' as {{ dbt.type_string() }})
        as as_of_source,
    {%- endif %}
    latest_extract_date,
    cast('{{ var("reporting_currency") }}' as {{ dbt.type_string() }})
        as reporting_currency
from latest_billing_extract
