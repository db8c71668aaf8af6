{#- The published copy of int_mrr_movements:
    the rule, its unit tests and its description live there (marts read
    intermediates, never marts). The contract in the YAML fixes the columns.
-#}
select * from {{ ref('int_mrr_movements') }}  -- noqa: AM04
