{#- One row per contract-end month and segment (plus 'All'). Rates are over
    decided renewals only; pending renewals (count and ARR) and is_final sit
    beside them so that a rate with renewals still pending does not read as
    final. -#}

with

renewals as (

    select
        cast({{ dbt.date_trunc('month', 'contract_end_date') }} as date)
            as cohort_month,
        segment,
        outcome,
        arr_due,
        arr_renewed,
        reason_code,
        outcome in ('renewed', 'churned') as is_decided
    from {{ ref('int_renewals') }}

),

with_all as (

    {{ with_all_segment('renewals', [
        'cohort_month', 'segment', 'outcome', 'arr_due', 'arr_renewed',
        'reason_code', 'is_decided',
    ]) }}

),

counts as (

    select
        cohort_month,
        segment,
        count(*) as renewals_due,
        sum(case when outcome = 'renewed' then 1 else 0 end) as renewed,
        sum(case when outcome = 'churned' then 1 else 0 end) as churned,
        sum(case when outcome = 'pending' then 1 else 0 end) as pending,
        sum(case when outcome = 'pending' then arr_due else 0 end)
            as pending_arr_due,
        sum(arr_due) as arr_due,
        sum(arr_renewed) as arr_renewed,
        sum(case when is_decided then arr_due else 0 end) as decided_arr_due,
        sum(case when is_decided then arr_renewed else 0 end)
            as decided_arr_renewed,
        sum(
            case
                when is_decided and arr_renewed < arr_due then arr_renewed
                when is_decided then arr_due
                else 0
            end
        ) as decided_arr_kept
    from with_all
    group by 1, 2

),

renewed_reasons as (

    {{ most_frequent(
        "(select * from with_all where outcome = 'renewed') as renewed",
        ['cohort_month', 'segment'], 'reason_code'
    ) | indent(4) }}

),

churned_reasons as (

    {{ most_frequent(
        "(select * from with_all where outcome = 'churned') as churned",
        ['cohort_month', 'segment'], 'reason_code'
    ) | indent(4) }}

),

final as (

    select
        cast(counts.cohort_month as date) as cohort_month,
        cast(counts.segment as {{ dbt.type_string() }}) as segment,
        cast(counts.renewals_due as bigint) as renewals_due,
        cast(counts.renewed as bigint) as renewed,
        cast(counts.churned as bigint) as churned,
        cast(counts.pending as bigint) as pending,
        cast(
            cast(counts.renewed as double)
            / nullif(counts.renewed + counts.churned, 0)
            as double
        ) as renewal_rate,
        cast(counts.arr_due as decimal(38, 10)) as arr_due,
        cast(counts.arr_renewed as decimal(38, 10)) as arr_renewed,
        cast(
            counts.decided_arr_kept / nullif(counts.decided_arr_due, 0)
            as double
        ) as gross_renewal_rate,
        cast(
            counts.decided_arr_renewed / nullif(counts.decided_arr_due, 0)
            as double
        ) as net_renewal_rate,
        cast(renewed_reasons.top_value as {{ dbt.type_string() }})
            as top_reason_renewed,
        cast(churned_reasons.top_value as {{ dbt.type_string() }})
            as top_reason_churned,
        cast(counts.pending_arr_due as decimal(38, 10)) as pending_arr_due,
        -- final: no renewal due in the month is still pending and no more can
        -- come due (the month is over), so the rates will not move
        cast(
            counts.pending = 0
            and {{ is_complete_period('counts.cohort_month', 'month') }}
            as {{ dbt.type_boolean() }}
        ) as is_final,
        cast(
            {{ is_complete_period('counts.cohort_month', 'month') }}
            as {{ dbt.type_boolean() }}
        ) as is_complete_period
    from counts
    left join renewed_reasons
        on
            counts.cohort_month = renewed_reasons.cohort_month
            and counts.segment = renewed_reasons.segment
    left join churned_reasons
        on
            counts.cohort_month = churned_reasons.cohort_month
            and counts.segment = churned_reasons.segment

)

select * from final
