{% macro landing_tables() %}
    {#- The registry of landing tables: source, raw table name, the entity
        name used by the staging models (base_<source>__<entity>,
        stg_<source>__<entity>) and the key columns used for de-duplication
        and the null_key rule. One entry per table of the landing contract. -#}
    {{ return([
        {'source': 'crm', 'table': 'crm_accounts', 'entity': 'accounts', 'keys': ['account_id']},
        {'source': 'crm', 'table': 'crm_contacts', 'entity': 'contacts', 'keys': ['contact_id']},
        {'source': 'crm', 'table': 'crm_activities', 'entity': 'activities', 'keys': ['activity_id']},
        {'source': 'crm', 'table': 'crm_support_tickets', 'entity': 'support_tickets', 'keys': ['ticket_id']},
        {'source': 'crm', 'table': 'crm_nps_responses', 'entity': 'nps_responses', 'keys': ['response_id']},
        {'source': 'crm', 'table': 'crm_referrals', 'entity': 'referrals', 'keys': ['referral_id']},
        {'source': 'crm', 'table': 'crm_opportunities', 'entity': 'opportunities', 'keys': ['opportunity_id']},
        {'source': 'crm', 'table': 'crm_cancellations', 'entity': 'cancellations', 'keys': ['cancellation_id']},
        {'source': 'crm', 'table': 'crm_feedback', 'entity': 'feedback', 'keys': ['feedback_id']},
        {'source': 'product', 'table': 'product_usage_daily', 'entity': 'usage_daily', 'keys': ['account_id', 'usage_date']},
        {'source': 'billing', 'table': 'billing_customers', 'entity': 'customers', 'keys': ['customer_id']},
        {'source': 'billing', 'table': 'billing_plans', 'entity': 'plans', 'keys': ['plan_id']},
        {'source': 'billing', 'table': 'billing_subscriptions', 'entity': 'subscriptions', 'keys': ['subscription_id']},
        {'source': 'billing', 'table': 'billing_subscription_versions', 'entity': 'subscription_versions', 'keys': ['version_id']},
        {'source': 'billing', 'table': 'billing_invoices', 'entity': 'invoices', 'keys': ['invoice_id']},
        {'source': 'billing', 'table': 'billing_invoice_lines', 'entity': 'invoice_lines', 'keys': ['line_id']},
        {'source': 'billing', 'table': 'billing_credit_notes', 'entity': 'credit_notes', 'keys': ['credit_note_id']},
        {'source': 'billing', 'table': 'billing_payments', 'entity': 'payments', 'keys': ['payment_id']},
        {'source': 'billing', 'table': 'fx_rates', 'entity': 'fx_rates', 'keys': ['rate_date', 'currency']},
    ]) }}
{% endmacro %}

{% macro landing_table(table_name) %}
    {#- One entry of landing_tables(), by raw table name. -#}
    {% for entry in landing_tables() if entry.table == table_name %}
        {{ return(entry) }}
    {% endfor %}
    {{ exceptions.raise_compiler_error(
        "landing_table: '" ~ table_name ~ "' is not in landing_tables()") }}
{% endmacro %}

{% macro landing_record_key(keys) %}
    {#- A row's key as one string: the key itself, or for a composite key its
        parts joined by '|' (a null part as ''). -#}
    {% if keys | length == 1 %}
        {{ return('cast(' ~ keys[0] ~ ' as ' ~ dbt.type_string() ~ ')') }}
    {% endif %}
    {% set parts = [] %}
    {% for key in keys %}
        {% do parts.append(
            "coalesce(cast(" ~ key ~ " as " ~ dbt.type_string() ~ "), '')") %}
        {% if not loop.last %}
            {% do parts.append("'|'") %}
        {% endif %}
    {% endfor %}
    {{ return(dbt.concat(parts)) }}
{% endmacro %}
