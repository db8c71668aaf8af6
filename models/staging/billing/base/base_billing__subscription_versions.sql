{% set rules = [
        (
            'invalid_date_range',
            "valid_to < valid_from"
        ),
        (
            'quantity_not_positive',
            "quantity is null or quantity <= 0"
        ),
        (
            'discount_out_of_range',
            "discount_pct not between 0 and 100"
        ),
        (
            'invalid_billing_interval',
            "billing_interval_months is null or billing_interval_months not in (1, 3, 12)"
        ),
        (
            'currency_without_rate',
            has_no_fx_rate('typed.currency', 'typed.valid_from')
        ),
] %}

with

landing as (

    {{
        landing_typed_select(source('billing', 'billing_subscription_versions'), 'billing_subscription_versions')
        | indent(4)
    }}

),

typed as (

    select
        cast(version_id as {{ dbt.type_string() }}) as version_id,
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(plan_id as {{ dbt.type_string() }}) as plan_id,
        cast(quantity as {{ dbt.type_int() }}) as quantity,
        cast(unit_price as decimal(18, 4)) as unit_price,
        coalesce(cast(discount_pct as decimal(18, 4)), 0) as discount_pct,
        cast(billing_interval_months as {{ dbt.type_int() }})
            as billing_interval_months,
        {{ clean_code('currency') }} as currency,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to,
        cast(contract_end_date as date) as contract_end_date,
        cast(_extracted_at as {{ dbt.type_timestamp() }}) as _extracted_at,
        {{ landing_loader_columns() | indent(8) }}
    from landing

),

checked as (

    {{
        landing_checks('typed', 'billing_subscription_versions', rules)
        | indent(4)
    }}

)

select * from checked  -- noqa: AM04
