{% set rules = [
        (
            'score_out_of_range',
            "score is null or score not between 0 and 10"
        ),
] %}

with

landing as (

    {{
        landing_typed_select(source('crm', 'crm_nps_responses'), 'crm_nps_responses')
        | indent(4)
    }}

),

typed as (

    select
        cast(response_id as {{ dbt.type_string() }}) as response_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(responded_at as {{ dbt.type_timestamp() }}) as responded_at,
        cast(score as {{ dbt.type_int() }}) as score,
        cast(would_refer as {{ dbt.type_boolean() }}) as would_refer,
        {{ map_category(
            'not_referring_reason', 'not_referring_reason', 'other'
        ) }}
            as not_referring_reason,
        comment is not null as has_comment,
        cast(_extracted_at as {{ dbt.type_timestamp() }}) as _extracted_at,
        {{ landing_loader_columns() | indent(8) }}
    from landing

),

checked as (

    {{ landing_checks('typed', 'crm_nps_responses', rules) | indent(4) }}

)

select * from checked  -- noqa: AM04
