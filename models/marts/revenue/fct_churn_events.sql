{#- The published copy of int_churn_events:
    the rule, its unit tests and its description live there (marts read
    intermediates, never marts). The contract in the YAML fixes the columns.
-#}
select * from {{ ref('int_churn_events') }}  -- noqa: AM04
