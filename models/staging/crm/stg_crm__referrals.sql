select
    referral_id,
    referrer_account_id,
    referred_company,
    referred_account_id,
    referred_at,
    status,
    _extracted_at
from {{ ref('base_crm__referrals') }}
where
    _dedup_rank = 1
    and _quarantine_rule is null
