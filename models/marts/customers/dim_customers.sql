{#- The published copy of int_customers_profiled:
    the rule, its unit tests and its description live there (marts read
    intermediates, never marts). The contract in the YAML fixes the columns.
-#}
select * from {{ ref('int_customers_profiled') }}  -- noqa: AM04
