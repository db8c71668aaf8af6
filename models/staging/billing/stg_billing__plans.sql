select
    plan_id,
    plan_name,
    product_family,
    billing_interval_months,
    is_recurring,
    list_price,
    currency,
    _extracted_at
from {{ ref('base_billing__plans') }}
where
    _dedup_rank = 1
    and _quarantine_rule is null
