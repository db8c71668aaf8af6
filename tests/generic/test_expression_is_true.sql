{% test expression_is_true(model, expression, column_name=none) %}
    {#- Fails when the aggregate or row expression is not true over the model:
        with an aggregate (count(*) = 1) it is checked once for the model. -#}
    select 1 as failure
    from (select {{ expression }} as passed from {{ model }}) as checked
    where not coalesce(checked.passed, false)
{% endtest %}
