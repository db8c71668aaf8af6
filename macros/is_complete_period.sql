{% macro is_complete_period(period_start, grain) %}
    {#- True when the period starting on `period_start` had ended by the
        as-of date: its last day is on or before the as-of date. The current
        period (the as-of month, quarter or year, counted to date) is
        incomplete unless the as-of date is its last day. `grain` is a
        literal 'month', 'quarter' or 'year', or else a SQL expression (a
        column such as period_grain) holding one of them. -#}
    {%- set grains = ['month', 'quarter', 'year'] %}
    {%- if grain in grains -%}
    (
        cast({{ dbt.last_day(period_start, grain) }} as date)
        <= {{ as_of_date() }}
    )
    {%- else -%}
    case {{ grain }}
        {%- for each in grains %}
        when '{{ each }}' then {{ is_complete_period(period_start, each) }}
        {%- endfor %}
    end
    {%- endif %}
{% endmacro %}
