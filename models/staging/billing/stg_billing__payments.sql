select
    payment_id,
    invoice_id,
    customer_id,
    paid_at,
    amount,
    currency,
    status,
    _extracted_at
from {{ ref('base_billing__payments') }}
where
    _dedup_rank = 1
    and _quarantine_rule is null
