{#- The published copy of int_customer_lifetime_value_attributed:
    the rule, its unit tests and its description live there (marts read
    intermediates, never marts). The contract in the YAML fixes the columns.
-#}
select * from {{ ref('int_customer_lifetime_value_attributed') }}  -- noqa: AM04
