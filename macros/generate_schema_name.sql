{% macro generate_schema_name(custom_schema_name, node) -%}
    {#- Use the configured schema name as is (staging, marts, ...), not
        <target_schema>_<custom>: BI tools rely on the schema `marts`. -#}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
