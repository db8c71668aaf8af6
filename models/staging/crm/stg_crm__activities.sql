select
    activity_id,
    account_id,
    activity_type,
    occurred_at,
    duration_minutes,
    _extracted_at
from {{ ref('base_crm__activities') }}
where
    _dedup_rank = 1
    and _quarantine_rule is null
