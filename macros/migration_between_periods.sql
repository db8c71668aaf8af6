{% macro migration_between_periods(rows, periods, partition_by, measures) %}
    {#- How entities moved between groups from each period to the next.
        `rows`: a relation with the `partition_by` columns, period_start,
        customer_id, group_name and the `measures`; `periods`: a relation with
        the `partition_by` columns and period_start listing every period (so a
        period without rows still pairs). An entity without a row in the
        earlier period comes from 'new', one without a row in the later period
        goes to 'lost'. Returns a select of the partition columns,
        from_period, to_period, from_group, to_group, customers and
        from_/to_ of each measure. -#}
    {%- set keys = partition_by + ['from_period', 'to_period'] %}
    with

    pairs as (

        select
            {% for column in partition_by %}{{ column }}, {% endfor %}
            period_start as from_period,
            lead(period_start) over (
                {% if partition_by %}partition by {{ partition_by | join(', ') }}{% endif %}
                order by period_start
            ) as to_period
        from {{ periods }}

    ),

    {% for side in ['from', 'to'] %}
    {{ side }}_side as (

        select
            {% for column in keys %}pairs.{{ column }}, {% endfor %}
            member_rows.customer_id,
            member_rows.group_name,
            {% for measure in measures %}member_rows.{{ measure }}{% if not loop.last %}, {% endif %}{% endfor %}
        from pairs
        inner join {{ rows }} as member_rows
            on
                {% for column in partition_by %}pairs.{{ column }} = member_rows.{{ column }} and {% endfor %}
                pairs.{{ side }}_period = member_rows.period_start
        where pairs.to_period is not null

    ),
    {% endfor %}

    moves as (

        select
            {% for column in keys %}
            coalesce(from_side.{{ column }}, to_side.{{ column }}) as {{ column }},
            {% endfor %}
            coalesce(from_side.group_name, 'new') as from_group,
            coalesce(to_side.group_name, 'lost') as to_group,
            {% for measure in measures %}
            coalesce(from_side.{{ measure }}, 0) as from_{{ measure }},
            coalesce(to_side.{{ measure }}, 0) as to_{{ measure }}{% if not loop.last %},{% endif %}
            {% endfor %}
        from from_side
        full outer join to_side
            on
                {% for column in partition_by %}from_side.{{ column }} = to_side.{{ column }} and {% endfor %}
                from_side.from_period = to_side.from_period
                and from_side.customer_id = to_side.customer_id

    )

    select
        {% for column in keys %}{{ column }}, {% endfor %}
        from_group,
        to_group,
        count(*) as customers,
        {% for measure in measures %}
        sum(from_{{ measure }}) as from_{{ measure }},
        sum(to_{{ measure }}) as to_{{ measure }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from moves
    group by
        {% for column in keys %}{{ column }}, {% endfor %}
        from_group,
        to_group
{% endmacro %}
