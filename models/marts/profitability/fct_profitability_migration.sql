-- One row per pair of consecutive years, from-group and to-group (see YAML).
{{ profitability_migration_mart('year') }}
