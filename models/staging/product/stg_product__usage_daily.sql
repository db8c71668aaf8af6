select
    account_id,
    usage_date,
    active_users,
    sessions,
    key_actions,
    _extracted_at
from {{ ref('base_product__usage_daily') }}
where
    _dedup_rank = 1
    and _quarantine_rule is null
