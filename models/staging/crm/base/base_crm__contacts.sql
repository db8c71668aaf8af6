{% set rules = [] %}

with

landing as (

    {{
        landing_typed_select(source('crm', 'crm_contacts'), 'crm_contacts')
        | indent(4)
    }}

),

typed as (

    select
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        nullif(trim(cast(job_title as {{ dbt.type_string() }})), '')
            as job_title,
        email is not null as has_email,
        phone is not null as has_phone,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(_extracted_at as {{ dbt.type_timestamp() }}) as _extracted_at,
        {{ landing_loader_columns() | indent(8) }}
    from landing

),

checked as (

    {{ landing_checks('typed', 'crm_contacts', rules) | indent(4) }}

)

select * from checked  -- noqa: AM04
