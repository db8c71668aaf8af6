select
    contact_id,
    account_id,
    job_title,
    has_email,
    has_phone,
    created_at,
    _extracted_at
from {{ ref('base_crm__contacts') }}
where
    _dedup_rank = 1
    and _quarantine_rule is null
