{#- The whole distribution of reasons for not referring, per quarter and
    segment (plus 'All'): NPS responses that gave a reason. -#}

with

responses as (

    select
        quarter_start,
        segment,
        not_referring_reason
    from {{ ref('int_customer_referral_activity') }}
    where
        activity_type = 'nps_response'
        and not_referring_reason is not null

),

with_all as (

    {{ with_all_segment('responses', [
        'quarter_start', 'segment', 'not_referring_reason'
    ]) }}

),

counted as (

    select
        quarter_start,
        segment,
        not_referring_reason,
        count(*) as responses
    from with_all
    group by 1, 2, 3

),

final as (

    select
        cast(quarter_start as date) as quarter_start,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(not_referring_reason as {{ dbt.type_string() }})
            as not_referring_reason,
        cast(responses as bigint) as responses,
        cast(
            cast(responses as double)
            / sum(responses) over (partition by quarter_start, segment)
            as double
        ) as response_share,
        cast(
            {{ is_complete_period('quarter_start', 'quarter') }}
            as {{ dbt.type_boolean() }}
        ) as is_complete_period
    from counted

)

select * from final
