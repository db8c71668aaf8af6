{% set rules = [] %}

with

landing as (

    {{
        landing_typed_select(source('crm', 'crm_feedback'), 'crm_feedback')
        | indent(4)
    }}

),

typed as (

    select
        cast(feedback_id as {{ dbt.type_string() }}) as feedback_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(submitted_at as {{ dbt.type_timestamp() }}) as submitted_at,
        {{ map_category(
            'feedback_type', 'feedback_type', 'other'
        ) }}
            as feedback_type,
        {{ map_category('sentiment', 'sentiment', 'unknown') }} as sentiment,
        cast(_extracted_at as {{ dbt.type_timestamp() }}) as _extracted_at,
        {{ landing_loader_columns() | indent(8) }}
    from landing

),

checked as (

    {{ landing_checks('typed', 'crm_feedback', rules) | indent(4) }}

)

select * from checked  -- noqa: AM04
