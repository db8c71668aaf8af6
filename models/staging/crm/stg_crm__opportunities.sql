select
    opportunity_id,
    account_id,
    subscription_id,
    opportunity_type,
    stage,
    amount,
    currency,
    created_at,
    close_date,
    reason_code,
    _extracted_at
from {{ ref('base_crm__opportunities') }}
where
    _dedup_rank = 1
    and _quarantine_rule is null
