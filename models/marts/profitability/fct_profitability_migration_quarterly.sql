-- One row per pair of consecutive quarters, from-group and to-group (see YAML).
{{ profitability_migration_mart('quarter') }}
