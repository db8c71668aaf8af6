{% set rules = [] %}

with

landing as (

    {{
        landing_typed_select(source('crm', 'crm_activities'), 'crm_activities')
        | indent(4)
    }}

),

typed as (

    select
        cast(activity_id as {{ dbt.type_string() }}) as activity_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        {{ map_category(
            'activity_type', 'activity_type', 'other'
        ) }}
            as activity_type,
        cast(occurred_at as {{ dbt.type_timestamp() }}) as occurred_at,
        cast(duration_minutes as {{ dbt.type_int() }}) as duration_minutes,
        cast(_extracted_at as {{ dbt.type_timestamp() }}) as _extracted_at,
        {{ landing_loader_columns() | indent(8) }}
    from landing

),

checked as (

    {{ landing_checks('typed', 'crm_activities', rules) | indent(4) }}

)

select * from checked  -- noqa: AM04
