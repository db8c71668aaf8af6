select
    invoice_id,
    customer_id,
    subscription_id,
    invoice_date,
    due_date,
    currency,
    status,
    total_amount,
    _extracted_at
from {{ ref('base_billing__invoices') }}
where
    _dedup_rank = 1
    and _quarantine_rule is null
