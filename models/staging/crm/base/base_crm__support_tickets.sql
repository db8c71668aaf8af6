{% set rules = [
        (
            'invalid_date_range',
            "closed_at < opened_at"
        ),
        (
            'score_out_of_range',
            "csat_score not between 1 and 5"
        ),
] %}

with

landing as (

    {{
        landing_typed_select(source('crm', 'crm_support_tickets'), 'crm_support_tickets')
        | indent(4)
    }}

),

typed as (

    select
        cast(ticket_id as {{ dbt.type_string() }}) as ticket_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(opened_at as {{ dbt.type_timestamp() }}) as opened_at,
        cast(closed_at as {{ dbt.type_timestamp() }}) as closed_at,
        {{ map_category('priority', 'ticket_priority', 'unknown') }}
            as priority,
        {{ map_category('category', 'ticket_category', 'other') }} as category,
        cast(csat_score as {{ dbt.type_int() }}) as csat_score,
        cast(_extracted_at as {{ dbt.type_timestamp() }}) as _extracted_at,
        {{ landing_loader_columns() | indent(8) }}
    from landing

),

checked as (

    {{ landing_checks('typed', 'crm_support_tickets', rules) | indent(4) }}

)

select * from checked  -- noqa: AM04
