{% set rules = [
        (
            'rate_not_positive',
            "rate_to_reporting is null or rate_to_reporting <= 0"
        ),
] %}

with

landing as (

    {{
        landing_typed_select(source('billing', 'fx_rates'), 'fx_rates')
        | indent(4)
    }}

),

typed as (

    select
        cast(rate_date as date) as rate_date,
        {{ clean_code('currency') }} as currency,
        cast(rate_to_reporting as decimal(18, 8)) as rate_to_reporting,
        cast(_extracted_at as {{ dbt.type_timestamp() }}) as _extracted_at,
        {{ landing_loader_columns() | indent(8) }}
    from landing

),

checked as (

    {{ landing_checks('typed', 'fx_rates', rules) | indent(4) }}

)

select * from checked  -- noqa: AM04
