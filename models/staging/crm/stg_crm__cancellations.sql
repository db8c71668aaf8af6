select
    cancellation_id,
    account_id,
    subscription_id,
    requested_at,
    effective_date,
    reason_code,
    reason_detail,
    _extracted_at
from {{ ref('base_crm__cancellations') }}
where
    _dedup_rank = 1
    and _quarantine_rule is null
