select
    response_id,
    account_id,
    contact_id,
    responded_at,
    score,
    would_refer,
    not_referring_reason,
    has_comment,
    _extracted_at
from {{ ref('base_crm__nps_responses') }}
where
    _dedup_rank = 1
    and _quarantine_rule is null
