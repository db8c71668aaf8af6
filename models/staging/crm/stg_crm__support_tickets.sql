select
    ticket_id,
    account_id,
    opened_at,
    closed_at,
    priority,
    category,
    csat_score,
    _extracted_at
from {{ ref('base_crm__support_tickets') }}
where
    _dedup_rank = 1
    and _quarantine_rule is null
