-- One row per customer and calendar quarter with revenue or cost (see YAML).
{{ customer_profitability_mart('quarter') }}
