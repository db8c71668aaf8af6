{#- One row per renewal due (marts.md): a (subscription, contract_end_date)
    whose end date is on or before the as-of date and whose subscription was
    in force the day before it; with the outcome and the ARR on both sides. -#}

with

versions as (

    select
        version_id,
        subscription_id,
        customer_id,
        currency,
        native_mrr,
        valid_from,
        valid_to,
        contract_end_date
    from {{ ref('int_subscription_versions_priced') }}

),

terms as (

    select distinct
        subscription_id,
        customer_id,
        contract_end_date,
        cast({{ dbt.dateadd('day', -1, 'contract_end_date') }} as date)
            as day_before_end
    from versions
    where contract_end_date <= {{ as_of_date() }}

),

-- the version in force on the day before the contract end; none means the
-- subscription ended early (an early termination, not a renewal due)
in_force_before_end as (

    select
        terms.subscription_id,
        terms.customer_id,
        terms.contract_end_date,
        versions.version_id,
        versions.currency,
        versions.native_mrr,
        versions.contract_end_date as version_contract_end_date,
        row_number() over (
            partition by terms.subscription_id, terms.contract_end_date
            order by versions.valid_from desc, versions.version_id desc
        ) as pick
    from terms
    inner join versions
        on
            terms.subscription_id = versions.subscription_id
            and terms.day_before_end >= versions.valid_from
            and (
                versions.valid_to is null
                or terms.day_before_end < versions.valid_to
            )

),

due as (

    select * from in_force_before_end
    where pick = 1

),

-- the first version of a renewed term: same subscription, starting within
-- [contract end, contract end + grace], with a later contract end date
renewal_versions as (

    select
        due.subscription_id,
        due.contract_end_date,
        versions.version_id,
        versions.currency,
        versions.native_mrr,
        row_number() over (
            partition by due.subscription_id, due.contract_end_date
            order by versions.valid_from asc, versions.version_id asc
        ) as pick
    from due
    inner join versions
        on
            due.subscription_id = versions.subscription_id
            and due.contract_end_date <= versions.valid_from
            and versions.valid_from <= cast(
                {{ dbt.dateadd(
                    'day', var('renewal_grace_days'), 'due.contract_end_date'
                ) }} as date
            )
            and due.contract_end_date < versions.contract_end_date

),

due_currencies as (

    select
        contract_end_date,
        currency
    from due

    union

    select
        contract_end_date,
        currency
    from renewal_versions
    where pick = 1

),

-- the one FX lookup (int_fx_rates_daily) on the contract end date (on or
-- before the as-of date, where the lookup ends)
rate_at_end as (

    select
        due_currencies.contract_end_date,
        due_currencies.currency,
        case
            when due_currencies.currency = '{{ var("reporting_currency") }}'
                then cast(1 as decimal(18, 8))
            else rates.rate_to_reporting
        end as rate_to_reporting
    from due_currencies
    left join {{ ref('int_fx_rates_daily') }} as rates
        on
            due_currencies.currency = rates.currency
            and due_currencies.contract_end_date = rates.rate_day

),

final as (

    select
        due.subscription_id,
        due.customer_id,
        due.contract_end_date,
        due.version_id as due_version_id,
        coalesce(renewal_versions.version_id, case
            when due.version_contract_end_date > due.contract_end_date
                then due.version_id
        end) as renewal_version_id,
        case
            when renewal_versions.version_id is not null then 'renewed'
            -- renewed early: the version in force the day before the end
            -- already belongs to a later term
            when due.version_contract_end_date > due.contract_end_date
                then 'renewed'
            when {{ as_of_date() }} < cast(
                {{ dbt.dateadd(
                    'day', var('renewal_grace_days'), 'due.contract_end_date'
                ) }} as date
            ) then 'pending'
            else 'churned'
        end as outcome,
        {{ decimal_product(
            '12 * due.native_mrr', 'due_rate.rate_to_reporting'
        ) }} as arr_due,
        case
            when renewal_versions.version_id is not null
                then {{ decimal_product(
                    '12 * renewal_versions.native_mrr',
                    'renewal_rate.rate_to_reporting'
                ) }}
            when due.version_contract_end_date > due.contract_end_date
                then {{ decimal_product(
                    '12 * due.native_mrr', 'due_rate.rate_to_reporting'
                ) }}
            else 0
        end as arr_renewed
    from due
    left join renewal_versions
        on
            due.subscription_id = renewal_versions.subscription_id
            and due.contract_end_date = renewal_versions.contract_end_date
            and renewal_versions.pick = 1
    left join rate_at_end as due_rate
        on
            due.contract_end_date = due_rate.contract_end_date
            and due.currency = due_rate.currency
    left join rate_at_end as renewal_rate
        on
            due.contract_end_date = renewal_rate.contract_end_date
            and renewal_versions.currency = renewal_rate.currency

)

select * from final
