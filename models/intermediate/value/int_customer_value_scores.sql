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
{#- counts and a 0..10 score: a handful of values each, ranked per value -#}
{%- set discrete_components = ['referrals', 'nps', 'advocacy', 'feedback'] %}

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
-- value, or a single value, is neutral (0.5).
{%- for component in components %}
{%- if component in discrete_components %}

-- a count or a 0..10 score takes a handful of values: each value's
-- percentile from its number of customers (ties) and of those below it
{{ component }}_value_ties as (

    select
        snapshot_month,
        {{ component }} as component_value,
        count(*) as tied_customers
    from components
    where {{ component }} is not null
    group by 1, 2

),

{{ component }}_percentiles as (

    select
        snapshot_month,
        component_value,
        case
            when sum(tied_customers) over (partition by snapshot_month) = 1
                then 0.5
            else
                (
                    cast(
                        coalesce(
                            sum(tied_customers) over (
                                partition by snapshot_month
                                order by component_value
                                rows between unbounded preceding
                                and 1 preceding
                            ),
                            0
                        ) as double
                    )
                    + cast(tied_customers - 1 as double) / 2
                )
                / cast(
                    sum(tied_customers) over (partition by snapshot_month) - 1
                    as bigint
                )
        end as percentile
    from {{ component }}_value_ties

),
{%- else %}
{%- set by_value -%}
    partition by snapshot_month order by {{ component }} asc nulls last
{%- endset %}

-- one narrow ranking (the key and the value only): every window shares
-- one sort, on the value with missing values last, so the ranks of the
-- values are their ranks among the values, and their ties are their peers
{{ component }}_percentiles as (

    select
        snapshot_month,
        customer_id,
        case
            when {{ component }} is null then 0.5
            when count({{ component }}) over (
                {{ by_value }}
                rows between unbounded preceding and unbounded following
            ) = 1 then 0.5
            else
                (
                    cast(rank() over ({{ by_value }}) - 1 as double)
                    + cast(
                        count(*) over (
                            {{ by_value }}
                            range between current row and current row
                        ) - 1 as double
                    ) / 2
                )
                / (
                    count({{ component }}) over (
                        {{ by_value }}
                        rows between unbounded preceding and unbounded following
                    ) - 1
                )
        end as percentile
    from components

),
{%- endif %}
{%- endfor %}

ranked as (

    select
        components.*,
        {%- for component in components %}
        {%- if component in discrete_components %}
        coalesce({{ component }}_percentiles.percentile, 0.5)
        {%- else %}
        {{ component }}_percentiles.percentile
        {%- endif %}
            as {{ component }}_percentile
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from components
    {%- for component in components %}
    {%- if component in discrete_components %}
    left join {{ component }}_percentiles
        on
            components.snapshot_month
            = {{ component }}_percentiles.snapshot_month
            and components.{{ component }}
            = {{ component }}_percentiles.component_value
    {%- else %}
    inner join {{ component }}_percentiles
        on
            components.snapshot_month
            = {{ component }}_percentiles.snapshot_month
            and components.customer_id = {{ component }}_percentiles.customer_id
    {%- endif %}
    {%- endfor %}

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

-- each component's effect on the score: weight x (score - 0.5), in points
effects as (

    select
        scored.*,
        {%- for component in components %}
        100 * {{ component }}_weight * ({{ component }}_score - 0.5)
            as {{ component }}_effect
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from scored

),

-- each component's place among the customer's ten effects, as the number
-- of components ahead of it: by effect, largest first for a lift (smallest
-- first for a drag), ties by component name (an earlier name is ahead when
-- tied, a later one only when strictly ahead)
effect_places as (

    select
        effects.*,
        {%- for component in components %}
        {%- set outer = loop %}
        {%- for places, tied, untied in [
            ('lifts_ahead', '>=', '>'), ('drags_ahead', '<=', '<'),
        ] %}
        {%- for other in components if other != component %}
        case
            when
                {{ other }}_effect {{ tied if other < component else untied }}
                {{ component }}_effect
                then 1
            else 0
        end
        {%- if not loop.last %} +{% endif %}
        {%- endfor %}
            as {{ component }}_{{ places }}
        {%- if not (outer.last and places == 'drags_ahead') %},{% endif %}
        {%- endfor %}
        {%- endfor %}
    from effects

),

-- the two largest positive and the two largest negative effects
levers as (

    select
        effect_places.*,
        {%- for lever, places, sign, ahead in [
            ('top_lift_1', 'lifts_ahead', '>', 0),
            ('top_lift_2', 'lifts_ahead', '>', 1),
            ('top_drag_1', 'drags_ahead', '<', 0),
            ('top_drag_2', 'drags_ahead', '<', 1),
        ] %}
        case
            {%- for component in components %}
            when
                {{ component }}_{{ places }} = {{ ahead }}
                and {{ component }}_effect {{ sign }} 0
                then '{{ component }}'
            {%- endfor %}
        end as {{ lever }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from effect_places

),

-- rank and tier on the key and score alone
ranks as (

    select
        snapshot_month,
        customer_id,
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
        ranks.value_rank,
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

final as (

    select
        cast(levers.snapshot_month as date) as snapshot_month,
        cast(levers.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(levers.segment as {{ dbt.type_string() }}) as segment,
        cast(levers.value_score as double) as value_score,
        cast(tiers.value_tier as {{ dbt.type_string() }}) as value_tier,
        cast(tiers.value_rank as bigint) as value_rank,
        cast(catalogue.service_level as {{ dbt.type_string() }})
            as service_level,
        cast(levers.top_lift_1 as {{ dbt.type_string() }}) as top_lift_1,
        cast(levers.top_lift_2 as {{ dbt.type_string() }}) as top_lift_2,
        cast(levers.top_drag_1 as {{ dbt.type_string() }}) as top_drag_1,
        cast(levers.top_drag_2 as {{ dbt.type_string() }}) as top_drag_2,
        cast(levers.mrr as decimal(38, 10)) as mrr,
        {%- for component in components %}
        cast(levers.{{ component }} as double) as {{ component }}_raw,
        cast(levers.{{ component }}_score as double) as {{ component }}_score,
        {%- endfor %}
        cast(
            {{ is_complete_period('levers.snapshot_month', 'month') }}
            as {{ dbt.type_boolean() }}
        ) as is_complete_period
    from levers
    inner join tiers
        on
            levers.snapshot_month = tiers.snapshot_month
            and levers.customer_id = tiers.customer_id
            and tiers.tier_pick = 1
    left join {{ ref('service_catalogue') }} as catalogue
        on tiers.value_tier = catalogue.value_tier

)

select * from final
