{#- The published copy of int_customer_flows:
    the rule, its unit tests and its description live there (marts read
    intermediates, never marts). The contract in the YAML fixes the columns.
-#}
select * from {{ ref('int_customer_flows') }}  -- noqa: AM04
