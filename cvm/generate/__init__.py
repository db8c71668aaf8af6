"""Generate the landing tables of the customer-value warehouse (demo and test data).

Usage::

    cvm generate --customers 300 --months 24 --seed 1 \\
        --out data/raw --format parquet [--dirty] [--as-of 2026-10-31] \\
        [--usage-days 90] [--latent-out latent.parquet] [--quiet]

(``python -m cvm.generate`` takes the same arguments)

or, from Python, ``generate(customers, months, seed, out, fmt, dirty, as_of,
usage_days, latent_out)``, which returns the manifest it also writes to
``<out>/_manifest.json``.

``--latent-out`` also writes the latent signals that drove churn, one row per
customer and month end (``write_latent_signals``), to a parquet file that must
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
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

GENERATOR_VERSION = 1
REPORTING_CURRENCY = "USD"
DEFAULT_AS_OF = "2026-10-31"
EPOCH = dt.date(1970, 1, 1)
DAY = 86_400
INF = 10**7  # "no end" day sentinel
RENEWAL_GRACE_DAYS = 30

# dirt rates (share of a table's real rows; at least one row each)
DUP_RATE = 0.01
REEXPORT_RATE = 0.005
NULL_KEY_RATE = 0.001
RULE_RATE = 0.001
STRAY_RATE = 0.02
UNKNOWN_RATE = 0.004


# --------------------------------------------------------------------- domains
@dataclass(frozen=True)
class Domain:
    """A categorical column: canonical values, stray spellings, unknown values."""

    values: tuple[str, ...]
    stray: tuple[tuple[str, str], ...] = ()  # (as typed, canonical)
    unknown: tuple[str, ...] = ()
    protect: tuple[str, ...] = ()  # canonical values never replaced by unknowns

    @property
    def labels(self) -> list[str]:
        return [*self.values, *(s for s, _ in self.stray), *self.unknown]

    def code(self, value: str) -> int:
        return self.labels.index(value)

    def sql(self) -> str:
        return "[" + ", ".join(_sql_str(x) for x in self.labels) + "]"


def _sql_str(x: str) -> str:
    return "'" + x.replace("'", "''") + "'"


CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "JPY")
BASE_RATE = np.array([1.0, 1.08, 1.27, 0.73, 0.66, 0.0067])
# (country, region, currency, weight in region, tax rate)
COUNTRIES = (
    ("US", 0, 0, 0.85, 0.0),
    ("CA", 0, 3, 0.15, 0.13),
    ("GB", 1, 2, 0.30, 0.20),
    ("DE", 1, 1, 0.20, 0.19),
    ("FR", 1, 1, 0.15, 0.20),
    ("NL", 1, 1, 0.10, 0.21),
    ("ES", 1, 1, 0.08, 0.21),
    ("IE", 1, 1, 0.05, 0.23),
    ("IT", 1, 1, 0.07, 0.22),
    ("AE", 1, 0, 0.05, 0.0),
    ("AU", 2, 4, 0.40, 0.10),
    ("JP", 2, 5, 0.30, 0.10),
    ("SG", 2, 0, 0.15, 0.0),
    ("IN", 2, 0, 0.15, 0.0),
    ("BR", 3, 0, 0.40, 0.0),
    ("MX", 3, 0, 0.35, 0.0),
    ("CL", 3, 0, 0.10, 0.0),
    ("AR", 3, 0, 0.15, 0.0),
)
INDUSTRIES = (
    "Software",
    "Financial Services",
    "Healthcare",
    "Retail",
    "Manufacturing",
    "Education",
    "Media",
    "Logistics",
    "Professional Services",
    "Public Sector",
)
JOB_TITLES = (
    "CEO",
    "CFO",
    "CTO",
    "Head of Operations",
    "IT Manager",
    "Finance Manager",
    "Product Manager",
    "Customer Success Lead",
    "Engineer",
    "Analyst",
    "Office Manager",
    "VP Sales",
)
COMMENTS = (
    "Great product, the team loves it.",
    "Does what we need.",
    "Support was quick and helpful.",
    "Too expensive for what we use.",
    "Reporting is slow and the export keeps failing.",
    "We are still onboarding.",
    "Missing integrations we need.",
    "Ask Maria Lopez in finance about the invoices (maria.lopez@example.org).",
    "Call me back on +1-555-0187, John Miller.",
    "Would be a 10 with better mobile support.",
    "Outage last month hurt us badly.",
    "Solid, no complaints.",
)
CANCEL_DETAILS = (
    "Moving to a cheaper tool.",
    "Budget frozen for next year.",
    "Company was acquired.",
    "Team stopped using it.",
    "Missing features we need.",
    "Unhappy with support response times.",
    "Card declined repeatedly.",
    "Chose a competitor after evaluation.",
)
FIRST_NAMES = (
    "Maria",
    "James",
    "Anna",
    "John",
    "Sofia",
    "David",
    "Emma",
    "Lucas",
    "Olivia",
    "Noah",
    "Mia",
    "Liam",
    "Ava",
    "Ethan",
    "Chloe",
    "Mateo",
    "Hannah",
    "Leo",
    "Grace",
    "Omar",
    "Yuki",
    "Hiro",
    "Priya",
    "Arjun",
    "Fatima",
    "Ali",
    "Lena",
    "Jonas",
    "Clara",
    "Felix",
    "Ines",
    "Pedro",
    "Zoe",
    "Sam",
    "Nina",
    "Tom",
    "Eva",
    "Max",
    "Lara",
    "Ben",
)
LAST_NAMES = (
    "Smith",
    "Lopez",
    "Miller",
    "Garcia",
    "Brown",
    "Muller",
    "Martin",
    "Rossi",
    "Silva",
    "Tanaka",
    "Sato",
    "Kumar",
    "Patel",
    "Khan",
    "Novak",
    "Dubois",
    "Jansen",
    "Nielsen",
    "Costa",
    "Walsh",
    "Kelly",
    "Schmidt",
    "Fischer",
    "Weber",
    "Moreau",
    "Bernard",
    "Suzuki",
    "Wang",
    "Chen",
    "Li",
    "Nguyen",
    "Kim",
    "Park",
    "Singh",
    "Cohen",
    "Levy",
    "Adams",
    "Clark",
    "Lewis",
    "Young",
)
NAME_ADJ = (
    "Blue",
    "Bright",
    "Cedar",
    "Clear",
    "Copper",
    "Crimson",
    "Delta",
    "Eagle",
    "Echo",
    "Evergreen",
    "First",
    "Golden",
    "Granite",
    "Green",
    "Harbor",
    "Iron",
    "Juniper",
    "Keystone",
    "Lake",
    "Liberty",
    "Lunar",
    "Maple",
    "Meridian",
    "Nimbus",
    "North",
    "Nova",
    "Oak",
    "Orbit",
    "Pacific",
    "Pine",
    "Prairie",
    "Quantum",
    "Rapid",
    "Red",
    "Ridge",
    "River",
    "Silver",
    "Summit",
    "Swift",
    "Vertex",
)
NAME_NOUN = (
    "Analytics",
    "Bakery",
    "Bank",
    "Bio",
    "Capital",
    "Cloud",
    "Dental",
    "Design",
    "Dynamics",
    "Energy",
    "Foods",
    "Freight",
    "Health",
    "Holdings",
    "Industries",
    "Insights",
    "Labs",
    "Legal",
    "Logistics",
    "Media",
    "Metrics",
    "Motors",
    "Networks",
    "Partners",
    "Pharma",
    "Robotics",
    "Security",
    "Shipping",
    "Software",
    "Solutions",
    "Studios",
    "Systems",
    "Telecom",
    "Textiles",
    "Therapeutics",
    "Tools",
    "Travel",
    "Ventures",
    "Water",
    "Works",
)
NAME_SUFFIX = ("", " Inc", " Ltd", " GmbH", " LLC", " Group", " AG", " SA")

DOMAINS: dict[str, Domain] = {
    "segment": Domain(
        ("SMB", "Mid-Market", "Enterprise"),
        stray=(
            (" smb", "SMB"),
            ("smb", "SMB"),
            ("SMB ", "SMB"),
            ("mid market", "Mid-Market"),
            ("MidMarket", "Mid-Market"),
            ("mid-market", "Mid-Market"),
            ("MID-MARKET", "Mid-Market"),
            ("enterprise", "Enterprise"),
            (" Enterprise ", "Enterprise"),
            ("ENTERPRISE", "Enterprise"),
        ),
    ),
    "region": Domain(
        ("NA", "EMEA", "APAC", "LATAM"),
        stray=(("na", "NA"), ("Emea", "EMEA"), (" APAC", "APAC"), ("latam ", "LATAM")),
    ),
    "country": Domain(tuple(c[0] for c in COUNTRIES)),
    "industry": Domain(INDUSTRIES),
    "channel": Domain(
        ("referral", "organic", "paid", "outbound", "partner", "event"),
        stray=(
            ("Referral", "referral"),
            (" organic", "organic"),
            ("Paid ", "paid"),
            ("OUTBOUND", "outbound"),
            ("Partner", "partner"),
            ("Event", "event"),
        ),
        unknown=("trade_show",),
        protect=("referral",),
    ),
    "job_title": Domain(JOB_TITLES),
    "activity_type": Domain(
        (
            "call",
            "email",
            "meeting",
            "business_review",
            "onboarding_session",
            "training",
        ),
        stray=(
            (" Email", "email"),
            ("CALL", "call"),
            ("Meeting ", "meeting"),
            ("Business_Review", "business_review"),
            ("training ", "training"),
        ),
        unknown=("webinar",),
    ),
    "priority": Domain(
        ("low", "normal", "high", "urgent"),
        stray=(
            ("URGENT ", "urgent"),
            ("Urgent", "urgent"),
            ("High", "high"),
            (" normal", "normal"),
            ("LOW", "low"),
        ),
        unknown=("p1",),
    ),
    "ticket_category": Domain(
        ("billing", "bug", "how_to", "outage", "feature_request"),
        stray=(("Bug", "bug"), (" billing", "billing"), ("OUTAGE", "outage")),
        unknown=("security",),
    ),
    "not_referring_reason": Domain(
        (
            "no_one_to_refer",
            "not_satisfied",
            "policy_forbids",
            "too_early",
            "price",
            "other",
        ),
        stray=(
            ("Price", "price"),
            (" too_early", "too_early"),
            ("NOT_SATISFIED", "not_satisfied"),
        ),
        unknown=("forgot",),
    ),
    "comment": Domain(COMMENTS),
    "referral_status": Domain(("submitted", "qualified", "converted", "rejected")),
    "opportunity_type": Domain(("new_business", "renewal", "expansion")),
    "stage": Domain(("open", "closed_won", "closed_lost")),
    "opportunity_reason": Domain(
        (
            "product_value",
            "support_quality",
            "price",
            "integration",
            "relationship",
            "no_alternative",
            "competitor",
            "budget_cut",
            "other",
        ),
        stray=(
            ("Price ", "price"),
            ("COMPETITOR", "competitor"),
            ("Product_Value", "product_value"),
        ),
        unknown=("timing",),
    ),
    "cancel_reason": Domain(
        (
            "price",
            "product_gap",
            "competitor",
            "budget_cut",
            "acquired_or_closed",
            "poor_support",
            "not_using",
            "payment_failure",
            "other",
        ),
        stray=(
            ("Price", "price"),
            (" not_using", "not_using"),
            ("COMPETITOR", "competitor"),
        ),
        unknown=("merger",),
    ),
    "cancel_detail": Domain(CANCEL_DETAILS),
    "feedback_type": Domain(
        (
            "feature_request",
            "bug_report",
            "review",
            "case_study",
            "reference_call",
            "social_mention",
            "beta_participation",
        ),
        stray=(("Review", "review"), (" feature_request", "feature_request")),
        unknown=("podcast",),
    ),
    "sentiment": Domain(
        ("positive", "neutral", "negative"),
        stray=(("Positive", "positive"), ("negative ", "negative")),
        unknown=("mixed",),
    ),
    "currency": Domain(
        CURRENCIES,
        stray=(
            (" eur", "EUR"),
            ("Gbp", "GBP"),
            ("usd", "USD"),
            ("cad ", "CAD"),
            ("Aud", "AUD"),
            ("jpy", "JPY"),
        ),
        unknown=("SEK",),  # only used by rows that break currency_without_rate
    ),
    "product_family": Domain(("core", "addon", "services")),
    "subscription_status": Domain(("active", "canceled", "past_due", "paused")),
    "invoice_status": Domain(("draft", "open", "paid", "void", "uncollectible")),
    "line_type": Domain(("recurring", "one_time", "usage", "discount", "tax")),
    "credit_reason": Domain(
        ("product_return", "service_credit", "billing_error", "goodwill")
    ),
    "payment_status": Domain(("succeeded", "failed", "refunded")),
}
SEK = DOMAINS["currency"].code("SEK")


# ------------------------------------------------------------------ table spec
@dataclass(frozen=True)
class Col:
    """One contract column: its kind says how raw numbers become the typed value."""

    name: str
    kind: str  # id cid cat date ts int bool dec2 dec4 dec52 dec8 text str
    arg: str = ""  # id prefix, domain name or SQL expression
    nullable: bool = False


@dataclass(frozen=True)
class TableSpec:
    """A landing table: columns, key, hard rules and which dirt applies."""

    name: str
    cols: tuple[Col, ...]
    key: tuple[str, ...]
    rules: tuple[str, ...] = ()
    helpers: tuple[str, ...] = ()  # raw-only columns used by text expressions
    stray: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    perturb: tuple[str, ...] = ()
    folder: bool = False
    dated_by: str = ""  # the column that dates a row (for rows after the as-of date)

    def col(self, name: str) -> Col:
        return next(c for c in self.cols if c.name == name)


SQL_TYPES = {
    "id": "VARCHAR",
    "cid": "VARCHAR",
    "cat": "VARCHAR",
    "text": "VARCHAR",
    "str": "VARCHAR",
    "date": "DATE",
    "ts": "TIMESTAMP",
    "int": "INTEGER",
    "bool": "BOOLEAN",
    "dec2": "DECIMAL(18,2)",
    "dec4": "DECIMAL(18,4)",
    "dec52": "DECIMAL(5,2)",
    "dec8": "DECIMAL(18,8)",
}
DEC_SCALE = {"dec2": (18, 2), "dec4": (18, 4), "dec52": (5, 2), "dec8": (18, 8)}


def _words(name: str) -> str:
    return "[" + ", ".join(_sql_str(w) for w in name) + "]"


def _company_sql(seed: str) -> str:
    a, n, s = len(NAME_ADJ), len(NAME_NOUN), len(NAME_SUFFIX)
    return (
        f"{_words(NAME_ADJ)}[1 + {seed} % {a}] || ' ' || "
        f"{_words(NAME_NOUN)}[1 + ({seed} // {a}) % {n}] || "
        f"{_words(NAME_SUFFIX)}[1 + ({seed} // {a * n}) % {s}]"
    )


def _slug_sql(seed: str) -> str:
    a, n = len(NAME_ADJ), len(NAME_NOUN)
    return (
        f"lower({_words(NAME_ADJ)}[1 + {seed} % {a}] || "
        f"{_words(NAME_NOUN)}[1 + ({seed} // {a}) % {n}])"
    )


def _person_sql(seed: str) -> str:
    f, last = len(FIRST_NAMES), len(LAST_NAMES)
    return (
        f"{_words(FIRST_NAMES)}[1 + {seed} % {f}] || ' ' || "
        f"{_words(LAST_NAMES)}[1 + ({seed} // {f}) % {last}]"
    )


def _email_sql(person: str, company: str) -> str:
    f, last = len(FIRST_NAMES), len(LAST_NAMES)
    return (
        f"lower({_words(FIRST_NAMES)}[1 + {person} % {f}] || '.' || "
        f"{_words(LAST_NAMES)}[1 + ({person} // {f}) % {last}]) || '@' || "
        f"{_slug_sql(company)} || '.example'"
    )


PLAN_NAME_SQL = (
    "['Core', 'Addon', 'Services'][family + 1] || ' ' || "
    "[['Starter', 'Growth', 'Business', 'Enterprise'], ['Analytics', 'Security'], "
    "['Onboarding Package', 'Training Day', 'Consulting Day']][family + 1][tier + 1]"
    " || case when family = 2 then '' else ' ' || "
    "case billing_interval_months when 1 then 'Monthly' when 3 then 'Quarterly' "
    "else 'Annual' end end || ' (' || "
    f"{DOMAINS['currency'].sql()}[currency + 1] || ')'"
)

SPECS: dict[str, TableSpec] = {
    s.name: s
    for s in (
        TableSpec(
            "crm_accounts",
            (
                Col("account_id", "id", "acc"),
                Col("account_name", "text", _company_sql("name_seed")),
                Col("billing_customer_id", "cid", "cus", True),
                Col("segment", "cat", "segment"),
                Col("industry", "cat", "industry", True),
                Col("region", "cat", "region", True),
                Col("country_code", "cat", "country", True),
                Col("acquisition_channel", "cat", "channel", True),
                Col("referred_by_account_id", "id", "acc", True),
                Col("created_at", "ts"),
                Col("is_deleted", "bool"),
            ),
            key=("account_id",),
            rules=("unknown_billing_customer",),
            helpers=("name_seed",),
            stray=("segment", "region", "acquisition_channel"),
            unknown=("acquisition_channel",),
            perturb=("segment", "industry", "name_seed"),
            dated_by="created_at",
        ),
        TableSpec(
            "crm_contacts",
            (
                Col("contact_id", "id", "con"),
                Col("account_id", "id", "acc"),
                Col("email", "text", _email_sql("person_seed", "company_seed"), True),
                Col("full_name", "text", _person_sql("person_seed"), True),
                Col(
                    "phone",
                    "text",
                    "'+1-555-01' || lpad(cast(person_seed % 100 as varchar), 2, '0')",
                    True,
                ),
                Col("job_title", "cat", "job_title", True),
                Col("created_at", "ts"),
            ),
            key=("contact_id",),
            helpers=("person_seed", "company_seed"),
            perturb=("job_title", "person_seed"),
            dated_by="created_at",
        ),
        TableSpec(
            "crm_activities",
            (
                Col("activity_id", "id", "act"),
                Col("account_id", "id", "acc"),
                Col("activity_type", "cat", "activity_type"),
                Col("occurred_at", "ts"),
                Col("duration_minutes", "int", nullable=True),
            ),
            key=("activity_id",),
            stray=("activity_type",),
            unknown=("activity_type",),
            perturb=("duration_minutes",),
            dated_by="occurred_at",
        ),
        TableSpec(
            "crm_support_tickets",
            (
                Col("ticket_id", "id", "tkt"),
                Col("account_id", "id", "acc"),
                Col("opened_at", "ts"),
                Col("closed_at", "ts", nullable=True),
                Col("priority", "cat", "priority"),
                Col("category", "cat", "ticket_category", True),
                Col("csat_score", "int", nullable=True),
            ),
            key=("ticket_id",),
            rules=("invalid_date_range", "score_out_of_range"),
            stray=("priority", "category"),
            unknown=("priority", "category"),
            perturb=("category",),
            dated_by="opened_at",
        ),
        TableSpec(
            "crm_nps_responses",
            (
                Col("response_id", "id", "nps"),
                Col("account_id", "id", "acc"),
                Col("contact_id", "id", "con", True),
                Col("responded_at", "ts"),
                Col("score", "int", nullable=True),
                Col("would_refer", "bool", nullable=True),
                Col("not_referring_reason", "cat", "not_referring_reason", True),
                Col("comment", "cat", "comment", True),
            ),
            key=("response_id",),
            rules=("score_out_of_range",),
            stray=("not_referring_reason",),
            unknown=("not_referring_reason",),
            perturb=("comment",),
            dated_by="responded_at",
        ),
        TableSpec(
            "crm_referrals",
            (
                Col("referral_id", "id", "ref"),
                Col("referrer_account_id", "id", "acc"),
                Col("referred_company", "text", _company_sql("company_seed")),
                Col("referred_account_id", "id", "acc", True),
                Col("referred_at", "ts"),
                Col("status", "cat", "referral_status"),
            ),
            key=("referral_id",),
            helpers=("company_seed",),
            perturb=("company_seed",),
            dated_by="referred_at",
        ),
        TableSpec(
            "crm_opportunities",
            (
                Col("opportunity_id", "id", "opp"),
                Col("account_id", "id", "acc"),
                Col("subscription_id", "id", "sub", True),
                Col("opportunity_type", "cat", "opportunity_type"),
                Col("stage", "cat", "stage"),
                Col("amount", "dec2", nullable=True),
                Col("currency", "cat", "currency", True),
                Col("created_at", "ts"),
                Col("close_date", "date", nullable=True),
                Col("reason_code", "cat", "opportunity_reason", True),
            ),
            key=("opportunity_id",),
            rules=("currency_without_rate",),
            stray=("reason_code", "currency"),
            unknown=("reason_code",),
            perturb=("amount",),
            dated_by="created_at",
        ),
        TableSpec(
            "crm_cancellations",
            (
                Col("cancellation_id", "id", "can"),
                Col("account_id", "id", "acc"),
                Col("subscription_id", "id", "sub", True),
                Col("requested_at", "ts"),
                Col("effective_date", "date"),
                Col("reason_code", "cat", "cancel_reason"),
                Col("reason_detail", "cat", "cancel_detail", True),
            ),
            key=("cancellation_id",),
            stray=("reason_code",),
            unknown=("reason_code",),
            perturb=("reason_detail",),
            dated_by="requested_at",
        ),
        TableSpec(
            "crm_feedback",
            (
                Col("feedback_id", "id", "fb"),
                Col("account_id", "id", "acc"),
                Col("submitted_at", "ts"),
                Col("feedback_type", "cat", "feedback_type"),
                Col("sentiment", "cat", "sentiment", True),
            ),
            key=("feedback_id",),
            stray=("feedback_type", "sentiment"),
            unknown=("feedback_type", "sentiment"),
            perturb=("sentiment",),
            dated_by="submitted_at",
        ),
        TableSpec(
            "product_usage_daily",
            (
                Col("account_id", "id", "acc"),
                Col("usage_date", "date"),
                Col("active_users", "int"),
                Col("sessions", "int"),
                Col("key_actions", "int"),
            ),
            key=("account_id", "usage_date"),
            perturb=("key_actions",),
            folder=True,
            dated_by="usage_date",
        ),
        TableSpec(
            "billing_customers",
            (
                Col("customer_id", "id", "cus"),
                Col(
                    "customer_name",
                    "text",
                    "case when is_test then 'TEST - ' else '' end || "
                    + _company_sql("name_seed"),
                ),
                Col(
                    "email",
                    "text",
                    "case when is_test then 'qa+' || cast(name_seed as varchar) "
                    "|| '@ourcompany.example' else "
                    + _email_sql("person_seed", "name_seed")
                    + " end",
                    True,
                ),
                Col("country_code", "cat", "country", True),
                Col("currency", "cat", "currency"),
                Col("payment_terms_days", "int", nullable=True),
                Col("created_at", "ts"),
                Col("is_test", "bool"),
            ),
            key=("customer_id",),
            helpers=("name_seed", "person_seed"),
            stray=("currency",),
            perturb=("person_seed",),
            dated_by="created_at",
        ),
        TableSpec(
            "billing_plans",
            (
                Col("plan_id", "id", "plan"),
                Col("plan_name", "text", PLAN_NAME_SQL),
                Col("product_family", "cat", "product_family"),
                Col("billing_interval_months", "int"),
                Col("is_recurring", "bool"),
                Col("list_price", "dec4"),
                Col("currency", "cat", "currency"),
            ),
            key=("plan_id",),
            rules=("invalid_billing_interval",),
            helpers=("family", "tier"),
            stray=("currency",),
            perturb=("list_price",),
        ),
        TableSpec(
            "billing_subscriptions",
            (
                Col("subscription_id", "id", "sub"),
                Col("customer_id", "cid", "cus", True),
                Col("created_at", "ts"),
                Col("status", "cat", "subscription_status"),
                Col("canceled_at", "ts", nullable=True),
                Col("auto_renew", "bool", nullable=True),
            ),
            key=("subscription_id",),
            rules=("unknown_billing_customer",),
            perturb=("auto_renew",),
            dated_by="created_at",
        ),
        TableSpec(
            "billing_subscription_versions",
            (
                Col("version_id", "id", "ver"),
                Col("subscription_id", "id", "sub"),
                Col("plan_id", "id", "plan"),
                Col("quantity", "int", nullable=True),
                Col("unit_price", "dec4"),
                Col("discount_pct", "dec52", nullable=True),
                Col("billing_interval_months", "int"),
                Col("currency", "cat", "currency"),
                Col("valid_from", "date"),
                Col("valid_to", "date", nullable=True),
                Col("contract_end_date", "date"),
            ),
            key=("version_id",),
            rules=(
                "invalid_date_range",
                "quantity_not_positive",
                "discount_out_of_range",
                "invalid_billing_interval",
                "currency_without_rate",
            ),
            stray=("currency",),
            perturb=("quantity", "unit_price"),
            dated_by="valid_from",
        ),
        TableSpec(
            "billing_invoices",
            (
                Col("invoice_id", "id", "inv"),
                Col("customer_id", "cid", "cus"),
                Col("subscription_id", "id", "sub", True),
                Col("invoice_date", "date"),
                Col("due_date", "date"),
                Col("currency", "cat", "currency"),
                Col("status", "cat", "invoice_status"),
                Col("total_amount", "dec2"),
            ),
            key=("invoice_id",),
            rules=(
                "unknown_billing_customer",
                "invalid_date_range",
                "currency_without_rate",
            ),
            stray=("currency",),
            perturb=("status", "total_amount"),
            dated_by="invoice_date",
        ),
        TableSpec(
            "billing_invoice_lines",
            (
                Col("line_id", "id", "lin"),
                Col("invoice_id", "id", "inv"),
                Col("line_type", "cat", "line_type"),
                Col("plan_id", "id", "plan", True),
                Col("quantity", "dec4", nullable=True),
                Col("amount", "dec2"),
                Col("period_start", "date", nullable=True),
                Col("period_end", "date", nullable=True),
            ),
            key=("line_id",),
            rules=("invalid_date_range",),
            perturb=("amount",),
            folder=True,
        ),
        TableSpec(
            "billing_credit_notes",
            (
                Col("credit_note_id", "id", "cn"),
                Col("invoice_id", "id", "inv", True),
                Col("customer_id", "cid", "cus"),
                Col("issued_date", "date"),
                Col("amount", "dec2"),
                Col("currency", "cat", "currency"),
                Col("reason", "cat", "credit_reason"),
            ),
            key=("credit_note_id",),
            rules=("unknown_billing_customer", "currency_without_rate"),
            stray=("currency",),
            perturb=("amount",),
            dated_by="issued_date",
        ),
        TableSpec(
            "billing_payments",
            (
                Col("payment_id", "id", "pay"),
                Col("invoice_id", "id", "inv"),
                Col("customer_id", "cid", "cus"),
                Col("paid_at", "ts"),
                Col("amount", "dec2"),
                Col("currency", "cat", "currency"),
                Col("status", "cat", "payment_status"),
            ),
            key=("payment_id",),
            rules=("unknown_billing_customer", "currency_without_rate"),
            stray=("currency",),
            perturb=("amount",),
            dated_by="paid_at",
        ),
        TableSpec(
            "fx_rates",
            (
                Col("rate_date", "date"),
                Col("currency", "cat", "currency"),
                Col("rate_to_reporting", "dec8", nullable=True),
            ),
            key=("rate_date", "currency"),
            rules=("rate_not_positive",),
            perturb=("rate_to_reporting",),
            dated_by="rate_date",
        ),
    )
}
TABLES = tuple(SPECS)
# the columns and SQL types of every table as written (used by tests and docs)
CONTRACT = {
    t: [(c.name, SQL_TYPES[c.kind]) for c in s.cols] + [("_extracted_at", "TIMESTAMP")]
    for t, s in SPECS.items()
}


# --------------------------------------------------------------------- helpers
def _rng(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per stage, stable across runs and versions."""
    return np.random.default_rng(
        np.random.SeedSequence([seed, zlib.crc32(name.encode())])
    )


def _day(d: dt.date) -> int:
    return (d - EPOCH).days


def add_months(days: np.ndarray, k: np.ndarray | int) -> np.ndarray:
    """Calendar month arithmetic on day numbers (day of month clipped to month end)."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    dom = (d - m.astype("datetime64[D]")).astype(np.int64)
    m2 = m + np.asarray(k, dtype=np.int64)
    first = m2.astype("datetime64[D]").astype(np.int64)
    nxt = (m2 + 1).astype("datetime64[D]").astype(np.int64)
    return (first + np.minimum(dom, nxt - first - 1)).astype(np.int64)


def month_no(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of each day number."""
    return (
        np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]")
    ).astype(np.int64)


def month_start(days: np.ndarray) -> np.ndarray:
    """First day of the month of each day number."""
    return np.asarray(days, dtype=np.int64) - _dom(days)


def _dom(days: np.ndarray) -> np.ndarray:
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    return (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(parent index, position within parent) for a repeat by counts."""
    counts = np.asarray(counts, dtype=np.int64)
    parent = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    pos = np.arange(len(parent)) - np.repeat(starts, counts)
    return parent, pos


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def pick(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One category per row from a rows x categories weight matrix."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cum[:, -1]
    return (cum < u[:, None]).sum(axis=1).astype(np.int64)


def choose(rng: np.random.Generator, n: int, p: list[float]) -> np.ndarray:
    p_arr = np.asarray(p, dtype=float)
    return rng.choice(len(p_arr), size=n, p=p_arr / p_arr.sum()).astype(np.int64)


def n_of(rate: float, n: int) -> int:
    """A dirt count: rate of n, at least one."""
    return max(1, round(rate * n))


def group_first(keys: np.ndarray) -> np.ndarray:
    """True where a sorted key array starts a new group."""
    out = np.ones(len(keys), dtype=bool)
    if len(keys):
        out[1:] = keys[1:] != keys[:-1]
    return out


def group_last(keys: np.ndarray) -> np.ndarray:
    """True where a sorted key array ends a group."""
    out = np.ones(len(keys), dtype=bool)
    if len(keys):
        out[:-1] = keys[1:] != keys[:-1]
    return out


def rank_ids(*keys: np.ndarray) -> np.ndarray:
    """1-based ids in lexicographic order of the keys (first key primary)."""
    order = np.lexsort(tuple(reversed(keys)))
    ids = np.empty(len(order), dtype=np.int64)
    ids[order] = np.arange(1, len(order) + 1)
    return ids


# ----------------------------------------------------------------------- frame
class Frame:
    """Raw columns of one table: numbers, day numbers, seconds and category codes."""

    def __init__(
        self, cols: dict[str, np.ndarray], nulls: dict[str, np.ndarray] | None = None
    ):
        self.cols = cols
        self.nulls = {k: v for k, v in (nulls or {}).items() if v is not None}
        self.n = len(next(iter(cols.values())))

    def take(self, idx: np.ndarray) -> Frame:
        return Frame(
            {k: v[idx] for k, v in self.cols.items()},
            {k: v[idx] for k, v in self.nulls.items()},
        )

    def null(self, name: str) -> np.ndarray:
        return self.nulls.get(name, np.zeros(self.n, dtype=bool))

    @staticmethod
    def concat(frames: list[Frame]) -> Frame:
        names = list(frames[0].cols)
        cols = {k: np.concatenate([f.cols[k] for f in frames]) for k in names}
        null_names = sorted({k for f in frames for k in f.nulls})
        nulls = {k: np.concatenate([f.null(k) for f in frames]) for k in null_names}
        return Frame(cols, nulls)


# ---------------------------------------------------------------------- params
@dataclass(frozen=True)
class Params:
    """Run parameters and the calendar derived from them."""

    customers: int
    months: int
    seed: int
    as_of: int
    usage_days: int
    dirty: bool

    @property
    def history_start(self) -> int:
        """First day of the first month of history."""
        return int(month_start(add_months(np.array([self.as_of]), 1 - self.months))[0])

    @property
    def horizon(self) -> int:
        return self.as_of + 75

    @property
    def fx_start(self) -> int:
        d = self.history_start - 200
        wd = (d + 3) % 7  # 0 = Monday
        return d + (7 - wd if wd >= 5 else 0)

    @property
    def extract_ts(self) -> int:
        return self.as_of * DAY + 23 * 3600


# ------------------------------------------------------------------ the writer
class Writer:
    """Injects dirt (if asked), sorts by key, formats and writes tables; counts."""

    def __init__(self, p: Params, out: Path, fmt: str):
        self.p = p
        self.out = out
        self.fmt = fmt
        self.width: dict[str, int] = {}
        self.con = duckdb.connect()
        # one thread keeps rows in insertion (key) order without buffering the
        # whole result, which preserve_insertion_order does with several threads
        self.con.execute("set threads = 1")
        self.con.execute("set preserve_insertion_order = true")
        self.raw_rows: dict[str, int] = {}
        self.duplicates: dict[str, int] = {}
        self.quarantine: dict[str, dict[str, int]] = {}
        self.clean_rows: dict[str, int] = {}
        self.dirt: dict[str, dict[str, int]] = {
            "exact_duplicates": {},
            "re_exports": {},
        }
        self.stray: dict[str, int] = {}
        self.unknown: dict[str, int] = {}
        self.after_as_of: dict[str, int] = {}

    def set_width(self, prefix: str, n: int) -> None:
        """Zero padding of ids: 7 digits or more, with room for dirty fresh keys."""
        need = len(str(int(n * 1.05) + 1000))
        self.width[prefix] = max(self.width.get(prefix, 7), need)

    # -- dirt ---------------------------------------------------------------
    def _categories(self, spec: TableSpec, f: Frame, rng: np.random.Generator) -> None:
        for name in spec.stray:
            dom = DOMAINS[spec.col(name).arg]
            codes = f.cols[name]
            ok = ~f.null(name) & (codes < len(dom.values))
            cand = np.flatnonzero(ok)
            if not len(cand):
                continue
            idx = rng.choice(
                cand, min(len(cand), n_of(STRAY_RATE, len(cand))), replace=False
            )
            for ci, value in enumerate(dom.values):
                variants = [
                    len(dom.values) + j
                    for j, (_, c) in enumerate(dom.stray)
                    if c == value
                ]
                sel = idx[codes[idx] == ci]
                if variants and len(sel):
                    codes[sel] = rng.choice(variants, len(sel))
        for name in spec.unknown:
            dom = DOMAINS[spec.col(name).arg]
            codes = f.cols[name]
            ok = ~f.null(name) & (codes < len(dom.values))
            for v in dom.protect:
                ok &= codes != dom.code(v)
            cand = np.flatnonzero(ok)
            if not len(cand):
                continue
            idx = rng.choice(
                cand, min(len(cand), n_of(UNKNOWN_RATE, len(cand))), replace=False
            )
            base = len(dom.values) + len(dom.stray)
            codes[idx] = base + rng.integers(0, len(dom.unknown), len(idx))

    def _perturb(self, spec: TableSpec, f: Frame, rng: np.random.Generator) -> None:
        for name in spec.perturb:
            v = f.cols[name]
            if name in spec.helpers:
                f.cols[name] = v + rng.integers(1, 997, f.n)
                continue
            col = spec.col(name)
            if col.kind == "cat":
                nv = len(DOMAINS[col.arg].values)
                canon = v < nv
                f.cols[name] = np.where(canon, (v + rng.integers(1, nv, f.n)) % nv, v)
            elif col.kind == "int":
                f.cols[name] = v + rng.integers(1, 6, f.n).astype(v.dtype)
            elif col.kind.startswith("dec"):
                f.cols[name] = np.rint(v * rng.uniform(1.01, 1.2, f.n)).astype(np.int64)
            elif col.kind == "bool":
                f.cols[name] = ~v

    def _dirty(
        self, spec: TableSpec, f: Frame, breakers: Breakers
    ) -> tuple[Frame, int, dict]:
        """Add dirt; return (all rows in key order, duplicates, quarantine counts)."""
        rng = _rng(self.p.seed, "dirt/" + spec.name)
        n = f.n
        if n == 0:  # nothing to copy dirt from (tiny runs)
            self.dirt["exact_duplicates"][spec.name] = 0
            self.dirt["re_exports"][spec.name] = 0
            return f, 0, {}
        for name in {*spec.stray, *spec.unknown}:
            f.cols[name] = f.cols[name].copy()  # never alter the caller's arrays
        self._categories(spec, f, rng)
        extras = []
        n_dup = min(n, n_of(DUP_RATE, n))
        extras.append(f.take(np.sort(rng.choice(n, n_dup, replace=False))))
        n_re = min(n, n_of(REEXPORT_RATE, n))
        re = f.take(np.sort(rng.choice(n, n_re, replace=False)))
        re.cols["_extracted_at"] = -rng.integers(DAY, 5 * DAY + 1, n_re).astype(
            np.int32
        )
        self._perturb(spec, re, rng)
        extras.append(re)
        quarantine: dict[str, int] = {}
        nk = n_of(NULL_KEY_RATE, n)
        nkf = f.take(rng.choice(n, nk))
        which = rng.integers(0, len(spec.key), nk)
        for i, k in enumerate(spec.key):
            nkf.nulls[k] = nkf.null(k) | (which == i)
        extras.append(nkf)
        quarantine["null_key"] = nk
        next_key = int(f.cols[spec.key[0]].max()) + 1 if len(spec.key) == 1 else 0
        for rule in spec.rules:
            k = n_of(RULE_RATE, n)
            bad = breakers.make(spec.name, rule, f, k, rng)
            if not bad.n:
                continue
            if len(spec.key) == 1:
                bad.cols[spec.key[0]] = next_key + np.arange(bad.n)
                next_key += bad.n
            extras.append(bad)
            quarantine[rule] = bad.n
        self.dirt["exact_duplicates"][spec.name] = n_dup
        self.dirt["re_exports"][spec.name] = n_re
        for name in spec.stray + spec.unknown:
            dom = DOMAINS[spec.col(name).arg]
            codes = f.cols[name][~f.null(name)]
            nv, ns = len(dom.values), len(dom.stray)
            if name in spec.stray:
                self.stray[f"{spec.name}.{name}"] = int(
                    ((codes >= nv) & (codes < nv + ns)).sum()
                )
            if name in spec.unknown:
                self.unknown[f"{spec.name}.{name}"] = int((codes >= nv + ns).sum())
        # merge the extra rows into the key-ordered real rows, one column at a time
        x = Frame.concat(extras)
        xkey = self._sort_key(spec, x)
        o = np.lexsort((x.cols["_extracted_at"], xkey))
        x = x.take(o)
        xkey = xkey[o]
        pos = np.searchsorted(self._sort_key(spec, f), xkey, side="left")
        for k in f.cols:
            f.cols[k] = np.insert(f.cols[k], pos, x.cols[k].astype(f.cols[k].dtype))
        for k in {*f.nulls, *x.nulls}:
            f.nulls[k] = np.insert(f.null(k), pos, x.null(k))
        f.n += x.n
        return f, n_dup + n_re, quarantine

    @staticmethod
    def _sort_key(spec: TableSpec, f: Frame) -> np.ndarray:
        """One int64 per row ordering rows by key (null keys last)."""
        big = np.iinfo(np.int64).max
        k1 = f.cols[spec.key[0]].astype(np.int64)
        if len(spec.key) == 2:
            k1 = k1 * (1 << 32) + f.cols[spec.key[1]].astype(np.int64)
        null = f.null(spec.key[0])
        for k in spec.key[1:]:
            null = null | f.null(k)
        return np.where(null, big, k1)

    # -- write --------------------------------------------------------------
    def write(self, name: str, f: Frame, breakers: Breakers | None = None) -> None:
        spec = SPECS[name]
        t0 = time.time()
        # _extracted_at: seconds relative to the extract time (0 = as_of 23:00:00)
        f.cols.setdefault("_extracted_at", np.zeros(f.n, dtype=np.int32))
        if len(spec.key) == 1 and spec.key[0] not in f.nulls:
            key = f.cols[spec.key[0]]  # the common case: no copy needed
        else:
            key = self._sort_key(spec, f)
        if f.n > 1 and not bool(np.all(key[1:] > key[:-1])):
            order = np.argsort(key, kind="stable")
            for k in f.cols:
                f.cols[k] = f.cols[k][order]
            for k in f.nulls:
                f.nulls[k] = f.nulls[k][order]
            del order
        del key
        n_clean = f.n
        if spec.dated_by:  # clean rows dated after the as-of date
            d = f.cols[spec.dated_by]
            if spec.col(spec.dated_by).kind == "ts":
                d = d // DAY
            self.after_as_of[name] = int((d > self.p.as_of).sum())
        dups, quarantine = 0, {}
        if self.p.dirty:
            assert breakers is not None
            f, dups, quarantine = self._dirty(spec, f, breakers)
        self.raw_rows[name] = f.n
        self.duplicates[name] = dups
        self.quarantine[name] = quarantine
        self.clean_rows[name] = n_clean
        assert f.n == n_clean + dups + sum(quarantine.values())
        self._copy(spec, f)
        if VERBOSE:
            print(
                f"  {name}: {self.raw_rows[name]:,} rows ({time.time() - t0:.1f}s, "
                f"peak RSS {_peak_rss_mib():,.0f} MiB)",
                file=sys.stderr,
            )

    def _arrow(self, spec: TableSpec, f: Frame) -> pa.Table:
        """Raw columns as arrow (numbers passed without copies; SQL converts)."""
        arrays: dict[str, pa.Array] = {}
        for c in [*spec.cols, Col("_extracted_at", "ts")]:
            if c.kind == "text":
                if c.nullable:
                    arrays[c.name + "__null"] = pa.array(f.null(c.name))
                continue
            v = f.cols[c.name]
            mask = f.nulls.get(c.name)
            if c.kind in DEC_SCALE:
                arrays[c.name] = _decimal(v, *DEC_SCALE[c.kind], mask)
            elif c.kind == "bool":
                arrays[c.name] = pa.array(np.asarray(v, dtype=bool), mask=mask)
            else:
                arrays[c.name] = pa.array(v, mask=mask)
        for h in spec.helpers:
            arrays[h] = pa.array(f.cols[h])
        return pa.table(arrays)

    def _select(self, spec: TableSpec) -> str:
        out = []
        extract_us = self.p.extract_ts * 1_000_000
        for c in [*spec.cols, Col("_extracted_at", "ts")]:
            q = f'"{c.name}"'
            if c.name == "_extracted_at":
                expr = f"make_timestamp({extract_us} + cast({q} as bigint) * 1000000)"
            elif c.kind == "id":
                width = self.width[c.arg]
                expr = f"'{c.arg}_' || lpad(cast({q} as varchar), {width}, '0')"
            elif c.kind == "cid":
                expr = (
                    f"case when {q} < 0 then '{c.arg}_ghost_' || "
                    f"lpad(cast(-{q} as varchar), 6, '0') else '{c.arg}_' || "
                    f"lpad(cast({q} as varchar), {self.width[c.arg]}, '0') end"
                )
            elif c.kind == "cat":
                expr = f"{DOMAINS[c.arg].sql()}[{q} + 1]"
            elif c.kind == "text":
                expr = f"({c.arg})"
                if c.nullable:
                    expr = f'case when "{c.name}__null" then null else {expr} end'
            elif c.kind == "date":
                expr = f"date '1970-01-01' + cast({q} as integer)"
            elif c.kind == "ts":
                expr = f"make_timestamp(cast({q} as bigint) * 1000000)"
            else:
                expr = q
            out.append(f"cast({expr} as {SQL_TYPES[c.kind]}) as {q}")
        return ", ".join(out)

    def _copy(self, spec: TableSpec, f: Frame) -> None:
        for prefix in {c.arg for c in spec.cols if c.kind in ("id", "cid")}:
            for c in spec.cols:
                if c.arg == prefix and c.kind in ("id", "cid") and f.n:
                    mx = int(np.max(f.cols[c.name], initial=0))
                    if len(str(mx)) > self.width.setdefault(prefix, 7):
                        self.width[prefix] = len(str(mx))
                        raise RuntimeError(f"id width of {prefix} too small for {mx}")
        for stale in (
            self.out / f"{spec.name}.parquet",
            self.out / f"{spec.name}.csv",
            self.out / spec.name,
        ):
            if stale.is_dir():
                shutil.rmtree(stale)
            elif stale.exists():
                stale.unlink()
        tbl = self._arrow(spec, f)
        select = self._select(spec)
        if self.fmt == "csv":
            self._copy_one(tbl, select, self.out / f"{spec.name}.csv", "csv")
        elif spec.folder:
            folder = self.out / spec.name
            folder.mkdir(parents=True)
            n_parts = max(3, -(-f.n // 4_000_000))
            bounds = np.linspace(0, f.n, n_parts + 1).astype(np.int64)
            for i in range(n_parts):
                part = tbl.slice(int(bounds[i]), int(bounds[i + 1] - bounds[i]))
                self._copy_one(
                    part, select, folder / f"part-{i:05d}.parquet", "parquet"
                )
        else:
            self._copy_one(tbl, select, self.out / f"{spec.name}.parquet", "parquet")

    def _copy_one(self, tbl: pa.Table, select: str, path: Path, fmt: str) -> None:
        self.con.register("raw_rows", tbl)
        opts = "format csv, header true" if fmt == "csv" else "format parquet"
        self.con.execute(f"copy (select {select} from raw_rows) to '{path}' ({opts})")
        self.con.unregister("raw_rows")


def _decimal(
    v: np.ndarray, precision: int, scale: int, mask: np.ndarray | None
) -> pa.Array:
    """A decimal128 arrow array from integers already scaled by 10**scale."""
    v = np.ascontiguousarray(v, dtype=np.int64)
    buf = np.empty((len(v), 2), dtype=np.int64)
    buf[:, 0] = v
    buf[:, 1] = v >> 63
    validity = None
    if mask is not None and mask.any():
        validity = pa.array(~mask).buffers()[1]
    return pa.Array.from_buffers(
        pa.decimal128(precision, scale), len(v), [validity, pa.py_buffer(buf)]
    )


VERBOSE = False


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------- rule breakers
class Breakers:
    """Extra rows for the dirty mode that each break exactly one hard rule.

    Each starts as a copy of a real (clean) row; the writer then gives it a fresh
    key, so the clean truth is untouched and the row is quarantined for the rule.
    """

    def __init__(self, p: Params):
        self.p = p

    def make(
        self, table: str, rule: str, f: Frame, k: int, rng: np.random.Generator
    ) -> Frame:
        elig = np.ones(f.n, dtype=bool)
        if table == "billing_invoice_lines":
            elig = ~f.null("period_start")
        elif table == "crm_opportunities":
            elig = ~f.null("amount")
        cand = np.flatnonzero(elig)
        if not len(cand):
            return f.take(cand)
        t = f.take(rng.choice(cand, k))
        nulls = t.nulls
        second = np.arange(k) % 3 == 1  # a few variants use null as the bad value
        if rule == "unknown_billing_customer":
            col = "billing_customer_id" if table == "crm_accounts" else "customer_id"
            t.cols[col] = -(1 + np.arange(k))
            nulls[col] = second & (table == "billing_subscriptions")
        elif rule == "invalid_date_range":
            lo, hi = {
                "crm_support_tickets": ("opened_at", "closed_at"),
                "billing_subscription_versions": ("valid_from", "valid_to"),
                "billing_invoices": ("invoice_date", "due_date"),
                "billing_invoice_lines": ("period_start", "period_end"),
            }[table]
            step = (
                rng.integers(3600, 3 * DAY, k)
                if lo == "opened_at"
                else rng.integers(1, 21, k)
            )
            t.cols[hi] = t.cols[lo] - step
            nulls[hi] = np.zeros(k, dtype=bool)
        elif rule == "score_out_of_range":
            col = "csat_score" if table == "crm_support_tickets" else "score"
            bad = [0, 6, 9, -1] if table == "crm_support_tickets" else [11, -1, 12]
            t.cols[col] = rng.choice(bad, k)
            nulls[col] = second & (table == "crm_nps_responses")
        elif rule == "currency_without_rate":
            t.cols["currency"] = np.full(k, SEK)
            nulls["currency"] = np.zeros(k, dtype=bool)
        elif rule == "quantity_not_positive":
            t.cols["quantity"] = rng.choice([0, -1, -5], k)
            nulls["quantity"] = second
        elif rule == "discount_out_of_range":
            t.cols["discount_pct"] = rng.choice([12000, -500, 10050], k)
            nulls["discount_pct"] = np.zeros(k, dtype=bool)
        elif rule == "invalid_billing_interval":
            t.cols["billing_interval_months"] = rng.choice([6, 2, 24, 0], k)
        elif rule == "rate_not_positive":
            t.cols["rate_date"] = self.p.fx_start - 1 - np.arange(k)
            t.cols["rate_to_reporting"] = np.where(
                rng.random(k) < 0.5, 0, -t.cols["rate_to_reporting"]
            )
            nulls["rate_to_reporting"] = second
        else:
            raise ValueError(f"no breaker for {table}.{rule}")
        return t


# ---------------------------------------------------------------- the world
SEG_P = [0.68, 0.24, 0.08]
TIER_P = [[0.45, 0.45, 0.1, 0.0], [0.05, 0.4, 0.45, 0.1], [0.0, 0.1, 0.45, 0.45]]
INTERVAL_P = [[0.7, 0.1, 0.2], [0.35, 0.25, 0.4], [0.1, 0.15, 0.75]]
INTERVALS = np.array([1, 3, 12])
# list price per seat per month in USD: core tiers, addon tiers; services per unit
SEAT_PRICE = [[12.0, 29.0, 59.0, 99.0], [6.0, 10.0], [1500.0, 1200.0, 1800.0]]
MAX_TIER = np.array([3, 1])
AMEND_RATE = np.array([0.25, 0.6, 1.0])
SEG_CHURN_OFFSET = np.array([0.35, 0.0, -0.6])
# these four keep churns and come-backs (reactivations) in most months of a run
FOUNDING_SHARE = 0.3  # customers migrated at the start (first term 1-12 months)
LATE_RENEWAL_SHARE = 0.2  # renewals signed 1-30 days after the contract end
WINBACK_RATE = 0.3  # share of customers who left that come back
WINBACK_GAP_DAYS = (30, 180)  # how long after they left
EARLY_SHIFT = 2.6
KEY_SPAN = 1 << 19
CURRENCY_ROUND = np.array([1, 1, 1, 1, 1, 100])  # JPY amounts in whole yen


class World:
    """All generated arrays (internal indices; ids are assigned at write time)."""

    def __init__(self, p: Params):
        self.p = p
        self.key_base = p.fx_start - 2000
        self.planted: dict[str, object] = {}

    # -- calendar -----------------------------------------------------------
    def health_at(self, cust: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Latent health, linearly interpolated between monthly grid points."""
        g = self.H.shape[1]
        m = np.clip(month_no(day) - self.base_month, 0, g - 2)
        f = np.clip((day - self.ms[m]) / (self.ms[m + 1] - self.ms[m]), 0.0, 1.0)
        return self.H[cust, m] * (1 - f) + self.H[cust, m + 1] * f

    def ekey(self, cust: np.ndarray, day: np.ndarray) -> np.ndarray:
        return cust.astype(np.int64) * KEY_SPAN + (day - self.key_base)


def build_fx(p: Params, w: World) -> Frame:
    rng = _rng(p.seed, "fx")
    days = np.arange(p.fx_start, p.as_of + 1)
    days = days[(days + 3) % 7 < 5]
    steps = rng.normal(0.0, 0.0045, (len(days), len(CURRENCIES)))
    steps[:, 0] = 0.0
    rates = BASE_RATE * np.exp(np.cumsum(steps, axis=0))
    w.fx_days = days
    w.fx_rates = rates
    d, c = np.meshgrid(days, np.arange(1, len(CURRENCIES)), indexing="ij")
    return Frame(
        {
            "rate_date": d.ravel(),
            "currency": c.ravel(),
            "rate_to_reporting": np.rint(rates[:, 1:].ravel() * 1e8).astype(np.int64),
        }
    )


def fx_at(w: World, cur: np.ndarray, day: np.ndarray) -> np.ndarray:
    """USD per unit: latest rate on or before the day."""
    i = np.clip(
        np.searchsorted(w.fx_days, day, side="right") - 1, 0, len(w.fx_days) - 1
    )
    return w.fx_rates[i, cur]


def build_customers(p: Params, w: World) -> None:
    rng = _rng(p.seed, "customers")
    n = p.customers
    n_after = max(1, round(0.003 * n))
    n_now = n - n_after
    hs, a = p.history_start, p.as_of
    founding = rng.random(n_now) < FOUNDING_SHARE
    span = a - hs + 1
    day = np.where(
        founding,
        hs + rng.integers(0, 45, n_now),
        hs + np.floor(span * rng.random(n_now) ** 0.85).astype(np.int64),
    )
    day = np.minimum(day, a)
    day = np.concatenate([day, a + 1 + rng.integers(0, 30, n_after)])
    created = day * DAY + rng.integers(7 * 3600, 20 * 3600, n)
    founding = np.concatenate([founding, np.zeros(n_after, dtype=bool)])
    order = np.argsort(created, kind="stable")
    w.created = created[order]
    w.founding = founding[order]
    w.after = w.created // DAY > a
    w.n = n

    w.seg = choose(rng, n, SEG_P)
    w.region = choose(rng, n, [0.5, 0.3, 0.12, 0.08])
    ctab = np.zeros((4, len(COUNTRIES)))
    for i, (_, r, _, wt, _) in enumerate(COUNTRIES):
        ctab[r, i] = wt
    w.country = pick(rng, ctab[w.region])
    w.currency = np.array([c[2] for c in COUNTRIES])[w.country]
    w.tax_rate = np.array([c[4] for c in COUNTRIES])[w.country]

    # planted groups (disjoint), among customers created on or before as-of
    perm = rng.permutation(np.flatnonzero(~w.after))
    sizes = [
        max(1, round(0.005 * n)),  # test customers
        max(1, round(0.03 * n)),  # no CRM account
        max(1, round(0.02 * n)),  # two accounts, newer wins
        max(1, round(0.01 * n)),  # two accounts, newer deleted
        max(1, round(0.01 * n)),  # only account deleted
    ]
    bounds = np.cumsum([0, *sizes])
    groups = [perm[bounds[i] : bounds[i + 1]] for i in range(len(sizes))]
    w.is_test = np.zeros(n, dtype=bool)
    w.is_test[groups[0]] = True
    w.crm_cat = np.zeros(n, dtype=np.int64)  # 0 single account
    for cat, g in zip((1, 2, 3, 4), groups[1:], strict=True):
        w.crm_cat[g] = cat
    w.currency[w.is_test] = 0
    w.country[w.is_test] = 0
    w.tax_rate[w.is_test] = 0.0

    terms = np.array([30, -1, 15, 45, 60])
    tp = np.array(
        [
            [0.72, 0.18, 0.06, 0.03, 0.01],
            [0.62, 0.14, 0.02, 0.14, 0.08],
            [0.4, 0.1, 0.0, 0.25, 0.25],
        ]
    )
    w.terms = terms[pick(rng, tp[w.seg])]
    w.late_payer = rng.random(n) < np.array([0.07, 0.05, 0.03])[w.seg]
    w.return_prone = rng.random(n) < 0.05
    w.price_factor = np.select(
        [w.seg == 0, w.seg == 1],
        [np.ones(n), rng.uniform(0.9, 1.0, n)],
        rng.uniform(0.78, 0.95, n),
    )
    w.base_disc = np.select(
        [w.seg == 0, w.seg == 1],
        [np.where(rng.random(n) < 0.15, 1000, 0), rng.choice([0, 500, 1000, 1500], n)],
        rng.integers(10, 31, n) * 100,
    )
    w.seats = np.select(
        [w.seg == 0, w.seg == 1],
        [
            3 + np.floor(rng.pareto(2.5, n) * 6),
            10 + np.floor(rng.pareto(2.0, n) * 25),
        ],
        30 + np.floor(rng.pareto(2.2, n) * 80),
    )
    w.seats = np.minimum(w.seats, np.array([80, 900, 10000])[w.seg]).astype(np.int64)
    w.tier = pick(rng, np.array(TIER_P)[w.seg])
    w.interval = INTERVALS[pick(rng, np.array(INTERVAL_P)[w.seg])]
    cday = w.created // DAY
    w.start = np.where(
        w.after,
        cday + rng.integers(0, 11, n),
        np.minimum(cday + rng.integers(0, 6, n), a),
    )
    w.first_term = np.where(w.founding, rng.integers(1, 13, n), 12)
    w.name_seed = rng.integers(0, 2**31, n)
    w.person_seed = rng.integers(0, 2**31, n)
    w.email_null = rng.random(n) < 0.05
    w.country_null = rng.random(n) < 0.03

    # latent health on a monthly grid (AR(1) around a mean; lasting shocks)
    g = p.months + 4
    w.base_month = int(month_no(np.array([hs]))[0])
    w.ms = add_months(np.full(g + 1, hs), np.arange(g + 1))
    mu = rng.normal(0.25, 0.6, n)
    shock_m = rng.integers(0, g, n)
    u = rng.random(n)
    shock = np.where(
        u < 0.18,
        -rng.uniform(1.0, 2.2, n),
        np.where(u < 0.26, rng.uniform(0.5, 1.2, n), 0.0),
    )
    h = mu + rng.normal(0.0, 0.5, n)
    w.H = np.empty((n, g), dtype=np.float32)
    for m in range(g):  # vectorised over customers; one step per month
        w.H[:, m] = h
        target = mu + shock * (m >= shock_m)
        h = h + 0.25 * (target - h) + 0.25 * rng.normal(0.0, 1.0, n)


def build_account_structure(p: Params, w: World) -> None:
    rng = _rng(p.seed, "accounts")
    n = w.n
    cat = w.crm_cat
    n_acc = np.array([1, 0, 2, 2, 1])[cat]
    par, pos = expand(n_acc)
    end = p.as_of * DAY + 22 * 3600
    first = w.created - rng.integers(5 * DAY, 180 * DAY, n)
    first = np.maximum(first, (p.history_start - 300) * DAY)
    second = (
        first
        + 3600
        + np.floor(rng.uniform(0.2, 0.9, n) * np.maximum(end - first - 3600, 0)).astype(
            np.int64
        )
    )
    created = np.where(pos == 0, first[par], second[par])
    true_seg = w.seg[par]
    other = (true_seg + rng.integers(1, 3, len(par))) % 3
    mism = rng.random(len(par)) < 0.6
    c = cat[par]
    seg = np.where(
        ((c == 2) & (pos == 0) | (c == 3) & (pos == 1)) & mism, other, true_seg
    )
    deleted = ((c == 3) & (pos == 1)) | (c == 4)
    # prospects: accounts never billed
    n_pro = max(1, round(0.06 * n))
    p_created = rng.integers((p.history_start - 200) * DAY, end, n_pro)
    p_region = choose(rng, n_pro, [0.5, 0.3, 0.12, 0.08])
    ctab = np.zeros((4, len(COUNTRIES)))
    for i, (_, r, _, wt, _) in enumerate(COUNTRIES):
        ctab[r, i] = wt
    m = len(par) + n_pro
    w.acc_cust = np.concatenate([par, np.full(n_pro, -1)])
    w.acc_created = np.concatenate([created, p_created])
    w.acc_seg = np.concatenate([seg, choose(rng, n_pro, [0.75, 0.2, 0.05])])
    w.acc_deleted = np.concatenate([deleted, rng.random(n_pro) < 0.05])
    w.acc_region = np.concatenate([w.region[par], p_region])
    w.acc_country = np.concatenate([w.country[par], pick(rng, ctab[p_region])])
    w.acc_industry = rng.integers(0, len(INDUSTRIES), m)
    w.acc_channel = 1 + choose(rng, m, [0.35, 0.25, 0.2, 0.12, 0.08])
    w.acc_channel[rng.random(m) < 0.02] = 0  # referral, referrer unknown
    w.acc_referred_by = np.full(m, -1)
    w.acc_name_seed = np.concatenate([w.name_seed[par], rng.integers(0, 2**31, n_pro)])
    w.acc_null_region = rng.random(m) < 0.03
    w.acc_null_country = rng.random(m) < 0.05
    w.acc_null_industry = rng.random(m) < 0.05
    w.acc_null_channel = (rng.random(m) < 0.03) & (w.acc_channel != 0)
    w.n_prospects = n_pro
    # the account CRM events go to, and the one whose segment the warehouse shows
    idx0 = np.cumsum(n_acc) - n_acc
    w.event_acc = np.select(
        [cat == 0, cat == 2, cat == 3, cat == 4], [idx0, idx0 + 1, idx0, idx0], -1
    )
    w.winner_acc = np.select([cat == 0, cat == 2, cat == 3], [idx0, idx0 + 1, idx0], -1)


def build_signals(p: Params, w: World) -> None:
    """NPS answers and support tickets over each customer's potential lifetime."""
    rng = _rng(p.seed, "signals")
    has = (w.event_acc >= 0) & (w.start <= p.as_of)
    # NPS survey waves every ~6 months from 75 days after start
    first = w.start + 75
    waves = np.where(has & (first <= p.as_of), (p.as_of - first) // 182 + 1, 0)
    par, k = expand(waves)
    day = np.minimum(first[par] + 182 * k + rng.integers(-10, 11, len(par)), p.as_of)
    resp = rng.random(len(par)) < np.array([0.4, 0.5, 0.6])[w.seg[par]]
    par, day = par[resp], day[resp]
    h = w.health_at(par, day)
    score = np.clip(
        np.rint(7.4 + 1.8 * h + rng.normal(0.0, 1.3, len(par))), 0, 10
    ).astype(np.int64)
    o = np.lexsort((day, par))
    w.nps_cust, w.nps_day, w.nps_score = par[o], day[o], score[o]
    w.nps_sec = rng.integers(8 * 3600, 20 * 3600, len(o))
    # tickets: Poisson per customer-month
    m0 = month_no(w.start) - w.base_month
    m1 = month_no(np.array([p.as_of]))[0] - w.base_month
    months = np.where(has, m1 - m0 + 1, 0)
    cm, k = expand(months)
    mi = m0[cm] + k
    hm = w.H[cm, mi]
    rate = np.array([0.12, 0.35, 0.9])[w.seg[cm]] * np.exp(-0.5 * hm)
    cnt = rng.poisson(rate)
    tp, _ = expand(cnt)
    cust = cm[tp]
    mstart, mlen = w.ms[mi[tp]], w.ms[mi[tp] + 1] - w.ms[mi[tp]]
    day = mstart + np.floor(rng.random(len(tp)) * mlen).astype(np.int64)
    day = np.clip(day, w.start[cust], p.as_of)
    h = w.health_at(cust, day)
    p_urg = sigmoid(-3.0 - 1.1 * h)
    u = rng.random(len(tp))
    prio = np.where(
        u < p_urg, 3, np.where(u < p_urg + 0.18, 2, np.where(u < p_urg + 0.4, 0, 1))
    )
    o = np.lexsort((day, cust))
    w.tk_cust, w.tk_day, w.tk_prio, w.tk_h = cust[o], day[o], prio[o], h[o]
    urg = w.tk_prio == 3
    w.urg_key = w.ekey(w.tk_cust[urg], w.tk_day[urg])
    w.nps_key = w.ekey(w.nps_cust, w.nps_day)


def churn_features(
    w: World, cust: np.ndarray, day: np.ndarray
) -> dict[str, np.ndarray]:
    """The signals a customer shows at a decision day (all observable in the data)."""
    h = w.health_at(cust, day)
    dh = h - w.health_at(cust, day - 91)
    key = w.ekey(cust, day)
    i = np.searchsorted(w.nps_key, key, side="right") - 1
    i0 = np.maximum(i, 0)
    ok = (i >= 0) & (len(w.nps_key) > 0)
    if len(w.nps_key):
        ok &= (w.nps_cust[i0] == cust) & (day - w.nps_day[i0] <= 365)
        score = np.where(ok, w.nps_score[i0], -1)
    else:
        score = np.full(len(cust), -1)
    urg = np.searchsorted(w.urg_key, key, side="right") - np.searchsorted(
        w.urg_key, w.ekey(cust, day - 180), side="right"
    )
    return {
        "h": h,
        "dh": dh,
        "detractor": ok & (score <= 6),
        "promoter": ok & (score >= 9),
        "urgent": urg,
        "late": w.late_payer[cust],
    }


def churn_logit(
    w: World, cust: np.ndarray, fam: np.ndarray, f: dict[str, np.ndarray]
) -> np.ndarray:
    return (
        -2.5
        - 0.9 * f["h"]
        - 1.8 * f["dh"]
        + 1.1 * f["detractor"]
        - 0.5 * f["promoter"]
        + 0.45 * np.minimum(f["urgent"], 3)
        + 1.3 * f["late"]
        + SEG_CHURN_OFFSET[w.seg[cust]]
        + 0.7 * (fam == 1)
    )


def unit_price4(
    w: World,
    cust: np.ndarray,
    fam: np.ndarray,
    tier: np.ndarray,
    interval: np.ndarray,
    uplift: np.ndarray,
) -> np.ndarray:
    """Unit price per billing interval in 1/10000 of the customer's currency."""
    lp = list_price4(fam, tier, interval, w.currency[cust])
    return np.rint(lp * w.price_factor[cust] * uplift).astype(np.int64)


def list_price4(
    fam: np.ndarray, tier: np.ndarray, interval: np.ndarray, cur: np.ndarray
) -> np.ndarray:
    usd = np.where(
        fam == 0,
        np.array(SEAT_PRICE[0])[np.clip(tier, 0, 3)],
        np.where(
            fam == 1,
            np.array(SEAT_PRICE[1])[np.clip(tier, 0, 1)],
            np.array(SEAT_PRICE[2])[np.clip(tier, 0, 2)],
        ),
    )
    factor = np.select([interval == 1, interval == 3], [1.0, 3 * 0.97], 12 * 0.9)
    factor = np.where(fam == 2, 1.0, factor)
    local = usd * factor / BASE_RATE[cur]
    step = np.where(cur == 5, 1.0, 0.01)
    return np.rint(np.rint(local / step) * step * 1e4).astype(np.int64)


def mrr_cents(w: World, cust, fam, tier, interval, qty, disc, uplift) -> np.ndarray:
    up = unit_price4(w, cust, fam, tier, interval, uplift)
    return qty * up / 100.0 * (1 - disc / 10000.0) / interval


def _gcum(x: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each group start (groups contiguous)."""
    c = np.cumsum(x)
    base = (c - x)[first]
    return c - np.repeat(base, np.diff(np.append(np.flatnonzero(first), len(x))))


def simulate(p: Params, w: World, st: dict[str, np.ndarray], rng: np.random.Generator):
    """Run 12-month contract terms forward for a batch of subscription starts.

    Returns (versions, terms): dicts of arrays; one row per version and one per term.
    """
    vers: list[dict[str, np.ndarray]] = []
    terms: list[dict[str, np.ndarray]] = []
    cur = {k: v.copy() for k, v in st.items()}
    while True:  # one pass per contract term, vectorised over subscriptions
        m = len(cur["sub"])
        sub, cust, fam, ts = cur["sub"], cur["cust"], cur["fam"], cur["start"]
        e = add_months(ts, cur["term_months"])
        span = e - ts
        seg = w.seg[cust]
        # amendments inside the term
        lam = np.where(fam == 0, AMEND_RATE[seg], 0.35) * np.minimum(span / 365.0, 1.0)
        n_am = np.minimum(rng.poisson(lam), 3)
        n_am[span < 3] = 0
        ap, _ = expand(n_am)
        na = len(ap)
        a_day = ts[ap] + 1 + np.floor(rng.random(na) * (span[ap] - 1)).astype(np.int64)
        a_kind = choose(rng, na, [0.6, 0.14, 0.08, 0.18])
        up = rng.random(na) < sigmoid(0.6 + 1.2 * w.health_at(cust[ap], a_day))
        # no empty amendments: a tier change that is not possible becomes a seat change
        base_tier = cur["tier"][ap]
        top = base_tier >= MAX_TIER[fam[ap]]
        up = np.where(a_kind == 1, True, np.where(a_kind == 2, False, up))
        a_kind[((a_kind == 1) & top) | ((a_kind == 2) & (base_tier == 0))] = 0
        up |= cur["qty"][ap] <= 1
        mag = np.maximum(
            1, np.rint(cur["qty"][ap] * rng.uniform(0.05, 0.4, na))
        ).astype(np.int64)
        dq = np.where(a_kind == 0, np.where(up, mag, -mag), 0)
        dtier = np.where(a_kind == 1, 1, np.where(a_kind == 2, -1, 0))
        step = np.where(
            cur["disc"][ap] == 0,
            rng.choice([500, 1000], na),
            rng.choice([-500, 500, 1000], na),
        )
        new_disc = np.clip(cur["disc"][ap] + step, 0, 4000)
        par = np.concatenate([np.arange(m), ap])
        day = np.concatenate([ts, a_day])
        isam = np.concatenate([np.zeros(m, dtype=bool), np.ones(na, dtype=bool)])
        dqa = np.concatenate([cur["qty"], dq])
        dta = np.concatenate([cur["tier"], dtier])
        dset = np.concatenate([np.ones(m, dtype=bool), a_kind == 3])
        dval = np.concatenate([cur["disc"], new_disc])
        akind = np.concatenate([np.full(m, -1), a_kind])
        o = np.lexsort((isam, day, par))
        par, day, isam, dqa, dta, dset, dval, akind = (
            x[o] for x in (par, day, isam, dqa, dta, dset, dval, akind)
        )
        # decisions: early cancellation (decided mid-term), lapse (30 days before end)
        mid = ts + span // 2
        f_mid = churn_features(w, cust, mid)
        early = (
            (span >= 60)
            & (mid <= p.horizon)
            & (rng.random(m) < sigmoid(churn_logit(w, cust, fam, f_mid) - EARLY_SHIFT))
        )
        cancel_day = mid + np.floor(rng.random(m) * (e - mid)).astype(np.int64)
        f_dec = churn_features(w, cust, e - 30)
        decided = e <= p.horizon
        lapse = (
            ~early
            & decided
            & (rng.random(m) < sigmoid(churn_logit(w, cust, fam, f_dec)))
        )
        end = np.where(early, cancel_day, e)
        keep = day < end[par]
        same = np.zeros(len(par), dtype=bool)
        same[1:] = (par[1:] == par[:-1]) & (day[1:] == day[:-1])
        keep &= ~same
        par, day, isam, dqa, dta, dset, dval, akind = (
            x[keep] for x in (par, day, isam, dqa, dta, dset, dval, akind)
        )
        first = group_first(par)
        qty = np.maximum(1, _gcum(dqa, first))
        tier = np.clip(_gcum(dta, first), 0, MAX_TIER[fam[par]])
        disc = dval[np.maximum.accumulate(np.where(dset, np.arange(len(par)), 0))]
        last = group_last(par)
        valid_to = np.where(last, end[par], np.append(day[1:], 0))
        outcome = np.where(early, 2, np.where(lapse, 1, np.where(decided, 0, 3)))
        request = np.where(
            early, cancel_day - rng.integers(0, 31, m), e - rng.integers(10, 61, m)
        )
        request = np.maximum(request, ts)
        vers.append(
            {
                "sub": sub[par],
                "cust": cust[par],
                "fam": fam[par],
                "tier": tier,
                "interval": cur["interval"][par],
                "qty": qty,
                "disc": disc,
                "uplift": cur["uplift"][par],
                "valid_from": day,
                "valid_to": valid_to,
                "contract_end": e[par],
                "anchor": ts[par],
                "kind": np.where(isam, 1, cur["kind"][par]),
                "amend": akind,
                "last_in_term": last,
                "outcome": outcome[par],
                "request": request[par],
            }
        )
        li = np.flatnonzero(last)
        l_qty, l_tier, l_disc = qty[li], tier[li], disc[li]
        gap = np.where(
            rng.random(m) < LATE_RENEWAL_SHARE,
            rng.integers(1, RENEWAL_GRACE_DAYS + 1, m),
            0,
        )
        # next term (renewal) state
        uplift = cur["uplift"] * np.where(
            rng.random(m) < 0.6, rng.uniform(1.02, 1.08, m), 1.0
        )
        n_qty = np.where(
            rng.random(m) < 0.3,
            np.maximum(1, np.rint(l_qty * rng.uniform(0.8, 1.3, m))).astype(np.int64),
            l_qty,
        )
        n_disc = np.where(
            rng.random(m) < 0.2,
            np.clip(l_disc + rng.choice([-500, 0, 500], m), 0, 4000),
            l_disc,
        )
        u = rng.random(m)
        interval = cur["interval"]
        n_int = np.where(
            (u < 0.05) & (interval == 1),
            12,
            np.where((u < 0.05) & (interval == 12), 1, interval),
        )
        n_int = np.where((u < 0.05) & (interval == 3), 12, n_int)
        l_mrr = mrr_cents(w, cust, fam, l_tier, interval, l_qty, l_disc, cur["uplift"])
        nx_mrr = mrr_cents(w, cust, fam, l_tier, n_int, n_qty, n_disc, uplift)
        terms.append(
            {
                "sub": sub,
                "cust": cust,
                "fam": fam,
                "start": ts,
                "contract_end": e,
                "end": end,
                "outcome": outcome,
                "request": request,
                "gap": gap,
                "last_mrr": l_mrr,
                "next_mrr": nx_mrr,
                "detractor": f_dec["detractor"] | (early & f_mid["detractor"]),
                "urgent": np.where(early, f_mid["urgent"], f_dec["urgent"]),
                "late": f_dec["late"],
                "dh": np.where(early, f_mid["dh"], f_dec["dh"]),
                "first_kind": cur["kind"],
            }
        )
        nxt = (outcome == 0) & (e + gap <= p.horizon)
        cur = {
            "sub": sub[nxt],
            "cust": cust[nxt],
            "fam": fam[nxt],
            "tier": l_tier[nxt],
            "interval": n_int[nxt],
            "qty": n_qty[nxt],
            "disc": n_disc[nxt],
            "uplift": uplift[nxt],
            "start": (e + gap)[nxt],
            "term_months": np.full(int(nxt.sum()), 12),
            "kind": np.full(int(nxt.sum()), 2),
        }
        if not len(cur["sub"]):
            break
    cat = {k: np.concatenate([v[k] for v in vers]) for k in vers[0]}
    cat_t = {k: np.concatenate([t[k] for t in terms]) for k in terms[0]}
    return cat, cat_t


def _cat_dicts(
    a: dict[str, np.ndarray], b: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    return {k: np.concatenate([a[k], b[k]]) for k in a}


def build_lifecycle(p: Params, w: World) -> None:
    rng = _rng(p.seed, "lifecycle")
    n = w.n
    core = {
        "sub": np.arange(n),
        "cust": np.arange(n),
        "fam": np.zeros(n, dtype=np.int64),
        "tier": w.tier,
        "interval": w.interval,
        "qty": w.seats,
        "disc": w.base_disc,
        "uplift": np.ones(n),
        "start": w.start,
        "term_months": w.first_term,
        "kind": np.zeros(n, dtype=np.int64),
    }
    v, t = simulate(p, w, core, rng)
    # addon subscriptions, started while the core subscription is in force
    pa_ = np.array([0.15, 0.35, 0.5])[w.seg]
    cand = np.flatnonzero((rng.random(n) < pa_) & ~w.after)
    a_start = w.start[cand] + rng.integers(30, 541, len(cand))
    ok = a_start <= p.as_of
    cand, a_start = cand[ok], a_start[ok]
    o = np.lexsort((v["valid_from"], v["sub"]))
    vkey = v["sub"][o] * KEY_SPAN * 64 + v["valid_from"][o]
    i = np.searchsorted(vkey, cand * KEY_SPAN * 64 + a_start, side="right") - 1
    i0 = np.maximum(i, 0)
    alive = (i >= 0) & (v["sub"][o][i0] == cand) & (v["valid_to"][o][i0] > a_start)
    cand, a_start = cand[alive], a_start[alive]
    na = len(cand)
    addon = {
        "sub": n + np.arange(na),
        "cust": cand,
        "fam": np.ones(na, dtype=np.int64),
        "tier": choose(rng, na, [0.6, 0.4]),
        "interval": w.interval[cand],
        "qty": np.maximum(1, np.rint(w.seats[cand] * rng.uniform(0.3, 1.0, na))).astype(
            np.int64
        ),
        "disc": np.zeros(na, dtype=np.int64),
        "uplift": np.ones(na),
        "start": a_start,
        "term_months": np.full(na, 12),
        "kind": np.zeros(na, dtype=np.int64),
    }
    va, ta = simulate(p, w, addon, rng)
    v, t = _cat_dicts(v, va), _cat_dicts(t, ta)
    # come-backs: customers whose every subscription ended return 2-10 months later
    sub_end = np.full(n + na, -1, dtype=np.int64)
    sub_alive = np.zeros(n + na, dtype=bool)
    ended = np.isin(t["outcome"], (1, 2))
    o = np.lexsort((t["start"], t["sub"]))
    last_t = o[group_last(t["sub"][o])]
    sub_end[t["sub"][last_t]] = np.where(ended[last_t], t["end"][last_t], INF)
    sub_alive[t["sub"][last_t]] = ~ended[last_t]
    sub_cust = np.concatenate([np.arange(n), cand])
    cust_end = np.full(n, -1, dtype=np.int64)
    np.maximum.at(cust_end, sub_cust, sub_end)
    cust_alive = np.zeros(n, dtype=bool)
    np.logical_or.at(cust_alive, sub_cust, sub_alive)
    gap = rng.integers(WINBACK_GAP_DAYS[0], WINBACK_GAP_DAYS[1] + 1, n)
    wb = (
        ~cust_alive
        & (cust_end > 0)
        & (cust_end + gap <= p.as_of)
        & (rng.random(n) < WINBACK_RATE)
    )
    wc = np.flatnonzero(wb)
    same_sub = rng.random(len(wc)) < 0.35
    # last core version state of each come-back customer
    core_v = v["fam"] == 0
    oc = np.flatnonzero(core_v)[np.lexsort((v["valid_from"][core_v], v["sub"][core_v]))]
    last_core = oc[group_last(v["sub"][oc])]
    lc = np.full(n, -1)
    lc[v["sub"][last_core]] = last_core
    li = lc[wc]
    # a comeback on the old subscription starts a new term after the old one ended
    wb_start = cust_end[wc] + gap[wc]
    same_sub &= np.maximum(wb_start, v["contract_end"][li] + 31) <= p.as_of
    wb_start = np.where(
        same_sub, np.maximum(wb_start, v["contract_end"][li] + 31), wb_start
    )
    nw = len(wc)
    wbst = {
        "sub": np.where(same_sub, wc, n + na + np.arange(nw)),
        "cust": wc,
        "fam": np.zeros(nw, dtype=np.int64),
        "tier": v["tier"][li],
        "interval": v["interval"][li],
        "qty": np.maximum(1, np.rint(v["qty"][li] * rng.uniform(0.7, 1.1, nw))).astype(
            np.int64
        ),
        "disc": np.zeros(nw, dtype=np.int64),
        "uplift": v["uplift"][li],
        "start": wb_start,
        "term_months": np.full(nw, 12),
        "kind": np.full(nw, 3),
    }
    vw, tw = simulate(p, w, wbst, rng)
    v, t = _cat_dicts(v, vw), _cat_dicts(t, tw)
    w.n_subs = n + na + nw
    w.planted["winbacks"] = {
        "new_subscription": int((~same_sub).sum()),
        "same_subscription": int(same_sub.sum()),
    }
    w.planted["addon_subscriptions"] = na
    apply_cutoff(p, w, v, t)


def apply_cutoff(
    p: Params, w: World, v: dict[str, np.ndarray], t: dict[str, np.ndarray]
) -> None:
    """What the systems know on the as-of date: no future versions but planted ones."""
    rng = _rng(p.seed, "cutoff")
    o = np.lexsort((v["valid_from"], v["sub"]))
    v = {k: x[o] for k, x in v.items()}
    nv = len(o)
    sub = v["sub"]
    vf = v["valid_from"]
    first = group_first(sub)
    prev_ok = np.zeros(nv, dtype=bool)
    prev_ok[1:] = (sub[1:] == sub[:-1]) & (vf[:-1] <= p.as_of)
    scheduled = (
        (v["kind"] == 1)
        & (vf > p.as_of)
        & (vf <= p.as_of + 30)
        & prev_ok
        & (rng.random(nv) < 0.3)
    )
    after_cust = w.after[v["cust"]] & first
    keep = (vf <= p.as_of) | scheduled | after_cust
    succ_kept = np.zeros(nv, dtype=bool)
    succ_kept[:-1] = (sub[1:] == sub[:-1]) & keep[1:]
    vt = v["valid_to"]
    known_end = (
        v["last_in_term"] & np.isin(v["outcome"], (1, 2)) & (v["request"] <= p.as_of)
    )
    vt = np.where(succ_kept | (vt <= p.as_of) | known_end, vt, INF)
    v["valid_to"] = vt
    v = {k: x[keep] for k, x in v.items()}
    w.planted["scheduled_amendments"] = int(scheduled.sum())
    w.v = v
    w.t = t


def build_subscriptions(p: Params, w: World) -> Frame:
    rng = _rng(p.seed, "subscriptions")
    v = w.v
    sub = v["sub"]
    first = group_first(sub)
    lastm = group_last(sub)
    s_ids = sub[first]
    s_first = v["valid_from"][first]
    s_last_to = v["valid_to"][lastm]
    s_cust = v["cust"][first]
    in_force_now = np.zeros(w.n_subs, dtype=bool)
    nowf = (v["valid_from"] <= p.as_of) & (v["valid_to"] > p.as_of)
    in_force_now[sub[nowf]] = True
    # ids: by customer, then start
    sid = rank_ids(s_cust, s_first, s_ids)
    w.sub_id = np.zeros(w.n_subs, dtype=np.int64)
    w.sub_id[s_ids] = sid
    v["sub_id"] = w.sub_id[sub]
    w.v_id = rank_ids(v["sub_id"], v["valid_from"])
    ns = len(s_ids)
    live = in_force_now[s_ids]
    future = s_first > p.as_of
    req = v["request"][lastm]
    # in a late renewal's gap on the as-of date: renewal expected, not canceled
    pending = ~live & ~future & (v["outcome"][lastm] == 0)
    status = np.where(live | future, 0, np.where(pending, 2, 1))
    status = np.where(live & w.late_payer[s_cust] & (rng.random(ns) < 0.4), 2, status)
    status = np.where(live & (status == 0) & (rng.random(ns) < 0.01), 3, status)
    ended = ~live & ~future & ~pending
    sched = live & (s_last_to < INF)
    cancel_day = np.where(
        ended, np.minimum(np.where(req <= p.as_of, req, s_last_to), s_last_to), req
    )
    canceled_at = cancel_day * DAY + rng.integers(8 * 3600, 19 * 3600, ns)
    ar = np.where(rng.random(ns) < 0.93, 1, 0)
    auto_null = rng.random(ns) < 0.05
    ar = np.where(ended | sched, 0, ar)
    created = np.maximum(
        s_first * DAY + rng.integers(8 * 3600, 18 * 3600, ns), w.created[s_cust] + 300
    )
    return Frame(
        {
            "subscription_id": sid,
            "customer_id": s_cust + 1,
            "created_at": created,
            "status": status,
            "canceled_at": canceled_at,
            "auto_renew": ar.astype(bool),
        },
        {"canceled_at": ~(ended | sched), "auto_renew": auto_null & ~(ended | sched)},
    )


# -------------------------------------------------------------------- billing
def plan_table() -> dict[str, np.ndarray]:
    """All plans: (family, tier, interval, currency); id = position + 1."""
    rows = []
    for fam, tiers in ((0, 4), (1, 2)):
        for tier in range(tiers):
            for interval in (1, 3, 12):
                for cur in range(len(CURRENCIES)):
                    rows.append((fam, tier, interval, cur))
    for tier in range(3):
        for cur in range(len(CURRENCIES)):
            rows.append((2, tier, 1, cur))
    arr = np.array(rows, dtype=np.int64)
    return {
        "family": arr[:, 0],
        "tier": arr[:, 1],
        "interval": arr[:, 2],
        "currency": arr[:, 3],
    }


PLANS = plan_table()
_PLAN_LOOKUP = np.full((3, 4, 13, len(CURRENCIES)), -1, dtype=np.int64)
_PLAN_LOOKUP[PLANS["family"], PLANS["tier"], PLANS["interval"], PLANS["currency"]] = (
    np.arange(1, len(PLANS["family"]) + 1)
)


def plan_id(fam, tier, interval, cur) -> np.ndarray:
    return _PLAN_LOOKUP[fam, tier, interval, cur]


def round_cur(cents: np.ndarray, cur: np.ndarray) -> np.ndarray:
    r = CURRENCY_ROUND[cur]
    return (np.rint(cents / r) * r).astype(np.int64)


def _k_at(anchor: np.ndarray, interval: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Index of the billing period counted from the anchor that contains day d."""
    k = (month_no(d) - month_no(anchor)) // interval
    a = add_months(anchor, k * interval)
    return np.where(a > d, k - 1, k)


def build_billing(p: Params, w: World, wr: Writer, br: Breakers) -> None:
    rng = _rng(p.seed, "billing")
    # plans
    nplan = len(PLANS["family"])
    wr.set_width("plan", nplan)
    wr.write(
        "billing_plans",
        Frame(
            {
                "plan_id": np.arange(1, nplan + 1),
                "product_family": PLANS["family"],
                "billing_interval_months": PLANS["interval"],
                "is_recurring": PLANS["family"] != 2,
                "list_price": list_price4(
                    PLANS["family"], PLANS["tier"], PLANS["interval"], PLANS["currency"]
                ),
                "currency": PLANS["currency"],
                "family": PLANS["family"],
                "tier": PLANS["tier"],
            }
        ),
        br,
    )
    # versions
    v = w.v
    cust = v["cust"]
    cur = w.currency[cust]
    price4 = unit_price4(w, cust, v["fam"], v["tier"], v["interval"], v["uplift"])
    v["price4"] = price4
    v["mrr"] = v["qty"] * price4 / 100.0 * (1 - v["disc"] / 10000.0) / v["interval"]
    nv = len(cust)
    wr.set_width("ver", nv)
    disc_null = (v["disc"] == 0) & (rng.random(nv) < 0.7)
    wr.write(
        "billing_subscription_versions",
        Frame(
            {
                "version_id": w.v_id,
                "subscription_id": v["sub_id"],
                "plan_id": plan_id(v["fam"], v["tier"], v["interval"], cur),
                "quantity": v["qty"],
                "unit_price": price4,
                "discount_pct": v["disc"],
                "billing_interval_months": v["interval"],
                "currency": cur,
                "valid_from": v["valid_from"],
                "valid_to": np.where(v["valid_to"] >= INF, 0, v["valid_to"]),
                "contract_end_date": v["contract_end"],
            },
            {"discount_pct": disc_null, "valid_to": v["valid_to"] >= INF},
        ),
        br,
    )

    # recurring invoices: one per billing period of each version
    anchor, interval, vf, vt = (
        v["anchor"],
        v["interval"],
        v["valid_from"],
        v["valid_to"],
    )
    limit = np.where(
        w.after[cust], p.as_of + 60, np.where(interval >= 3, p.as_of + 14, p.as_of)
    )
    hi = np.minimum(vt, limit + 1)
    k0 = _k_at(anchor, interval, vf)
    k1 = _k_at(anchor, interval, np.maximum(hi - 1, vf))
    n_per = np.where(vf < hi, k1 - k0 + 1, 0)
    del limit, hi, k1
    par, j = expand(n_per)
    k = k0[par] + j
    del j
    ak = add_months(anchor[par], k * interval[par])
    an = add_months(anchor[par], (k + 1) * interval[par])
    del k
    ps = np.maximum(ak, vf[par])
    pe_x = np.minimum(an, vt[par])
    frac = (pe_x - ps) / (an - ak)
    del ak, an
    # services (one-time) invoices at the start of new and returning customers
    svc_p = np.array([0.08, 0.6, 0.85])[w.seg[cust]]
    svc = np.flatnonzero(
        (v["fam"] == 0)
        & np.isin(v["kind"], (0, 3))
        & (vf <= p.as_of)
        & (rng.random(nv) < svc_p)
    )
    n_rec, n_svc = len(par), len(svc)
    n_inv = n_rec + n_svc
    src = np.concatenate([par, svc])  # the version behind each invoice
    i_kind = np.concatenate(
        [np.zeros(n_rec, dtype=np.int8), np.ones(n_svc, dtype=np.int8)]
    )
    i_date = np.concatenate([ps, vf[svc]]).astype(np.int32)
    i_cust = cust[src]
    i_sub = np.where(i_kind == 0, v["sub_id"][src], 0)
    # invoice ids: by customer, date, subscription; arrays below are in id order
    o = np.lexsort((i_kind, i_sub, i_date, i_cust))
    src, i_kind, i_date, i_cust, i_sub = (
        src[o],
        i_kind[o],
        i_date[o],
        i_cust[o],
        i_sub[o],
    )
    frac = np.concatenate([frac, np.zeros(n_svc)])[o]
    ps = np.concatenate([ps, np.full(n_svc, -1)])[o].astype(np.int32)
    pe = (np.concatenate([pe_x, np.full(n_svc, 0)])[o] - 1).astype(np.int32)
    del o, par, pe_x, n_per, k0
    wr.set_width("inv", n_inv)
    i_cur = w.currency[i_cust]
    rec_inv = i_kind == 0
    rec = np.where(
        rec_inv, round_cur(v["qty"][src] * price4[src] * frac / 100.0, i_cur), 0
    )
    del frac
    disc_amt = -round_cur(rec * v["disc"][src] / 10000.0, i_cur)
    u = rng.random(n_inv)
    has_usage = rec_inv & (w.seg[i_cust] >= 1) & (v["fam"][src] == 0) & (u < 0.1)
    units = rng.integers(100, 5001, n_inv)
    usage_amt = np.where(has_usage, round_cur(units * 5.0 / BASE_RATE[i_cur], i_cur), 0)
    has_training = rec_inv & (rng.random(n_inv) < 0.01)
    s_tier = np.where(rng.random(n_inv) < 0.6, 0, 2)
    one_tier = np.where(rec_inv, 1, s_tier)
    one_qty = np.where(
        rec_inv,
        rng.integers(1, 4, n_inv),
        np.where(s_tier == 0, 1, rng.integers(2, 11, n_inv)),
    )
    has_one = has_training | ~rec_inv
    one_amt = np.where(has_one, one_qty * list_price4(2, one_tier, 1, i_cur) // 100, 0)
    net = rec + disc_amt + usage_amt + one_amt
    tax = round_cur(net * w.tax_rate[i_cust], i_cur)
    total = net + tax
    del net, u, s_tier

    # lines, laid out directly in (invoice id, line type) order
    present = [rec_inv, has_one, has_usage, disc_amt < 0, tax != 0]
    cnt = np.zeros(n_inv, dtype=np.int64)
    for m_ in present:
        cnt += m_
    offset = np.cumsum(cnt) - cnt
    n_lines = int(cnt.sum())
    del cnt
    l_inv = np.empty(n_lines, dtype=np.int32)
    l_type = np.empty(n_lines, dtype=np.int8)
    l_plan = np.full(n_lines, -1, dtype=np.int32)
    l_qty = np.full(n_lines, -1, dtype=np.int64)
    l_amt = np.empty(n_lines, dtype=np.int64)
    l_ps = np.full(n_lines, -1, dtype=np.int32)
    l_pe = np.full(n_lines, -1, dtype=np.int32)
    for typ, m_ in enumerate(present):
        idx = np.flatnonzero(m_)
        at = offset[idx]
        offset[idx] += 1
        l_inv[at] = idx + 1
        l_type[at] = typ
        if typ == 0:
            sv = src[idx]
            l_plan[at] = plan_id(
                v["fam"][sv], v["tier"][sv], v["interval"][sv], i_cur[idx]
            )
            l_qty[at] = v["qty"][sv] * 10_000
            l_amt[at] = rec[idx]
            l_ps[at] = ps[idx]
            l_pe[at] = pe[idx]
        elif typ == 1:
            l_plan[at] = plan_id(2, one_tier[idx], 1, i_cur[idx])
            l_qty[at] = one_qty[idx] * 10_000
            l_amt[at] = one_amt[idx]
        elif typ == 2:
            l_qty[at] = units[idx] * 10_000
            l_amt[at] = usage_amt[idx]
        elif typ == 3:
            l_amt[at] = disc_amt[idx]
        else:
            l_amt[at] = tax[idx]
    del (
        offset,
        present,
        rec,
        disc_amt,
        usage_amt,
        one_amt,
        units,
        one_qty,
        one_tier,
        ps,
        pe,
    )
    del has_usage, has_training, has_one, tax, rec_inv
    wr.set_width("lin", n_lines)
    after_inv = i_date > p.as_of
    w.planted["rows_after_as_of"]["billing_invoice_lines"] = int(
        after_inv[l_inv - 1].sum()
    )
    w.planted["advance_invoices"] = int((after_inv & ~w.after[i_cust]).sum())
    wr.write(
        "billing_invoice_lines",
        Frame(
            {
                "line_id": np.arange(1, n_lines + 1),
                "invoice_id": l_inv,
                "line_type": l_type,
                "plan_id": l_plan,
                "quantity": l_qty,
                "amount": l_amt,
                "period_start": l_ps,
                "period_end": l_pe,
            },
            {
                "plan_id": l_plan < 0,
                "quantity": l_qty < 0,
                "period_start": l_ps < 0,
                "period_end": l_pe < 0,
            },
        ),
        br,
    )
    del l_inv, l_type, l_plan, l_qty, l_amt, l_ps, l_pe, src
    inv_id = np.arange(1, n_inv + 1)

    # statuses and payments
    terms = np.where(w.terms[i_cust] < 0, 30, w.terms[i_cust])
    due = (i_date + terms).astype(np.int32)
    late = w.late_payer[i_cust]
    h = w.health_at(i_cust, i_date)
    u = rng.random(n_inv)
    draft = (after_inv & (u < 0.5)) | (~after_inv & (i_date > p.as_of - 3) & (u < 0.4))
    void = ~after_inv & ~draft & (rng.random(n_inv) < 0.003)
    dtp = np.where(
        late,
        terms + np.rint(rng.gamma(2.0, 15.0, n_inv)),
        np.rint(terms * rng.uniform(0.15, 1.15, n_inv))
        + np.rint(np.maximum(0.0, -h) * 10 * rng.random(n_inv)),
    ).astype(np.int64)
    pay_day = i_date + dtp
    base_ok = ~after_inv & ~draft & ~void
    uncol = (
        base_ok
        & (i_date <= p.as_of - 120)
        & (rng.random(n_inv) < np.where(late, 0.04, 0.0015))
    )
    paid = base_ok & ~uncol & (pay_day <= p.as_of)
    status = np.select([draft, void, uncol, paid], [0, 3, 4, 2], 1).astype(np.int8)
    del draft, void, base_ok, u
    # payments
    pi, pday, psec, pst = [], [], [], []
    ok = np.flatnonzero(paid)
    pi.append(ok)
    pday.append(pay_day[ok])
    psec.append(rng.integers(6 * 3600, 22 * 3600, len(ok)))
    pst.append(np.zeros(len(ok), dtype=np.int8))
    f1 = ok[rng.random(len(ok)) < np.where(late[ok], 0.25, 0.04)]
    pi.append(f1)
    pday.append(
        i_date[f1] + np.floor(rng.random(len(f1)) * (dtp[f1] + 1)).astype(np.int64)
    )
    psec.append(rng.integers(1 * 3600, 5 * 3600, len(f1)))
    pst.append(np.ones(len(f1), dtype=np.int8))
    del ok, paid, pay_day, late
    op = np.flatnonzero((status == 1) & (due < p.as_of) & (rng.random(n_inv) < 0.3))
    pi.append(op)
    pday.append(
        due[op]
        + np.floor(rng.random(len(op)) * (p.as_of - due[op] + 1)).astype(np.int64)
    )
    psec.append(rng.integers(1 * 3600, 22 * 3600, len(op)))
    pst.append(np.ones(len(op), dtype=np.int8))
    uc = np.flatnonzero(uncol)
    for lo_, hi_ in ((0, 10), (15, 40)):
        pi.append(uc)
        pday.append(np.minimum(due[uc] + rng.integers(lo_, hi_, len(uc)), p.as_of))
        psec.append(rng.integers(1 * 3600, 22 * 3600, len(uc)))
        pst.append(np.ones(len(uc), dtype=np.int8))

    # credit notes
    elig = np.isin(status, (1, 2, 4))
    svc_inv = i_kind == 1
    rp = w.return_prone[i_cust]
    p_ret = np.where(svc_inv, np.where(rp, 0.25, 0.05), np.where(rp, 0.03, 0.003))
    p_sc = 0.004 * (1 + 2 * (h < -0.5))
    u = rng.random(n_inv)
    reason = np.select(
        [
            ~elig,
            u < p_ret,
            u < p_ret + p_sc,
            u < p_ret + p_sc + 0.003,
            u < p_ret + p_sc + 0.0045,
        ],
        [4, 0, 1, 2, 3],
        4,
    )
    del elig, svc_inv, rp, p_ret, p_sc, u, h
    cn = np.flatnonzero(reason < 4)
    issued = i_date[cn] + rng.integers(3, 61, len(cn))
    keep = issued <= p.as_of
    cn, issued = cn[keep], issued[keep]
    cr = reason[cn]
    lo_f = np.array([0.2, 0.05, 0.05, 0.05])[cr]
    hi_f = np.array([1.0, 0.3, 0.5, 0.2])[cr]
    cn_amt = np.maximum(
        round_cur(total[cn] * rng.uniform(lo_f, hi_f), i_cur[cn]),
        CURRENCY_ROUND[i_cur[cn]],
    )
    cn_inv_null = (cr == 3) & (rng.random(len(cn)) < 0.5)
    cn_id = rank_ids(i_cust[cn], issued, inv_id[cn])
    wr.set_width("cn", len(cn))
    wr.write(
        "billing_credit_notes",
        Frame(
            {
                "credit_note_id": cn_id,
                "invoice_id": inv_id[cn],
                "customer_id": i_cust[cn] + 1,
                "issued_date": issued,
                "amount": cn_amt,
                "currency": i_cur[cn],
                "reason": cr,
            },
            {"invoice_id": cn_inv_null},
        ),
        br,
    )
    refund = (cr == 0) & (status[cn] == 2)
    pi.append(cn[refund])
    pday.append(issued[refund])
    psec.append(rng.integers(8 * 3600, 18 * 3600, int(refund.sum())))
    pst.append(np.full(int(refund.sum()), 2, dtype=np.int8))
    pi_ = np.concatenate(pi)
    pat = np.concatenate(pday) * DAY + np.concatenate(psec)
    pst_ = np.concatenate(pst)
    pamt = total[pi_]
    pamt[len(pamt) - int(refund.sum()) :] = cn_amt[refund]
    del pi, pday, psec, pst
    o = np.lexsort((pst_, pat, pi_))
    pi_, pat, pst_, pamt = pi_[o], pat[o], pst_[o], pamt[o]
    npay = len(pi_)
    wr.set_width("pay", npay)
    w.planted["failed_then_paid_invoices"] = len(f1)
    wr.write(
        "billing_payments",
        Frame(
            {
                "payment_id": np.arange(1, npay + 1),
                "invoice_id": pi_ + 1,
                "customer_id": i_cust[pi_] + 1,
                "paid_at": pat,
                "amount": pamt,
                "currency": i_cur[pi_],
                "status": pst_,
            }
        ),
        br,
    )
    del pi_, pat, pst_, pamt, o
    wr.write(
        "billing_invoices",
        Frame(
            {
                "invoice_id": inv_id,
                "customer_id": i_cust + 1,
                "subscription_id": i_sub,
                "invoice_date": i_date,
                "due_date": due,
                "currency": i_cur,
                "status": status,
                "total_amount": total,
            },
            {"subscription_id": i_sub == 0},
        ),
        br,
    )


# ------------------------------------------------------------------------ CRM
def _ts(
    rng: np.random.Generator, day: np.ndarray, lo: int = 8, hi: int = 19
) -> np.ndarray:
    """A timestamp (seconds) inside working hours of each day."""
    return day * DAY + rng.integers(lo * 3600, hi * 3600, len(day))


def customer_spans(p: Params, w: World) -> None:
    v = w.v
    w.cust_first = np.full(w.n, INF, dtype=np.int64)
    np.minimum.at(w.cust_first, v["cust"], v["valid_from"])
    w.cust_last = np.full(w.n, -1, dtype=np.int64)
    np.maximum.at(w.cust_last, v["cust"], v["valid_to"])
    limit = np.minimum(p.as_of, w.cust_last + 14)
    keep = w.nps_day <= limit[w.nps_cust]
    w.nps_cust, w.nps_day, w.nps_score, w.nps_sec = (
        x[keep] for x in (w.nps_cust, w.nps_day, w.nps_score, w.nps_sec)
    )
    keep = w.tk_day <= limit[w.tk_cust]
    w.tk_cust, w.tk_day, w.tk_prio, w.tk_h = (
        x[keep] for x in (w.tk_cust, w.tk_day, w.tk_prio, w.tk_h)
    )


def build_referrals(p: Params, w: World) -> None:
    """Referrals follow NPS answers (promoters refer most); some convert to accounts."""
    rng = _rng(p.seed, "referrals")
    s = w.nps_score
    lam = np.where(s >= 9, 0.35, np.where(s >= 7, 0.08, 0.02))
    par, _ = expand(rng.poisson(lam))
    r_cust = w.nps_cust[par]
    r_day = w.nps_day[par] + rng.integers(1, 46, len(par))
    keep = r_day <= p.as_of
    r_cust, r_day = r_cust[keep], r_day[keep]
    o = np.argsort(r_day, kind="stable")
    r_cust, r_day = r_cust[o], r_day[o]
    nr = len(r_cust)
    status = choose(rng, nr, [0.3, 0.3, 0.0, 0.4])
    status[r_day > p.as_of - 21] = 0
    want = (rng.random(nr) < 0.35) & (r_day <= p.as_of - 30)
    elig = (
        (w.crm_cat == 0)
        & ~w.is_test
        & ~w.founding
        & ~w.after
        & (w.created // DAY >= p.history_start + 45)
    )
    cands = np.flatnonzero(elig)
    cand_day = w.created[cands] // DAY
    ci = np.flatnonzero(want)
    target = r_day[ci] + rng.integers(7, 61, len(ci))
    o = np.argsort(target, kind="stable")
    ci, target = ci[o], target[o]
    nc = len(ci)
    pos = np.searchsorted(cand_day, target, side="left")
    slot = np.arange(nc) + np.maximum.accumulate(pos - np.arange(nc)) if nc else pos
    valid = slot < len(cands)
    slot0 = np.minimum(slot, max(len(cands) - 1, 0))
    if len(cands):
        valid &= cand_day[slot0] - target <= 90
    else:
        valid &= False
    conv = ci[valid]
    referee = cands[slot0[valid]]
    status[ci] = 1
    status[conv] = 2
    ref_acc = np.full(nr, -1)
    ref_acc[conv] = w.event_acc[referee]
    acc = w.event_acc[referee]
    w.acc_channel[acc] = 0
    w.acc_null_channel[acc] = False
    w.acc_referred_by[acc] = w.event_acc[r_cust[conv]]
    t0 = r_day[conv] * DAY + DAY
    w.acc_created[acc] = t0 + (
        rng.uniform(0.2, 0.8, len(acc)) * (w.created[referee] - t0)
    ).astype(np.int64)
    w.planted["referral_conversions"] = len(conv)
    company = rng.integers(0, 2**31, nr)
    company[conv] = w.acc_name_seed[acc]
    w.ref_frame = {
        "referrer": w.event_acc[r_cust],
        "referred_account": ref_acc,
        "company_seed": company,
        "at": _ts(rng, r_day),
        "status": status,
    }


def build_crm(p: Params, w: World, wr: Writer, br: Breakers) -> None:
    rng = _rng(p.seed, "crm")
    end = p.as_of * DAY + 22 * 3600
    # accounts
    na = len(w.acc_cust)
    w.acc_id = rank_ids(w.acc_created, np.arange(na))
    wr.set_width("acc", na)
    linked = w.acc_cust >= 0
    ref_by = w.acc_referred_by
    wr.write(
        "crm_accounts",
        Frame(
            {
                "account_id": w.acc_id,
                "name_seed": w.acc_name_seed,
                "billing_customer_id": np.where(linked, w.acc_cust + 1, 0),
                "segment": w.acc_seg,
                "industry": w.acc_industry,
                "region": w.acc_region,
                "country_code": w.acc_country,
                "acquisition_channel": w.acc_channel,
                "referred_by_account_id": np.where(ref_by >= 0, w.acc_id[ref_by], 0),
                "created_at": w.acc_created,
                "is_deleted": w.acc_deleted,
            },
            {
                "billing_customer_id": ~linked,
                "industry": w.acc_null_industry,
                "region": w.acc_null_region,
                "country_code": w.acc_null_country,
                "acquisition_channel": w.acc_null_channel,
                "referred_by_account_id": ref_by < 0,
            },
        ),
        br,
    )
    # contacts
    seg = np.where(linked, w.seg[np.maximum(w.acc_cust, 0)], 0)
    lo = np.where(linked, np.array([1, 2, 3])[seg], 1)
    hi = np.where(linked, np.array([3, 5, 8])[seg], 3)
    cnt = rng.integers(lo, hi)
    par, pos = expand(cnt)
    nc = len(par)
    c_created = w.acc_created[par] + np.where(
        pos == 0, rng.integers(0, 3 * DAY, nc), rng.integers(DAY, 400 * DAY, nc)
    )
    c_created = np.maximum(np.minimum(c_created, end), w.acc_created[par])
    c_id = rank_ids(w.acc_id[par], pos)
    wr.set_width("con", nc)
    first_contact = np.zeros(na, dtype=np.int64)
    first_contact[par[pos == 0]] = c_id[pos == 0]
    wr.write(
        "crm_contacts",
        Frame(
            {
                "contact_id": c_id,
                "account_id": w.acc_id[par],
                "person_seed": rng.integers(0, 2**31, nc),
                "company_seed": w.acc_name_seed[par],
                "email": np.zeros(nc),
                "full_name": np.zeros(nc),
                "phone": np.zeros(nc),
                "job_title": rng.integers(0, len(JOB_TITLES), nc),
                "created_at": c_created,
            },
            {
                "email": rng.random(nc) < 0.05,
                "full_name": rng.random(nc) < 0.03,
                "phone": rng.random(nc) < 0.4,
                "job_title": rng.random(nc) < 0.15,
            },
        ),
        br,
    )
    del par, pos, c_created, c_id
    # NPS responses
    nn = len(w.nps_cust)
    acc = w.event_acc[w.nps_cust]
    s = w.nps_score
    grp = np.where(s >= 9, 2, np.where(s >= 7, 1, 0))
    wr_p = np.array([0.1, 0.5, 0.9])[grp]
    would = rng.random(nn) < wr_p
    would_null = rng.random(nn) < 0.1
    reason_w = np.array(
        [
            [0.1, 0.5, 0.05, 0.05, 0.2, 0.1],
            [0.4, 0.1, 0.15, 0.2, 0.05, 0.1],
            [0.5, 0.0, 0.3, 0.1, 0.0, 0.1],
        ]
    )
    reason = pick(rng, reason_w[grp])
    reason_null = would | (would_null & (rng.random(nn) < 0.5))
    comment_sets = [[3, 4, 6, 10], [1, 5, 9, 11, 6], [0, 1, 2, 9, 11]]
    comment = np.zeros(nn, dtype=np.int64)
    for g, cs in enumerate(comment_sets):
        sel = grp == g
        comment[sel] = rng.choice(cs, int(sel.sum()))
    comment = np.where(rng.random(nn) < 0.03, rng.choice([7, 8], nn), comment)
    at = w.nps_day * DAY + w.nps_sec
    contact = first_contact[acc]
    wr.set_width("nps", nn)
    wr.write(
        "crm_nps_responses",
        Frame(
            {
                "response_id": rank_ids(at, np.arange(nn)),
                "account_id": w.acc_id[acc],
                "contact_id": contact,
                "responded_at": at,
                "score": s,
                "would_refer": would,
                "not_referring_reason": reason,
                "comment": comment,
            },
            {
                "contact_id": (contact == 0) | (rng.random(nn) < 0.2),
                "would_refer": would_null,
                "not_referring_reason": reason_null,
                "comment": rng.random(nn) < 0.6,
            },
        ),
        br,
    )
    # referrals
    rf = w.ref_frame
    nr = len(rf["at"])
    wr.set_width("ref", nr)
    wr.write(
        "crm_referrals",
        Frame(
            {
                "referral_id": rank_ids(rf["at"], np.arange(nr)),
                "referrer_account_id": w.acc_id[rf["referrer"]],
                "company_seed": rf["company_seed"],
                "referred_company": np.zeros(nr),
                "referred_account_id": np.where(
                    rf["referred_account"] >= 0, w.acc_id[rf["referred_account"]], 0
                ),
                "referred_at": rf["at"],
                "status": rf["status"],
            },
            {"referred_account_id": rf["referred_account"] < 0},
        ),
        br,
    )
    # support tickets
    nt = len(w.tk_cust)
    opened = _ts(rng, w.tk_day, 0, 24)
    hours = np.array([96, 48, 24, 6])[w.tk_prio]
    closed = opened + (rng.exponential(1.0, nt) * hours * 3600).astype(np.int64) + 600
    still_open = (closed > end) | (rng.random(nt) < 0.01)
    cat_w = np.array(
        [
            [0.15, 0.1, 0.35, 0.0, 0.4],
            [0.2, 0.25, 0.3, 0.05, 0.2],
            [0.15, 0.4, 0.15, 0.2, 0.1],
            [0.1, 0.35, 0.05, 0.45, 0.05],
        ]
    )
    category = pick(rng, cat_w[w.tk_prio])
    csat = np.clip(
        np.rint(4.0 + 0.7 * w.tk_h - 0.5 * (w.tk_prio == 3) + rng.normal(0, 0.8, nt)),
        1,
        5,
    ).astype(np.int64)
    wr.set_width("tkt", nt)
    wr.write(
        "crm_support_tickets",
        Frame(
            {
                "ticket_id": rank_ids(opened, np.arange(nt)),
                "account_id": w.acc_id[w.event_acc[w.tk_cust]],
                "opened_at": opened,
                "closed_at": closed,
                "priority": w.tk_prio,
                "category": category,
                "csat_score": csat,
            },
            {
                "closed_at": still_open,
                "category": rng.random(nt) < 0.05,
                "csat_score": still_open | (rng.random(nt) < 0.45),
            },
        ),
        br,
    )
    del opened, closed, category, csat
    build_activities(p, w, wr, br, rng)
    build_deals(p, w, wr, br, rng)


def _customer_months(
    p: Params, w: World
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(customer, month index, first day, last day) of each month a customer is live."""
    has = (w.event_acc >= 0) & (w.cust_first <= p.as_of)
    last = np.minimum(w.cust_last, p.as_of)
    m0 = month_no(np.minimum(w.cust_first, p.as_of)) - w.base_month
    m1 = month_no(last) - w.base_month
    cm, k = expand(np.where(has, m1 - m0 + 1, 0))
    mi = m0[cm] + k
    lo = np.maximum(w.ms[mi], w.cust_first[cm])
    hi = np.minimum(w.ms[mi + 1] - 1, last[cm])
    return cm, mi, lo, hi


def build_activities(
    p: Params, w: World, wr: Writer, br: Breakers, rng: np.random.Generator
) -> None:
    cm, mi, lo, hi = _customer_months(p, w)
    seg = w.seg[cm]
    # everyday work
    cnt = rng.poisson(np.array([0.15, 0.6, 2.0])[seg])
    par, _ = expand(cnt)
    n1 = len(par)
    day1 = lo[par] + np.floor(rng.random(n1) * (hi[par] - lo[par] + 1)).astype(np.int64)
    typ1 = np.array([0, 1, 2, 5])[choose(rng, n1, [0.4, 0.4, 0.15, 0.05])]
    # business reviews (quarterly, larger accounts)
    m0 = month_no(np.minimum(w.cust_first, p.as_of)) - w.base_month
    br_p = np.array([0.0, 0.5, 0.9])[seg]
    brv = np.flatnonzero(((mi - m0[cm]) % 3 == 2) & (rng.random(len(cm)) < br_p))
    day2 = lo[brv] + np.floor(rng.random(len(brv)) * (hi[brv] - lo[brv] + 1)).astype(
        np.int64
    )
    # onboarding sessions after each new start
    v = w.v
    st = np.flatnonzero(
        (v["fam"] == 0)
        & np.isin(v["kind"], (0, 3))
        & (v["valid_from"] <= p.as_of)
        & (w.event_acc[v["cust"]] >= 0)
        & (rng.random(len(v["cust"])) < 0.8)
    )
    op, _ = expand(np.array([1, 2, 3])[w.seg[v["cust"][st]]])
    ob = st[op]
    day3 = np.minimum(v["valid_from"][ob] + rng.integers(0, 31, len(ob)), p.as_of)
    cust = np.concatenate([cm[par], cm[brv], v["cust"][ob]])
    day = np.concatenate([day1, day2, day3])
    typ = np.concatenate([typ1, np.full(len(brv), 3), np.full(len(ob), 4)])
    n = len(cust)
    dur_lo = np.array([5, 2, 20, 45, 45, 60])[typ]
    dur_hi = np.array([45, 15, 60, 90, 120, 180])[typ]
    dur = rng.integers(dur_lo, dur_hi + 1)
    dur_null = (rng.random(n) < 0.03) | ((typ == 1) & (rng.random(n) < 0.7))
    at = _ts(rng, day)
    wr.set_width("act", n)
    wr.write(
        "crm_activities",
        Frame(
            {
                "activity_id": rank_ids(at, np.arange(n)),
                "account_id": w.acc_id[w.event_acc[cust]],
                "activity_type": typ,
                "occurred_at": at,
                "duration_minutes": dur,
            },
            {"duration_minutes": dur_null},
        ),
        br,
    )
    del cust, day, typ, at, dur
    # feedback
    cnt = rng.poisson(0.02 * np.array([1.0, 1.5, 3.0])[seg])
    par, _ = expand(cnt)
    nf = len(par)
    c = cm[par]
    day = lo[par] + np.floor(rng.random(nf) * (hi[par] - lo[par] + 1)).astype(np.int64)
    h = w.health_at(c, day)
    good = np.array([0.2, 0.05, 0.25, 0.1, 0.15, 0.15, 0.1])
    bad = np.array([0.35, 0.4, 0.15, 0.0, 0.0, 0.05, 0.05])
    ftype = pick(rng, np.where((h > 0.3)[:, None], good, bad))
    p_neg = sigmoid(-1.5 * h - 1.0)
    p_pos = sigmoid(1.5 * h)
    u = rng.random(nf)
    sent = np.where(u < p_neg, 2, np.where(u < p_neg + (1 - p_neg) * p_pos, 0, 1))
    at = _ts(rng, day)
    wr.set_width("fb", nf)
    wr.write(
        "crm_feedback",
        Frame(
            {
                "feedback_id": rank_ids(at, np.arange(nf)),
                "account_id": w.acc_id[w.event_acc[c]],
                "submitted_at": at,
                "feedback_type": ftype,
                "sentiment": sent,
            },
            {"sentiment": rng.random(nf) < 0.1},
        ),
        br,
    )


WON_REASONS = [0.35, 0.15, 0.1, 0.15, 0.2, 0.05, 0.0, 0.0, 0.0]


def build_deals(
    p: Params, w: World, wr: Writer, br: Breakers, rng: np.random.Generator
) -> None:
    """Opportunities (new business, renewals, expansions) and cancellations."""
    end = p.as_of * DAY + 22 * 3600
    min_ts = (p.fx_start + 1) * DAY
    v, t = w.v, w.t
    parts: list[dict[str, np.ndarray]] = []

    def add(
        acc,
        sub_id,
        typ,
        created_day,
        close_day,
        won,
        lost_w,
        amount,
        currency,
        amt_null,
        decided=None,
    ):
        """Add opportunities; open unless decided and closed by the as-of date."""
        n = len(acc)
        created = np.maximum(_ts(rng, created_day), min_ts)
        close_day = np.maximum(close_day, created // DAY)
        closed = close_day <= p.as_of
        if decided is not None:
            closed &= decided
        stage = np.where(closed & won, 1, np.where(closed & ~won, 2, 0))
        reason = np.where(
            won, pick(rng, np.tile(WON_REASONS, (n, 1))), pick(rng, lost_w)
        )
        keep = (created <= end) & (acc >= 0)
        parts.append(
            {
                "acc": acc[keep],
                "sub": sub_id[keep],
                "type": np.full(int(keep.sum()), typ),
                "stage": stage[keep],
                "amount": np.rint(amount[keep]).astype(np.int64),
                "currency": currency[keep],
                "amount_null": amt_null[keep],
                "created": created[keep],
                "close": close_day[keep],
                "reason": reason[keep],
            }
        )

    lost_base = np.array([0.3, 0.05, 1.0, 0.0, 0.0, 0.0, 1.0, 0.6, 0.3])
    # new business: each new or returning core start
    nb = np.flatnonzero((v["fam"] == 0) & np.isin(v["kind"], (0, 3)))
    n = len(nb)
    vf = v["valid_from"][nb]
    cust = v["cust"][nb]
    add(
        w.event_acc[cust],
        np.zeros(n, dtype=np.int64),
        0,
        vf - rng.integers(14, 121, n),
        vf - rng.integers(0, 8, n),
        np.ones(n, dtype=bool),
        np.tile(lost_base, (n, 1)),
        12 * v["mrr"][nb],
        w.currency[cust],
        np.zeros(n, dtype=bool),
    )
    # renewals: one per contract end that is not an early termination
    sub_id = w.sub_id[t["sub"]]
    ren = np.flatnonzero(
        (t["outcome"] != 2)
        & (sub_id > 0)
        & (rng.random(len(sub_id)) < np.array([0.45, 0.95, 0.95])[w.seg[t["cust"]]])
    )
    n = len(ren)
    e = t["contract_end"][ren]
    oc = t["outcome"][ren]
    close = np.where(
        oc == 0, e + t["gap"][ren], np.where(oc == 1, e + rng.integers(0, 8, n), e)
    )
    decided = (oc <= 1) & (close <= p.as_of)
    close = np.where(decided, close, e)  # open: expected to close at contract end
    won = oc == 0
    lost_w = np.tile(lost_base, (n, 1))
    lost_w[:, 1] += 1.0 * np.minimum(t["urgent"][ren], 3)
    lost_w[:, 2] += 1.0 * t["detractor"][ren]
    lost_w[:, 7] += 1.5 * t["late"][ren]
    lost_w[:, 0] += 2.0 * np.maximum(0.0, -t["dh"][ren])
    cust = t["cust"][ren]
    add(
        w.event_acc[cust],
        sub_id[ren],
        1,
        np.maximum(t["start"][ren] + 1, e - 90),
        close,
        won,
        lost_w,
        12 * np.where(won, t["next_mrr"][ren], t["last_mrr"][ren]),
        w.currency[cust],
        np.zeros(n, dtype=bool),
        decided,
    )
    # expansions: amendments that raise MRR, and addon starts
    prev_same = np.zeros(len(v["sub"]), dtype=bool)
    prev_same[1:] = v["sub"][1:] == v["sub"][:-1]
    prev_mrr = np.where(prev_same, np.append(0.0, v["mrr"][:-1]), 0.0)
    gain = v["mrr"] - prev_mrr
    ex = np.flatnonzero(
        ((v["kind"] == 1) & (gain > 0) & (rng.random(len(gain)) < 0.6))
        | ((v["fam"] == 1) & (v["kind"] == 0))
    )
    n = len(ex)
    vf = v["valid_from"][ex]
    cust = v["cust"][ex]
    add(
        w.event_acc[cust],
        v["sub_id"][ex],
        2,
        vf - rng.integers(7, 46, n),
        vf,
        np.ones(n, dtype=bool),
        np.tile(lost_base, (n, 1)),
        12 * np.where(v["kind"][ex] == 1, gain[ex], v["mrr"][ex]),
        w.currency[cust],
        np.zeros(n, dtype=bool),
    )
    # prospects
    pro = np.flatnonzero((w.acc_cust < 0) & (rng.random(len(w.acc_cust)) < 0.5))
    n = len(pro)
    cday = w.acc_created[pro] // DAY + rng.integers(1, 61, n)
    pseg = w.acc_seg[pro]
    usd = np.exp(
        rng.uniform(np.log([2e3, 15e3, 80e3])[pseg], np.log([15e3, 80e3, 5e5])[pseg])
    )
    pcur = np.array([0, 1, 4, 0])[w.acc_region[pro]]
    add(
        pro,
        np.zeros(n, dtype=np.int64),
        0,
        cday,
        cday + rng.integers(30, 121, n),
        rng.random(n) < 0.0,
        np.tile(lost_base, (n, 1)),
        usd * 100 / BASE_RATE[pcur],
        pcur,
        rng.random(n) < 0.1,
    )
    o = {k: np.concatenate([x[k] for x in parts]) for k in parts[0]}
    n = len(o["acc"])
    stage = o["stage"]
    wr.set_width("opp", n)
    wr.write(
        "crm_opportunities",
        Frame(
            {
                "opportunity_id": rank_ids(o["created"], np.arange(n)),
                "account_id": w.acc_id[o["acc"]],
                "subscription_id": o["sub"],
                "opportunity_type": o["type"],
                "stage": stage,
                "amount": o["amount"],
                "currency": o["currency"],
                "created_at": o["created"],
                "close_date": o["close"],
                "reason_code": o["reason"],
            },
            {
                "subscription_id": o["sub"] == 0,
                "amount": o["amount_null"],
                "currency": o["amount_null"],
                "reason_code": stage == 0,
            },
        ),
        br,
    )
    # cancellations: most lapses and early terminations known by the as-of date
    sub_id = w.sub_id[t["sub"]]
    cn = np.flatnonzero(
        np.isin(t["outcome"], (1, 2))
        & (t["request"] <= p.as_of)
        & (w.event_acc[t["cust"]] >= 0)
        & (sub_id > 0)
        & (rng.random(len(sub_id)) < 0.85)
    )
    n = len(cn)
    rw = np.tile(np.array([1.0, 0.6, 0.7, 0.6, 0.25, 0.2, 0.3, 0.05, 0.3]), (n, 1))
    rw[:, 1] += 1.2 * t["detractor"][cn]
    rw[:, 5] += 0.8 * np.minimum(t["urgent"][cn], 3)
    rw[:, 6] += 4.0 * np.maximum(0.0, -t["dh"][cn])
    rw[:, 7] += 2.5 * t["late"][cn]
    reason = pick(rng, rw)
    detail = np.array([0, 4, 7, 1, 2, 5, 3, 6, 0])[reason]
    eff = t["end"][cn] + np.where(rng.random(n) < 0.2, rng.integers(-3, 4, n), 0)
    req = _ts(rng, t["request"][cn])
    wr.set_width("can", n)
    w.planted["cancellations_with_reason"] = n
    wr.write(
        "crm_cancellations",
        Frame(
            {
                "cancellation_id": rank_ids(req, np.arange(n)),
                "account_id": w.acc_id[w.event_acc[t["cust"][cn]]],
                "subscription_id": sub_id[cn],
                "requested_at": req,
                "effective_date": eff,
                "reason_code": reason,
                "reason_detail": detail,
            },
            {
                "subscription_id": rng.random(n) < 0.05,
                "reason_detail": rng.random(n) < 0.4,
            },
        ),
        br,
    )


# ---------------------------------------------------------------------- usage
def build_usage(p: Params, w: World, wr: Writer, br: Breakers) -> None:
    """One row per account and day with usage in the last `usage_days` days."""
    rng = _rng(p.seed, "usage")
    nd = p.usage_days
    d0 = p.as_of - nd + 1
    v = w.v
    has = w.winner_acc[v["cust"]] >= 0
    a = np.maximum(v["valid_from"], d0) - d0
    b = np.minimum(v["valid_to"], p.as_of + 1) - d0
    sel = has & (a < b)
    vc, va, vb = v["cust"][sel], a[sel], b[sel]
    custs = np.unique(vc)
    custs = custs[
        np.argsort(w.acc_id[w.winner_acc[custs]])
    ]  # rows come out in key order
    rank = np.full(w.n, -1)
    rank[custs] = np.arange(len(custs))
    vr = rank[vc]
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("acc", "day", "u", "s", "k")}
    chunk = max(1, 4_000_000 // (nd + 1))
    for c0 in range(0, len(custs), chunk):  # chunks of customers, vectorised inside
        cc = custs[c0 : c0 + chunk]
        nc = len(cc)
        m = (vr >= c0) & (vr < c0 + nc)
        row = vr[m] - c0
        cover = np.bincount(
            row * (nd + 1) + va[m], minlength=nc * (nd + 1)
        ) - np.bincount(row * (nd + 1) + vb[m], minlength=nc * (nd + 1))
        live = np.cumsum(cover.reshape(nc, nd + 1), axis=1)[:, :nd] > 0
        r, col = np.nonzero(live)
        cust = cc[r]
        day = d0 + col
        h = w.health_at(cust, day)
        weekday = (day + 3) % 7 < 5
        p_use = np.where(weekday, 0.92, 0.3) * sigmoid(1.2 + 1.3 * h)
        use = rng.random(len(day)) < p_use
        cust, day, h = cust[use], day[use], h[use]
        seats = w.seats[cust]
        users = np.maximum(1, rng.binomial(seats, np.clip(0.3 + 0.2 * h, 0.03, 0.95)))
        out["acc"].append(w.acc_id[w.winner_acc[cust]].astype(np.int32))
        out["day"].append(day.astype(np.int32))
        out["u"].append(users.astype(np.int32))
        out["s"].append((users + rng.poisson(users * 1.3)).astype(np.int32))
        out["k"].append(rng.poisson(users * 3.0 * np.exp(0.7 * h)).astype(np.int32))
    cat = {}
    for k in list(out):
        cat[k] = np.concatenate(out.pop(k)) if out[k] else np.zeros(0, dtype=np.int32)
    wr.write(
        "product_usage_daily",
        Frame(
            {
                "account_id": cat["acc"],
                "usage_date": cat["day"],
                "active_users": cat["u"],
                "sessions": cat["s"],
                "key_actions": cat["k"],
            }
        ),
        br,
    )


# ------------------------------------------------------------------- manifest
def _mrr_share_top20(p: Params, w: World) -> float:
    v = w.v
    now = (
        (v["valid_from"] <= p.as_of) & (v["valid_to"] > p.as_of) & ~w.is_test[v["cust"]]
    )
    usd = v["mrr"][now] * fx_at(
        w, w.currency[v["cust"][now]], np.full(int(now.sum()), p.as_of)
    )
    per = np.bincount(v["cust"][now], weights=usd, minlength=w.n)
    per = np.sort(per[per > 0])[::-1]
    if not len(per):
        return 0.0
    top = per[: max(1, round(0.2 * len(per)))].sum()
    return round(float(top / per.sum()), 4)


def _native_mrr(v: dict[str, np.ndarray], idx: np.ndarray) -> np.ndarray:
    """Native MRR of versions (marts.md), from the values as written."""
    return (
        v["qty"][idx]
        * (v["price4"][idx] / 1e4)
        * (1 - v["disc"][idx] / 1e4)
        / v["interval"][idx]
    )


def _mrr_monthly(p: Params, w: World, cust_idx: np.ndarray) -> tuple[list, np.ndarray]:
    """Active customers, MRR (USD) and customer movements per month, per marts.md.

    From the clean truth (the in-memory versions and fx rates; dirt never changes
    it), for the customers `cust_idx` (non-test, created on or before the as-of
    date): one entry per month from the first month any customer is active to the
    as-of month. A month is measured on its last day (the as-of date for the as-of
    month): versions of recurring plans in force then (valid_from <= day <
    valid_to), each at the latest rate on or before that day (rates as written, to
    8 decimals; USD = 1). `previous_mrr_cc` is the native MRR in force at the end
    of the month before, converted at this month's rates. Also returns the MRR of
    every customer index in the as-of month (0 for non-customers).

    Vectorised over versions and customers; one pass per month.
    """
    v = w.v
    is_cust = np.zeros(w.n, dtype=bool)
    is_cust[cust_idx] = True
    sel = np.flatnonzero(
        is_cust[v["cust"]] & (v["fam"] != 2) & (v["valid_from"] <= p.as_of)
    )  # product family 2 (services) is the only non-recurring one
    c = v["cust"][sel]
    cur = w.currency[c]
    vf, vt = v["valid_from"][sel], v["valid_to"][sel]
    native = _native_mrr(v, sel)
    m_last = int(month_no(np.array([p.as_of]))[0])
    m_first = int(month_no(np.array([vf.min()]))[0]) if len(sel) else m_last
    starts = (
        np.arange(m_first, m_last + 2)
        .astype("datetime64[M]")
        .astype("datetime64[D]")
        .astype(np.int64)
    )
    ends = starts[1:] - 1
    ends[-1] = p.as_of
    currencies = np.arange(len(CURRENCIES))
    rates = (
        np.rint(
            fx_at(w, np.tile(currencies, len(ends)), np.repeat(ends, len(currencies)))
            * 1e8
        ).reshape(len(ends), len(currencies))
        / 1e8
    )
    ever = np.zeros(w.n, dtype=bool)  # active in some month before this one
    prev_in = np.zeros(len(sel), dtype=bool)  # in force at the previous month's end
    rows: list[dict] = []
    per = np.zeros(w.n)
    for k, day in enumerate(ends.tolist()):
        rate = rates[k]
        now_in = (vf <= day) & (vt > day)
        i = np.flatnonzero(now_in)
        per = np.bincount(c[i], weights=native[i] * rate[cur[i]], minlength=w.n)
        j = np.flatnonzero(prev_in)
        prev_cc = np.bincount(c[j], weights=native[j] * rate[cur[j]], minlength=w.n)
        active = per > 0
        had = prev_cc > 0
        start = ~had & active
        rows.append(
            {
                "month": str(EPOCH + dt.timedelta(days=int(starts[k]))),
                "active_customers": int(active.sum()),
                "mrr_usd": round(float(per[cust_idx].sum()), 2),
                "new_customers": int((start & ~ever).sum()),
                "reactivated_customers": int((start & ever).sum()),
                "churned_customers": int((had & ~active).sum()),
                "expansion_customers": int((had & active & (per > prev_cc)).sum()),
                "contraction_customers": int((had & active & (per < prev_cc)).sum()),
            }
        )
        ever |= active
        prev_in = now_in
    first = next((k for k, r in enumerate(rows) if r["active_customers"]), len(rows))
    return rows[first:], per


def _mrr_as_of(
    w: World, per: np.ndarray, cust_idx: np.ndarray, seg: np.ndarray
) -> tuple[dict, dict]:
    """MRR (USD) and active customers on the as-of date by segment, per marts.md.

    `per` is each customer's MRR in the as-of month from `_mrr_monthly`, so 'All'
    equals the last monthly entry. Uses the values as written (unit price to 4 and
    discount to 2 decimals, rates to 8 decimals); sums are floats, so compare to
    the cent with a tolerance.
    """
    names = ["SMB", "Mid-Market", "Enterprise", "Unassigned"]
    mrr = {"All": round(float(per[cust_idx].sum()), 2)}
    active = {"All": int((per[cust_idx] > 0).sum())}
    for i, name in enumerate(names):
        sel = cust_idx[seg == i]
        mrr[name] = round(float(per[sel].sum()), 2)
        active[name] = int((per[sel] > 0).sum())
    return mrr, active


def build_manifest(p: Params, w: World, wr: Writer, fmt: str) -> dict:
    seg_names = ["SMB", "Mid-Market", "Enterprise"]
    expected_idx = np.flatnonzero(~w.is_test & ~w.after)
    win = w.winner_acc[expected_idx]
    seg = np.where(win >= 0, w.acc_seg[np.maximum(win, 0)], 3)
    width = wr.width["cus"]
    names = [*seg_names, "Unassigned"]
    expected = {
        f"cus_{i + 1:0{width}d}": names[s]
        for i, s in zip(expected_idx.tolist(), seg.tolist(), strict=True)
    }
    t = w.t
    after_t = t["contract_end"] <= p.as_of
    w.planted.update(
        {
            "test_customers": int(w.is_test.sum()),
            "customers_without_crm": int((w.crm_cat == 1).sum()),
            "prospects": int(w.n_prospects),
            "customers_with_two_accounts": int(np.isin(w.crm_cat, (2, 3)).sum()),
            "newer_account_deleted": int((w.crm_cat == 3).sum()),
            "deleted_only_accounts": int((w.crm_cat == 4).sum()),
            "created_after_as_of": int(w.after.sum()),
            "chronic_late_payers": int((w.late_payer & ~w.is_test).sum()),
            "late_renewals": int(
                (
                    (t["outcome"] == 0)
                    & (t["gap"] > 0)
                    & (t["contract_end"] + t["gap"] <= p.as_of)
                ).sum()
            ),
            "lapsed_renewals": int(((t["outcome"] == 1) & after_t).sum()),
            "early_terminations": int(
                ((t["outcome"] == 2) & (t["end"] <= p.as_of)).sum()
            ),
            "top20_mrr_share_as_of": _mrr_share_top20(p, w),
            "unknown_categories": dict(sorted(wr.unknown.items())),
            "stray_case_categories": dict(sorted(wr.stray.items())),
        }
    )
    after = {**wr.after_as_of, **w.planted["rows_after_as_of"]}
    w.planted["rows_after_as_of"] = {t: after.get(t, 0) for t in TABLES}
    monthly, per = _mrr_monthly(p, w, expected_idx)
    mrr, active = _mrr_as_of(w, per, expected_idx, seg)
    w.planted["monthly"] = monthly
    w.planted["mrr_as_of_usd"] = mrr
    w.planted["active_customers_as_of"] = active
    planted = dict(sorted(w.planted.items()))
    if p.dirty:
        planted["dirt"] = wr.dirt
    return {
        "generator_version": GENERATOR_VERSION,
        "seed": p.seed,
        "customers": p.customers,
        "months": p.months,
        "as_of_date": str(EPOCH + dt.timedelta(days=p.as_of)),
        "usage_days": p.usage_days,
        "format": fmt,
        "dirty": p.dirty,
        "reporting_currency": REPORTING_CURRENCY,
        "contract_terms_months": 12,
        "renewal_grace_days": RENEWAL_GRACE_DAYS,
        "tables": {
            t: ("folder" if SPECS[t].folder and fmt == "parquet" else fmt)
            for t in TABLES
        },
        "raw_rows": {t: wr.raw_rows[t] for t in TABLES},
        "duplicates_removed": {t: wr.duplicates[t] for t in TABLES},
        "quarantine": {t: wr.quarantine[t] for t in TABLES},
        "clean_rows": {t: wr.clean_rows[t] for t in TABLES},
        "expected_customers": expected,
        "planted": planted,
    }


# ------------------------------------------------------------ latent signals
def latent_signals(p: Params, w: World, id_width: int) -> pa.Table:
    """The signals churn was drawn from, per customer and month end.

    Call it right after the subscriptions are simulated (later stages trim the
    NPS arrays ``churn_features`` reads).

    One row per customer and month of history from the customer's first month
    (the month's last day, or the as-of date): latent health, its 3-month
    trend, detractor / promoter (last NPS answer within 365 days), urgent
    tickets in the past 180 days, the chronic late-payer flag, the segment's
    churn offset and the churn logit without the product-family term (the
    inputs of ``churn_logit``).
    """
    g = p.months
    ends = np.minimum(w.ms[1 : g + 1] - 1, p.as_of)
    starts = w.ms[:g]
    cust = np.repeat(np.arange(w.n), g)
    day = np.tile(ends, w.n)
    keep = (w.start[cust] <= day) & ~w.is_test[cust]
    cust, day, mstart = cust[keep], day[keep], np.tile(starts, w.n)[keep]
    f = churn_features(w, cust, day)
    seg_offset = SEG_CHURN_OFFSET[w.seg[cust]]
    logit = churn_logit(w, cust, np.zeros(len(cust), dtype=np.int64), f)
    ids = np.char.add("cus_", np.char.zfill((cust + 1).astype(str), id_width))
    return pa.table(
        {
            "customer_id": pa.array(ids, pa.string()),
            "month_start": pa.array(mstart.astype("datetime64[D]")),
            "observed_on": pa.array(day.astype("datetime64[D]")),
            "health": pa.array(f["h"].astype(np.float64)),
            "health_trend_3m": pa.array(f["dh"].astype(np.float64)),
            "is_detractor": pa.array(f["detractor"]),
            "is_promoter": pa.array(f["promoter"]),
            "urgent_tickets_180d": pa.array(f["urgent"].astype(np.int64)),
            "is_late_payer": pa.array(f["late"]),
            "segment_churn_offset": pa.array(seg_offset.astype(np.float64)),
            "churn_logit": pa.array(logit.astype(np.float64)),
        }
    )


# ------------------------------------------------------------------------ API
def generate(
    customers: int,
    months: int,
    seed: int,
    out: str | Path,
    fmt: str = "parquet",
    dirty: bool = False,
    as_of: str | dt.date = DEFAULT_AS_OF,
    usage_days: int = 90,
    latent_out: str | Path | None = None,
) -> dict:
    """Write all landing tables and `_manifest.json` to `out`; return the manifest.

    With `latent_out`, also write the latent churn signals there (parquet);
    it must not lie inside `out`, which holds only landing tables.
    """
    if customers < 50:
        raise ValueError(
            "--customers must be at least 50 (every planted trait needs one)"
        )
    if months < 3:
        raise ValueError("--months must be at least 3")
    if fmt not in ("parquet", "csv"):
        raise ValueError("--format must be parquet or csv")
    if not 1 <= usage_days <= 3660:
        raise ValueError("--usage-days must be between 1 and 3660")
    try:
        as_of_d = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(as_of)
    except ValueError as exc:
        raise ValueError(f"--as-of must be a date YYYY-MM-DD ({exc})") from None
    p = Params(customers, months, seed, _day(as_of_d), usage_days, dirty)
    out = Path(out)
    if latent_out is not None:
        latent_out = Path(latent_out)
        if latent_out.resolve().is_relative_to(out.resolve()):
            raise ValueError(
                "--latent-out must lie outside the landing directory "
                "(the warehouse must never read the ground truth)"
            )
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    w = World(p)
    w.planted["rows_after_as_of"] = {}
    wr = Writer(p, out, fmt)
    br = Breakers(p)

    def step(name: str) -> None:
        if VERBOSE:
            print(
                f"[{time.time() - t0:6.1f}s] {name} "
                f"(peak RSS {_peak_rss_mib():,.0f} MiB)",
                file=sys.stderr,
            )

    step("fx rates")
    wr.write("fx_rates", build_fx(p, w), br)
    step("customers")
    build_customers(p, w)
    wr.set_width("cus", w.n)
    build_account_structure(p, w)
    step("signals")
    build_signals(p, w)
    step("lifecycle")
    build_lifecycle(p, w)
    wr.set_width("sub", w.n_subs)
    subs = build_subscriptions(p, w)
    latent = None if latent_out is None else latent_signals(p, w, wr.width["cus"])
    customer_spans(p, w)
    build_referrals(p, w)
    step("billing")
    wr.write(
        "billing_customers",
        Frame(
            {
                "customer_id": np.arange(1, w.n + 1),
                "name_seed": w.name_seed,
                "person_seed": w.person_seed,
                "customer_name": np.zeros(w.n),
                "email": np.zeros(w.n),
                "country_code": w.country,
                "currency": w.currency,
                "payment_terms_days": w.terms,
                "created_at": w.created,
                "is_test": w.is_test,
            },
            {
                "email": w.email_null,
                "country_code": w.country_null,
                "payment_terms_days": w.terms < 0,
            },
        ),
        br,
    )
    wr.write("billing_subscriptions", subs, br)
    del subs
    build_billing(p, w, wr, br)
    step("crm")
    build_crm(p, w, wr, br)
    step("usage")
    build_usage(p, w, wr, br)
    if latent is not None:
        step("latent signals")
        latent_out.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(latent, latent_out)
        del latent
    step("manifest")
    manifest = build_manifest(p, w, wr, fmt)
    with open(out / "_manifest.json", "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=1)
        fh.write("\n")
    step("done")
    return manifest


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    ap = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, required=True)
    ap.add_argument("--months", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="landing directory to write")
    ap.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    ap.add_argument(
        "--dirty", action="store_true", help="inject duplicates, bad rows, ..."
    )
    ap.add_argument(
        "--as-of", default=DEFAULT_AS_OF, help="YYYY-MM-DD (default %(default)s)"
    )
    ap.add_argument("--usage-days", type=int, default=90)
    ap.add_argument(
        "--latent-out",
        help="also write the latent churn signals per customer and month to "
        "this parquet file (outside --out)",
    )
    ap.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = ap.parse_args(argv)
    global VERBOSE
    VERBOSE = not args.quiet
    try:
        m = generate(
            args.customers,
            args.months,
            args.seed,
            args.out,
            args.format,
            args.dirty,
            args.as_of,
            args.usage_days,
            args.latent_out,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    total = sum(m["raw_rows"].values())
    print(f"wrote {total:,} rows in {len(TABLES)} tables to {args.out}")
    return 0
