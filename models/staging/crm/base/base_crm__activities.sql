{% set rules = [] %}

with

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
        {{ landing_row_struct('landing_row') }} as _raw_row
    from {{ source('crm', 'crm_activities') }} as landing_row

),

checked as (

    {{ landing_checks('typed', 'crm_activities', rules) | indent(4) }}

)

select * from checked
