-- One row per customer and calendar year with revenue or cost (see YAML).
{{ customer_profitability_mart('year') }}
