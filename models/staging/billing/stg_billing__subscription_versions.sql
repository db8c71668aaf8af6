select
    version_id,
    subscription_id,
    plan_id,
    quantity,
    unit_price,
    discount_pct,
    billing_interval_months,
    currency,
    valid_from,
    valid_to,
    contract_end_date,
    _extracted_at
from {{ ref('base_billing__subscription_versions') }}
where
    _dedup_rank = 1
    and _quarantine_rule is null
