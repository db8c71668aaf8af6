select
    account_id,
    account_name,
    billing_customer_id,
    segment_raw,
    segment,
    industry,
    region,
    country_code,
    acquisition_channel,
    referred_by_account_id,
    created_at,
    is_deleted,
    _extracted_at
from {{ ref('base_crm__accounts') }}
where
    _dedup_rank = 1
    and _quarantine_rule is null
