select
    credit_note_id,
    invoice_id,
    customer_id,
    issued_date,
    amount,
    currency,
    reason,
    _extracted_at
from {{ ref('base_billing__credit_notes') }}
where
    _dedup_rank = 1
    and _quarantine_rule is null
