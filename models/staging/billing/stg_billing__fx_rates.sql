select
    rate_date,
    currency,
    rate_to_reporting,
    _extracted_at
from {{ ref('base_billing__fx_rates') }}
where
    _dedup_rank = 1
    and _quarantine_rule is null
