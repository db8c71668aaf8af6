{#- One row per CRM account that belongs to a billing customer: the rule
    by which every CRM record (ticket, activity, usage, opportunity,
    cancellation, referral, NPS answer, feedback) reaches its customer.
    Deleted accounts are kept: their history still belongs to the customer.
    Accounts without a billing_customer_id are prospects and map to no one. -#}

select
    account_id,
    billing_customer_id as customer_id
from {{ ref('stg_crm__accounts') }}
where billing_customer_id is not null
