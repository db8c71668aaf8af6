with

customers as (

    select
        customer_id,
        customer_name,
        country_code,
        created_at
    from {{ ref('stg_billing__customers') }}
    where
        not is_test
        and cast(created_at as date) <= {{ as_of_date() }}

),

crm_accounts as (

    select * from {{ ref('int_customer_crm_accounts_resolved') }}

),

activity as (

    select
        customer_id,
        min(first_active_month) as first_active_month,
        max(case when is_active then month_start end) as last_active_month,
        max(
            case
                when month_start = {{ dbt.date_trunc('month', as_of_date()) }}
                    then mrr
            end
        ) as current_mrr,
        max(active_months_to_date) as tenure_months
    from {{ ref('int_customer_mrr_monthly') }}
    group by 1

),

joined as (

    select
        customers.customer_id,
        customers.customer_name,
        crm_accounts.industry,
        crm_accounts.region,
        crm_accounts.acquisition_channel,
        referrers.customer_id as referred_by_customer_id,
        crm_accounts.account_id as crm_account_id,
        customers.created_at,
        activity.first_active_month,
        activity.last_active_month,
        coalesce(crm_accounts.segment, 'Unassigned') as segment,
        coalesce(activity.current_mrr, 0) as current_mrr,
        coalesce(activity.tenure_months, 0) as tenure_months,
        coalesce(crm_accounts.country_code, customers.country_code)
            as country_code
    from customers
    left join crm_accounts
        on customers.customer_id = crm_accounts.customer_id
    left join customers as referrers
        on crm_accounts.referred_by_billing_customer_id = referrers.customer_id
    left join activity
        on customers.customer_id = activity.customer_id

),

final as (

    select
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(customer_name as {{ dbt.type_string() }}) as customer_name,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(industry as {{ dbt.type_string() }}) as industry,
        cast(region as {{ dbt.type_string() }}) as region,
        cast(country_code as {{ dbt.type_string() }}) as country_code,
        cast(acquisition_channel as {{ dbt.type_string() }})
            as acquisition_channel,
        cast(referred_by_customer_id as {{ dbt.type_string() }})
            as referred_by_customer_id,
        cast(first_active_month as date) as first_active_month,
        cast(last_active_month as date) as last_active_month,
        cast(current_mrr > 0 as {{ dbt.type_boolean() }}) as is_active,
        cast(current_mrr as decimal(38, 10)) as current_mrr,
        cast(tenure_months as {{ dbt.type_int() }}) as tenure_months,
        -- lifecycle_stage and value_tier: filled by the lifecycle and value
        -- score marts; typed nulls until then.
        cast(null as {{ dbt.type_string() }}) as lifecycle_stage,
        cast(null as {{ dbt.type_string() }}) as value_tier,
        cast(crm_account_id as {{ dbt.type_string() }}) as crm_account_id,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at
    from joined

)

select * from final
