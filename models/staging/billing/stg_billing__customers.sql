select
    customer_id,
    customer_name,
    country_code,
    currency,
    payment_terms_days,
    created_at,
    is_test,
    _extracted_at
from {{ ref('base_billing__customers') }}
where
    _dedup_rank = 1
    and _quarantine_rule is null
