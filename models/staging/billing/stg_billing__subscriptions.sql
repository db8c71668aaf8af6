select
    subscription_id,
    customer_id,
    created_at,
    status,
    canceled_at,
    auto_renew,
    _extracted_at
from {{ ref('base_billing__subscriptions') }}
where
    _dedup_rank = 1
    and _quarantine_rule is null
