select
    line_id,
    invoice_id,
    line_type,
    plan_id,
    quantity,
    amount,
    period_start,
    period_end,
    _extracted_at
from {{ ref('base_billing__invoice_lines') }}
where
    _dedup_rank = 1
    and _quarantine_rule is null
