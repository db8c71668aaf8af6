{#- Referrals and NPS per quarter and segment (plus 'All'). Active customers
    are those with MRR > 0 in the quarter's last month (the as-of month for
    the current quarter); referring customers are the active ones that made
    at least one referral in the quarter, so the rate stays in 0..1. Every
    segment with active customers or any referral or NPS answer in the
    quarter has its row (0 active customers and a null rate when nobody was
    active at quarter end), so 'All' is the sum of the segments. -#}

with

quarters as (

    select
        quarter_start,
        max(month_start) as last_month
    from {{ ref('util_months') }}
    group by 1

),

customers as (

    select
        customer_id,
        segment
    from {{ ref('int_customers_enriched') }}

),

active_at_end as (

    select
        quarters.quarter_start,
        mrr.customer_id,
        customers.segment
    from quarters
    inner join {{ ref('int_customer_mrr_monthly') }} as mrr
        on quarters.last_month = mrr.month_start
    inner join customers
        on mrr.customer_id = customers.customer_id
    where mrr.mrr > 0

),

activity as (

    select * from {{ ref('int_customer_referral_activity') }}

),

referrers as (

    select distinct
        quarter_start,
        customer_id
    from activity
    where activity_type = 'referral'

),

customer_quarters as (

    select
        active_at_end.quarter_start,
        active_at_end.segment,
        active_at_end.customer_id,
        referrers.customer_id is not null as is_referring
    from active_at_end
    left join referrers
        on
            active_at_end.quarter_start = referrers.quarter_start
            and active_at_end.customer_id = referrers.customer_id

),

-- each segment, then 'All' (every segment together)
customer_quarters_with_all as (

    {{ with_all_segment('customer_quarters', [
        'quarter_start', 'segment', 'customer_id', 'is_referring',
    ]) }}

),

activity_with_all as (

    {{ with_all_segment('activity', [
        'activity_type', 'activity_id', 'customer_id', 'activity_date',
        'is_converted', 'score', 'would_refer', 'not_referring_reason',
        'segment', 'quarter_start',
    ]) }}

),

customer_counts as (

    select
        quarter_start,
        segment,
        count(*) as active_customers,
        sum(case when is_referring then 1 else 0 end) as referring_customers
    from customer_quarters_with_all
    group by 1, 2

),

activity_counts as (

    select
        quarter_start,
        segment,
        sum(case when activity_type = 'referral' then 1 else 0 end)
            as referrals,
        sum(case when is_converted then 1 else 0 end) as converted_referrals,
        sum(case when activity_type = 'nps_response' then 1 else 0 end)
            as nps_responses,
        sum(case when score >= 9 then 1 else 0 end) as promoters,
        sum(case when score <= 6 then 1 else 0 end) as detractors,
        sum(case when would_refer then 1 else 0 end) as would_refer_yes,
        sum(case when would_refer is not null then 1 else 0 end)
            as would_refer_answers
    from activity_with_all
    group by 1, 2

),

top_reasons as (

    {{ most_frequent(
        'activity_with_all', ['quarter_start', 'segment'], 'not_referring_reason'
    ) | indent(4) }}

),

quarter_segments as (

    select
        quarter_start,
        segment
    from customer_counts
    union
    select
        quarter_start,
        segment
    from activity_counts

),

final as (

    select
        cast(quarter_segments.quarter_start as date) as quarter_start,
        cast(quarter_segments.segment as {{ dbt.type_string() }}) as segment,
        cast(coalesce(customer_counts.active_customers, 0) as bigint)
            as active_customers,
        cast(coalesce(customer_counts.referring_customers, 0) as bigint)
            as referring_customers,
        cast(
            cast(customer_counts.referring_customers as double)
            / nullif(customer_counts.active_customers, 0) as double
        ) as referral_rate,
        cast(coalesce(activity_counts.referrals, 0) as bigint) as referrals,
        cast(coalesce(activity_counts.converted_referrals, 0) as bigint)
            as converted_referrals,
        cast(coalesce(activity_counts.nps_responses, 0) as bigint)
            as nps_responses,
        cast(
            100.0 * (activity_counts.promoters - activity_counts.detractors)
            / nullif(activity_counts.nps_responses, 0) as double
        ) as nps,
        cast(
            cast(activity_counts.would_refer_yes as double)
            / nullif(activity_counts.would_refer_answers, 0) as double
        ) as would_refer_rate,
        cast(top_reasons.top_value as {{ dbt.type_string() }})
            as top_not_referring_reason,
        cast(coalesce(activity_counts.promoters, 0) as bigint) as promoters,
        cast(coalesce(activity_counts.detractors, 0) as bigint) as detractors,
        cast(
            {{ is_complete_period(
                'quarter_segments.quarter_start', 'quarter'
            ) }}
            as {{ dbt.type_boolean() }}
        ) as is_complete_period
    from quarter_segments
    left join customer_counts
        on
            quarter_segments.quarter_start = customer_counts.quarter_start
            and quarter_segments.segment = customer_counts.segment
    left join activity_counts
        on
            quarter_segments.quarter_start = activity_counts.quarter_start
            and quarter_segments.segment = activity_counts.segment
    left join top_reasons
        on
            quarter_segments.quarter_start = top_reasons.quarter_start
            and quarter_segments.segment = top_reasons.segment

)

select * from final
