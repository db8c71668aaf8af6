"""Generate the landing tables of the customer-value warehouse (demo and test data).

Usage::

    cvm generate --customers 300 --months 24 --seed 1 \\
        --out data/raw --format parquet [--dirty] [--as-of 2026-10-31] \\
        [--usage-days 90] [--latent-out latent.parquet] [--quiet]

(``python -m cvm.generate`` takes the same arguments)

or, from Python, ``generate(customers, months, seed, out, fmt, dirty, as_of,
usage_days, latent_out, verbose)``, which returns the manifest it also writes to
``<out>/_manifest.json``.

``--latent-out`` also writes the latent signals that drove churn, one row per
customer and month end (``signals.latent_signals``), to a parquet file that must
lie outside the landing directory: ground truth for the renewal-risk benchmark,
never something the warehouse reads.

Writes all 19 tables of ``docs/landing_contract.md``. Parquet output is one
``<table>.parquet`` per table, except ``product_usage_daily`` and
``billing_invoice_lines``, written as folders ``<table>/part-NNNNN.parquet`` (three
parts or more); CSV output is one ``<table>.csv`` per table (header, ISO dates,
``YYYY-MM-DD HH:MM:SS`` timestamps, empty field = null). Output is deterministic
for a seed: every random draw comes from a stream named after its stage, rows are
written sorted by key (ids are zero padded, so text order is numeric order), and
DuckDB writes with one thread so that rows keep that order.

What is true in the data
------------------------
- Time: ``--months`` calendar months of history ending with the as-of month. 30%
  of the customers are "migrated" in the first 45 days with a first contract term
  of 1-12 months (so renewal dates spread out); the others are acquired across
  the history; 0.3% are created after the as-of date (subscriptions start later).
- Contract terms: every recurring subscription commits to **12-month terms**,
  whatever its billing interval (monthly, quarterly or annual billing). Invoices
  are per billing period, in advance, anchored on the term start, prorated by
  days when a version starts or ends inside a period; ``period_end`` of a
  recurring line is the last day of service (inclusive).
- Versions follow the contract: an amendment (seat change, upgrade, downgrade,
  discount change) closes a version and opens the next the same day with the
  same ``contract_end_date``; a renewal opens a version on the old
  ``contract_end_date`` (20% are 1-30 days late: nothing in force in the gap);
  a lapse or early cancellation closes the last version. 60% of renewals raise
  the price 2-8%, some change seats or the billing interval. 30% of customers
  who left come back 1-6 months later: a new subscription, or a new version of
  the old one starting more than 30 days after its contract end. Addon
  subscriptions start while the core one is in force and lapse more often.
  Churns and reactivations (a come-back, or a late renewal whose gap spans a
  month end) therefore occur in most months of a 300-customer, 24-month run.
- Each customer has a latent health that drifts monthly (AR(1) around a mean;
  18% suffer a lasting decline, 8% improve). Health drives usage (active users
  per seat, key_actions per user), NPS scores, urgent tickets, CSAT and late
  payment (plus a chronic late-payer group). At every decision point (mid-term:
  cancel early?; 30 days before the contract end: renew?) the churn probability
  is a logistic function of the signals observable then: health level and its
  3-month trend (the usage trend), the last NPS answer of the past year
  (detractor/promoter), urgent tickets in the past 180 days, the late-payer flag,
  plus segment and product-family offsets. Cancellation and lost-renewal reason
  codes lean towards the signal that drove them.
- Promoters refer far more than detractors; a converted referral points at a
  real later account (``referred_by_account_id`` back, channel 'referral').
- Always present: test customers (with subscriptions and invoices), billing
  customers without CRM account, prospects, customers with two accounts (the
  newer wins, or the newer is soft-deleted so the older wins; never a created_at
  tie), customers whose only account is deleted, customers created after the
  as-of date, scheduled amendments and advance invoices dated after the as-of
  date. The systems only know what happened by the as-of date: a renewal or
  cancellation not yet decided leaves ``valid_to`` null.
- FX: one rate per currency and weekday (no weekend rows; the warehouse takes the
  latest rate on or before a date), a random walk from 200 days before the
  history to the as-of date. No USD rows.

``--dirty`` adds, per table: exact duplicates (1%), older re-exports of real keys
with other non-key values (0.5%, ``_extracted_at`` 1-5 days older), stray case,
spaces and spellings in categorical values, unknown categories, and extra rows
that each break exactly one rule of ``docs/quarantine_rules.md`` (null keys
included). Rule-breaking rows are copies of real rows with fresh keys, never
duplicated, so the manifest predicts the quarantine exactly and the clean rows
are the same as without ``--dirty`` (bar the planted categorical variants).

The manifest: ``raw_rows``, ``duplicates_removed`` (exact + superseded),
``quarantine`` ({table: {rule: n}}), ``clean_rows``, ``expected_customers``
(customer_id -> canonical segment) and ``planted`` (counts of every planted
trait, rows after the as-of date, unknown/stray categories, and MRR and active
customers on the as-of date per segment, computed as marts.md defines them), and
``planted.monthly``: one entry per month from the first month any customer is
active to the as-of month, ``{"month": "YYYY-MM-01", "active_customers",
"mrr_usd", "new_customers", "reactivated_customers", "churned_customers",
"expansion_customers", "contraction_customers"}`` for all customers, following
marts.md (MRR measured on the month's last day, or the as-of date; movements
against the previous month restated at this month's rates), computed from the
clean truth; its last entry equals ``mrr_as_of_usd`` / ``active_customers_as_of``
['All'].

Modules, in the order the stages run: ``fx``, ``customers`` (customers,
their latent health, CRM accounts), ``signals`` (NPS answers, tickets, the
churn model), ``subscriptions`` (contract terms simulated forward),
``billing``, ``crm``, ``usage``, ``manifest``; ``pipeline`` runs them,
``writer`` and ``dirt`` write a table (with ``--dirty``, its dirt), ``spec``
describes the tables and ``core`` holds what they share. Each stage takes
and returns typed data (frozen dataclasses of arrays); none holds state.
The output for a seed is checked byte for byte against committed checksums
by ``tests/python/test_generator_checksums.py``.
"""

from cvm.generate.cli import main
from cvm.generate.core import DEFAULT_AS_OF, GENERATOR_VERSION
from cvm.generate.pipeline import generate
from cvm.generate.spec import CONTRACT, TABLES

__all__ = [
    "CONTRACT",
    "DEFAULT_AS_OF",
    "GENERATOR_VERSION",
    "TABLES",
    "generate",
    "main",
]
