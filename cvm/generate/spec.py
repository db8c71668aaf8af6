"""The landing tables as the generator writes them: categorical domains, the
columns of every table with the kind that says how a raw number becomes its
typed value, each table's key, hard rules and which dirt applies.

Names, companies, e-mail addresses and plan names are SQL expressions over
seeds, evaluated by DuckDB at write time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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


def _words(name: tuple[str, ...]) -> str:
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
