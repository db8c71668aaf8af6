-- fct_lifetime_value_by_segment equals the sum of its customers in
-- fct_customer_lifetime_value: every group, and the grand totals. Returns
-- the groups (or 'total') that disagree.

with

customers as (

    select
        segment,
        coalesce(value_tier, 'unknown') as value_tier,
        coalesce(acquisition_channel, 'unknown') as acquisition_channel,
        count(*) as customers,
        sum(lifetime_value) as lifetime_value,
        sum(revenue_lifetime_value) as revenue_lifetime_value
    from {{ ref('fct_customer_lifetime_value') }}
    group by 1, 2, 3

),

rollup_rows as (

    select
        segment,
        value_tier,
        acquisition_channel,
        customers,
        lifetime_value,
        revenue_lifetime_value
    from {{ ref('fct_lifetime_value_by_segment') }}

),

compared as (

    select
        customers.customers as expected_customers,
        rollup_rows.customers as rollup_customers,
        customers.lifetime_value as expected_lifetime_value,
        rollup_rows.lifetime_value as rollup_lifetime_value,
        coalesce(customers.segment, rollup_rows.segment) as segment,
        coalesce(customers.value_tier, rollup_rows.value_tier) as value_tier,
        coalesce(
            customers.acquisition_channel, rollup_rows.acquisition_channel
        ) as acquisition_channel
    from customers
    full outer join rollup_rows
        on
            customers.segment = rollup_rows.segment
            and customers.value_tier = rollup_rows.value_tier
            and customers.acquisition_channel
            = rollup_rows.acquisition_channel
    where
        customers.customers is distinct from rollup_rows.customers
        or abs(customers.lifetime_value - rollup_rows.lifetime_value)
        > 0.01 + 1e-9 * abs(customers.lifetime_value)
        or abs(
            customers.revenue_lifetime_value
            - rollup_rows.revenue_lifetime_value
        )
        > 0.01 + 1e-9 * abs(customers.revenue_lifetime_value)
        or customers.segment is null
        or rollup_rows.segment is null

)

select * from compared
