select
    feedback_id,
    account_id,
    submitted_at,
    feedback_type,
    sentiment,
    _extracted_at
from {{ ref('base_crm__feedback') }}
where
    _dedup_rank = 1
    and _quarantine_rule is null
