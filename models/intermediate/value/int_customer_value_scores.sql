{#- One row per snapshot month and active customer: the customer value
    score, its tier and service level, and each component raw and
    normalised. Formulas in the model's YAML. -#}
-- The select lists are generated per component by Jinja loops; sqlfluff
-- cannot align their indentation with the loop tags (rendered SQL is fine).
-- noqa: disable=LT02
{%- set components = [
    'net_revenue', 'gross_profit', 'margin', 'revenue_growth', 'return_rate',
    'days_to_pay', 'referrals', 'nps', 'advocacy', 'feedback',
] %}

with

components as (

    select * from {{ ref('int_customer_value_components') }}

),

weights as (

    select
        {%- for component in components %}
        max(case when component = '{{ component }}' then weight end)
            as {{ component }}_weight,
        max(case when component = '{{ component }}' then higher_is_better end)
            as {{ component }}_higher_is_better
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('value_score_weights') }}

),

-- mid-rank percentile among the snapshot's active customers that have a
-- value: ((rank - 1) + (ties - 1) / 2) / (n - 1), so tied values share the
-- middle of the ranks they span and an all-equal component is neutral; no
-- value, or a single value, is neutral (0.5)
ranked as (

    select
        components.*,
        {%- for component in components %}
        case
            when components.{{ component }} is null then 0.5
            when count(components.{{ component }}) over (
                partition by components.snapshot_month
            ) = 1 then 0.5
            else
                (
                    cast(
                        rank() over (
                            partition by
                                components.snapshot_month,
                                components.{{ component }} is null
                            order by components.{{ component }}
                        ) - 1 as double
                    )
                    + cast(
                        count(*) over (
                            partition by
                                components.snapshot_month,
                                components.{{ component }}
                        ) - 1 as double
                    ) / 2
                )
                / (
                    count(components.{{ component }}) over (
                        partition by components.snapshot_month
                    ) - 1
                )
        end as {{ component }}_percentile
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from components

),

scored as (

    select
        ranked.*,
        {%- for component in components %}
        case
            when weights.{{ component }}_higher_is_better
                then ranked.{{ component }}_percentile
            else 1 - ranked.{{ component }}_percentile
        end as {{ component }}_score,
        weights.{{ component }}_weight,
        {%- endfor %}
        100 * (
            {%- for component in components %}
            weights.{{ component }}_weight * case
                when weights.{{ component }}_higher_is_better
                    then ranked.{{ component }}_percentile
                else 1 - ranked.{{ component }}_percentile
            end{% if not loop.last %} +{% endif %}
            {%- endfor %}
        ) as value_score
    from ranked
    cross join weights

),

ranks as (

    select
        *,
        row_number() over (
            partition by snapshot_month
            order by value_score desc, customer_id asc
        ) as value_rank,
        count(*) over (partition by snapshot_month) as active_customers
    from scored

),

tiers as (

    select
        ranks.snapshot_month,
        ranks.customer_id,
        cutoffs.value_tier,
        row_number() over (
            partition by ranks.snapshot_month, ranks.customer_id
            order by cutoffs.tier_order
        ) as tier_pick
    from ranks
    inner join {{ ref('value_tier_cutoffs') }} as cutoffs
        on
            cast(ranks.value_rank as double) / ranks.active_customers
            <= cutoffs.cumulative_share

),

-- each component's effect on the score: weight x (score - 0.5), in points
effects as (

    {%- for component in components %}
    select
        snapshot_month,
        customer_id,
        '{{ component }}' as component,
        100 * {{ component }}_weight * ({{ component }}_score - 0.5) as effect
    from scored
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

effect_ranks as (

    select
        *,
        row_number() over (
            partition by snapshot_month, customer_id
            order by effect desc, component asc
        ) as lift_rank,
        row_number() over (
            partition by snapshot_month, customer_id
            order by effect asc, component asc
        ) as drag_rank
    from effects

),

levers as (

    select
        snapshot_month,
        customer_id,
        max(case when lift_rank = 1 and effect > 0 then component end)
            as top_lift_1,
        max(case when lift_rank = 2 and effect > 0 then component end)
            as top_lift_2,
        max(case when drag_rank = 1 and effect < 0 then component end)
            as top_drag_1,
        max(case when drag_rank = 2 and effect < 0 then component end)
            as top_drag_2
    from effect_ranks
    group by 1, 2

),

final as (

    select
        cast(ranks.snapshot_month as date) as snapshot_month,
        cast(ranks.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(ranks.segment as {{ dbt.type_string() }}) as segment,
        cast(ranks.value_score as double) as value_score,
        cast(tiers.value_tier as {{ dbt.type_string() }}) as value_tier,
        cast(ranks.value_rank as bigint) as value_rank,
        cast(catalogue.service_level as {{ dbt.type_string() }})
            as service_level,
        cast(levers.top_lift_1 as {{ dbt.type_string() }}) as top_lift_1,
        cast(levers.top_lift_2 as {{ dbt.type_string() }}) as top_lift_2,
        cast(levers.top_drag_1 as {{ dbt.type_string() }}) as top_drag_1,
        cast(levers.top_drag_2 as {{ dbt.type_string() }}) as top_drag_2,
        cast(ranks.mrr as decimal(38, 10)) as mrr,
        {%- for component in components %}
        cast(ranks.{{ component }} as double) as {{ component }}_raw,
        cast(ranks.{{ component }}_score as double) as {{ component }}_score,
        {%- endfor %}
        cast(
            {{ is_complete_period('ranks.snapshot_month', 'month') }}
            as {{ dbt.type_boolean() }}
        ) as is_complete_period
    from ranks
    inner join tiers
        on
            ranks.snapshot_month = tiers.snapshot_month
            and ranks.customer_id = tiers.customer_id
            and tiers.tier_pick = 1
    left join {{ ref('service_catalogue') }} as catalogue
        on tiers.value_tier = catalogue.value_tier
    left join levers
        on
            ranks.snapshot_month = levers.snapshot_month
            and ranks.customer_id = levers.customer_id

)

select * from final
