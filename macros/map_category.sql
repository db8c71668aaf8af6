{% macro category_key(expression) %}
    {#- The lookup key of a free-typed category: lower case, letters and
        digits only (' Mid-Market ', 'mid market', 'MidMarket' -> 'midmarket'). -#}
    {{ return(adapter.dispatch('category_key', 'cvm')(expression)) }}
{% endmacro %}

{% macro default__category_key(expression) %}
    regexp_replace(lower(cast({{ expression }} as {{ dbt.type_string() }})), '[^a-z0-9]', '', 'g')
{% endmacro %}

{% macro map_category(expression, domain, fallback) %}
    {#- The canonical value of a categorical column from the editable seed
        category_mappings (domain, raw_key, canonical_value). Null or blank
        stays null; a value the seed does not know is kept as the row and
        mapped to `fallback` ('other' or 'unknown'). -#}
    case
        when nullif(trim(cast({{ expression }} as {{ dbt.type_string() }})), '') is null
            then null
        else coalesce(
            (
                select max(category_mappings.canonical_value)
                from {{ ref('category_mappings') }} as category_mappings
                where
                    category_mappings.domain = '{{ domain }}'
                    and category_mappings.raw_key = {{ category_key(expression) }}
            ),
            '{{ fallback }}'
        )
    end
{% endmacro %}

{% macro clean_code(expression) %}
    {#- ISO codes (currency, country): trimmed, upper case, blank -> null. -#}
    nullif(upper(trim(cast({{ expression }} as {{ dbt.type_string() }}))), '')
{% endmacro %}
