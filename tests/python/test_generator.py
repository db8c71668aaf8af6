"""Tests of the generator (cvm.generate): contract, determinism, manifest, realism.

The quarantine and de-duplication counts of the manifest are re-derived here from
the written files with DuckDB SQL that implements docs/quarantine_rules.md, and
the expected schema is written out from shared/spec/landing_contract.md, so these
tests do not trust the generator's own bookkeeping.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from cvm.generate import generate

AS_OF = "2026-10-31"
V, D, TS, INT, B = "VARCHAR", "DATE", "TIMESTAMP", "INTEGER", "BOOLEAN"
M2, P4, PCT, R8 = "DECIMAL(18,2)", "DECIMAL(18,4)", "DECIMAL(5,2)", "DECIMAL(18,8)"

# landing contract: table -> {column: type as written}
CONTRACT: dict[str, dict[str, str]] = {
    "crm_accounts": dict(
        account_id=V,
        account_name=V,
        billing_customer_id=V,
        segment=V,
        industry=V,
        region=V,
        country_code=V,
        acquisition_channel=V,
        referred_by_account_id=V,
        created_at=TS,
        is_deleted=B,
    ),
    "crm_contacts": dict(
        contact_id=V,
        account_id=V,
        email=V,
        full_name=V,
        phone=V,
        job_title=V,
        created_at=TS,
    ),
    "crm_activities": dict(
        activity_id=V,
        account_id=V,
        activity_type=V,
        occurred_at=TS,
        duration_minutes=INT,
    ),
    "crm_support_tickets": dict(
        ticket_id=V,
        account_id=V,
        opened_at=TS,
        closed_at=TS,
        priority=V,
        category=V,
        csat_score=INT,
    ),
    "crm_nps_responses": dict(
        response_id=V,
        account_id=V,
        contact_id=V,
        responded_at=TS,
        score=INT,
        would_refer=B,
        not_referring_reason=V,
        comment=V,
    ),
    "crm_referrals": dict(
        referral_id=V,
        referrer_account_id=V,
        referred_company=V,
        referred_account_id=V,
        referred_at=TS,
        status=V,
    ),
    "crm_opportunities": dict(
        opportunity_id=V,
        account_id=V,
        subscription_id=V,
        opportunity_type=V,
        stage=V,
        amount=M2,
        currency=V,
        created_at=TS,
        close_date=D,
        reason_code=V,
    ),
    "crm_cancellations": dict(
        cancellation_id=V,
        account_id=V,
        subscription_id=V,
        requested_at=TS,
        effective_date=D,
        reason_code=V,
        reason_detail=V,
    ),
    "crm_feedback": dict(
        feedback_id=V, account_id=V, submitted_at=TS, feedback_type=V, sentiment=V
    ),
    "product_usage_daily": dict(
        account_id=V, usage_date=D, active_users=INT, sessions=INT, key_actions=INT
    ),
    "billing_customers": dict(
        customer_id=V,
        customer_name=V,
        email=V,
        country_code=V,
        currency=V,
        payment_terms_days=INT,
        created_at=TS,
        is_test=B,
    ),
    "billing_plans": dict(
        plan_id=V,
        plan_name=V,
        product_family=V,
        billing_interval_months=INT,
        is_recurring=B,
        list_price=P4,
        currency=V,
    ),
    "billing_subscriptions": dict(
        subscription_id=V,
        customer_id=V,
        created_at=TS,
        status=V,
        canceled_at=TS,
        auto_renew=B,
    ),
    "billing_subscription_versions": dict(
        version_id=V,
        subscription_id=V,
        plan_id=V,
        quantity=INT,
        unit_price=P4,
        discount_pct=PCT,
        billing_interval_months=INT,
        currency=V,
        valid_from=D,
        valid_to=D,
        contract_end_date=D,
    ),
    "billing_invoices": dict(
        invoice_id=V,
        customer_id=V,
        subscription_id=V,
        invoice_date=D,
        due_date=D,
        currency=V,
        status=V,
        total_amount=M2,
    ),
    "billing_invoice_lines": dict(
        line_id=V,
        invoice_id=V,
        line_type=V,
        plan_id=V,
        quantity=P4,
        amount=M2,
        period_start=D,
        period_end=D,
    ),
    "billing_credit_notes": dict(
        credit_note_id=V,
        invoice_id=V,
        customer_id=V,
        issued_date=D,
        amount=M2,
        currency=V,
        reason=V,
    ),
    "billing_payments": dict(
        payment_id=V,
        invoice_id=V,
        customer_id=V,
        paid_at=TS,
        amount=M2,
        currency=V,
        status=V,
    ),
    "fx_rates": dict(rate_date=D, currency=V, rate_to_reporting=R8),
}
FOLDER_TABLES = {"product_usage_daily", "billing_invoice_lines"}
NULLABLE = {
    "crm_accounts": {
        "billing_customer_id",
        "industry",
        "region",
        "country_code",
        "acquisition_channel",
        "referred_by_account_id",
    },
    "crm_contacts": {"email", "full_name", "phone", "job_title"},
    "crm_activities": {"duration_minutes"},
    "crm_support_tickets": {"closed_at", "category", "csat_score"},
    "crm_nps_responses": {
        "contact_id",
        "would_refer",
        "not_referring_reason",
        "comment",
    },
    "crm_referrals": {"referred_account_id"},
    "crm_opportunities": {
        "subscription_id",
        "amount",
        "currency",
        "close_date",
        "reason_code",
    },
    "crm_cancellations": {"subscription_id", "reason_detail"},
    "crm_feedback": {"sentiment"},
    "billing_customers": {"email", "country_code", "payment_terms_days"},
    "billing_subscriptions": {"canceled_at", "auto_renew"},
    "billing_subscription_versions": {"discount_pct", "valid_to"},
    "billing_invoices": {"subscription_id"},
    "billing_invoice_lines": {"plan_id", "quantity", "period_start", "period_end"},
    "billing_credit_notes": {"invoice_id"},
}
CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "JPY")
ALLOWED = {
    ("crm_accounts", "segment"): ("SMB", "Mid-Market", "Enterprise"),
    ("crm_accounts", "region"): ("NA", "EMEA", "APAC", "LATAM"),
    ("crm_accounts", "acquisition_channel"): (
        "referral",
        "organic",
        "paid",
        "outbound",
        "partner",
        "event",
    ),
    ("crm_activities", "activity_type"): (
        "call",
        "email",
        "meeting",
        "business_review",
        "onboarding_session",
        "training",
    ),
    ("crm_support_tickets", "priority"): ("low", "normal", "high", "urgent"),
    ("crm_support_tickets", "category"): (
        "billing",
        "bug",
        "how_to",
        "outage",
        "feature_request",
    ),
    ("crm_nps_responses", "not_referring_reason"): (
        "no_one_to_refer",
        "not_satisfied",
        "policy_forbids",
        "too_early",
        "price",
        "other",
    ),
    ("crm_referrals", "status"): ("submitted", "qualified", "converted", "rejected"),
    ("crm_opportunities", "opportunity_type"): ("new_business", "renewal", "expansion"),
    ("crm_opportunities", "stage"): ("open", "closed_won", "closed_lost"),
    ("crm_opportunities", "reason_code"): (
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
    ("crm_cancellations", "reason_code"): (
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
    ("crm_feedback", "feedback_type"): (
        "feature_request",
        "bug_report",
        "review",
        "case_study",
        "reference_call",
        "social_mention",
        "beta_participation",
    ),
    ("crm_feedback", "sentiment"): ("positive", "neutral", "negative"),
    ("billing_plans", "product_family"): ("core", "addon", "services"),
    ("billing_subscriptions", "status"): ("active", "canceled", "past_due", "paused"),
    ("billing_invoices", "status"): ("draft", "open", "paid", "void", "uncollectible"),
    ("billing_invoice_lines", "line_type"): (
        "recurring",
        "one_time",
        "usage",
        "discount",
        "tax",
    ),
    ("billing_credit_notes", "reason"): (
        "product_return",
        "service_credit",
        "billing_error",
        "goodwill",
    ),
    ("billing_payments", "status"): ("succeeded", "failed", "refunded"),
    ("fx_rates", "currency"): CURRENCIES[1:],
    ("billing_customers", "currency"): CURRENCIES,
    ("billing_invoices", "currency"): CURRENCIES,
    ("billing_subscription_versions", "currency"): CURRENCIES,
}
ID_PREFIX = {
    "account_id": "acc",
    "billing_customer_id": "cus",
    "customer_id": "cus",
    "contact_id": "con",
    "activity_id": "act",
    "ticket_id": "tkt",
    "response_id": "nps",
    "referral_id": "ref",
    "opportunity_id": "opp",
    "subscription_id": "sub",
    "cancellation_id": "can",
    "feedback_id": "fb",
    "plan_id": "plan",
    "version_id": "ver",
    "invoice_id": "inv",
    "line_id": "lin",
    "credit_note_id": "cn",
    "payment_id": "pay",
}
KEYS = {
    "crm_accounts": ["account_id"],
    "crm_contacts": ["contact_id"],
    "crm_activities": ["activity_id"],
    "crm_support_tickets": ["ticket_id"],
    "crm_nps_responses": ["response_id"],
    "crm_referrals": ["referral_id"],
    "crm_opportunities": ["opportunity_id"],
    "crm_cancellations": ["cancellation_id"],
    "crm_feedback": ["feedback_id"],
    "product_usage_daily": ["account_id", "usage_date"],
    "billing_customers": ["customer_id"],
    "billing_plans": ["plan_id"],
    "billing_subscriptions": ["subscription_id"],
    "billing_subscription_versions": ["version_id"],
    "billing_invoices": ["invoice_id"],
    "billing_invoice_lines": ["line_id"],
    "billing_credit_notes": ["credit_note_id"],
    "billing_payments": ["payment_id"],
    "fx_rates": ["rate_date", "currency"],
}

# docs/quarantine_rules.md, rule by rule (evaluated on the surviving row, in order)
_CUSTOMER_MISSING = (
    "{col} is null or {col} not in "
    "(select customer_id from billing_customers where customer_id is not null)"
)


def _no_rate(day: str) -> str:
    return (
        "upper(trim(currency)) is distinct from 'USD' and not exists (select 1 from "
        "clean_fx as fx where fx.currency = upper(trim(t.currency)) and "
        f"fx.rate_date <= {day})"
    )


RULES: dict[str, list[tuple[str, str]]] = {
    "crm_accounts": [
        (
            "unknown_billing_customer",
            "billing_customer_id is not null and billing_customer_id not in (select "
            "customer_id from billing_customers where customer_id is not null)",
        )
    ],
    "crm_support_tickets": [
        ("invalid_date_range", "closed_at < opened_at"),
        (
            "score_out_of_range",
            "csat_score is not null and csat_score not between 1 and 5",
        ),
    ],
    "crm_nps_responses": [
        ("score_out_of_range", "score is null or score not between 0 and 10")
    ],
    "crm_opportunities": [
        (
            "currency_without_rate",
            "amount is not null and "
            + _no_rate("coalesce(t.close_date, cast(t.created_at as date))"),
        )
    ],
    "billing_plans": [
        ("invalid_billing_interval", "billing_interval_months not in (1, 3, 12)")
    ],
    "billing_subscriptions": [
        ("unknown_billing_customer", _CUSTOMER_MISSING.format(col="customer_id"))
    ],
    "billing_subscription_versions": [
        ("invalid_date_range", "valid_to < valid_from"),
        ("quantity_not_positive", "quantity is null or quantity <= 0"),
        (
            "discount_out_of_range",
            "discount_pct is not null and discount_pct not between 0 and 100",
        ),
        ("invalid_billing_interval", "billing_interval_months not in (1, 3, 12)"),
        ("currency_without_rate", _no_rate("t.valid_from")),
    ],
    "billing_invoices": [
        ("unknown_billing_customer", _CUSTOMER_MISSING.format(col="customer_id")),
        ("invalid_date_range", "due_date < invoice_date"),
        ("currency_without_rate", _no_rate("t.invoice_date")),
    ],
    "billing_invoice_lines": [("invalid_date_range", "period_end < period_start")],
    "billing_credit_notes": [
        ("unknown_billing_customer", _CUSTOMER_MISSING.format(col="customer_id")),
        ("currency_without_rate", _no_rate("t.issued_date")),
    ],
    "billing_payments": [
        ("unknown_billing_customer", _CUSTOMER_MISSING.format(col="customer_id")),
        ("currency_without_rate", _no_rate("cast(t.paid_at as date)")),
    ],
    "fx_rates": [
        ("rate_not_positive", "rate_to_reporting is null or rate_to_reporting <= 0")
    ],
}


def open_landing(folder: str | Path, fmt: str) -> duckdb.DuckDBPyConnection:
    """Views over the landing files, typed like the contract (CSV read with types)."""
    con = duckdb.connect()
    folder = Path(folder)
    for table, cols in CONTRACT.items():
        if fmt == "csv":
            types = {**cols, "_extracted_at": TS}
            spec = ", ".join(f"'{c}': '{t}'" for c, t in types.items())
            src = (
                f"read_csv('{folder / table}.csv', header = true, columns = {{{spec}}})"
            )
        elif table in FOLDER_TABLES:
            src = f"read_parquet('{folder / table}/*.parquet')"
        else:
            src = f"read_parquet('{folder / table}.parquet')"
        con.execute(f"create view {table} as select * from {src}")
    return con


def derive_quarantine(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    """(raw, duplicates removed, {rule: n}, clean) per table, from the files alone."""
    con.execute(
        "create or replace temp table clean_fx as select rate_date, "
        "upper(trim(currency)) as currency from (select * from fx_rates where "
        "rate_date is not null and currency is not null qualify row_number() over ("
        "partition by rate_date, currency order by _extracted_at desc) = 1) "
        "where rate_to_reporting > 0"
    )
    out = {}
    for table, keys in KEYS.items():
        null_key = " or ".join(f"{k} is null" for k in keys)
        rules = RULES.get(table, [])
        case = " ".join(f"when {cond} then '{name}'" for name, cond in rules)
        rule_expr = f"case {case} else null end" if rules else "cast(null as varchar)"
        raw = con.execute(f"select count(*) from {table}").fetchone()[0]
        n_null = con.execute(
            f"select count(*) from {table} where {null_key}"
        ).fetchone()[0]
        part = ", ".join(keys)
        survivors = (
            f"select * from {table} where not ({null_key}) qualify row_number() over "
            f"(partition by {part} order by _extracted_at desc) = 1"
        )
        rows = con.execute(
            f"select {rule_expr} as rule, count(*) from ({survivors}) as t group by 1"
        ).fetchall()
        quarantine = {"null_key": n_null} if n_null else {}
        quarantine.update({r: n for r, n in rows if r is not None})
        n_survivors = sum(n for _, n in rows)
        clean = sum(n for r, n in rows if r is None)
        con.execute(
            f"create or replace temp table clean_{table} as select * exclude (rule) "
            f"from (select *, {rule_expr} as rule from ({survivors}) as t) "
            "where rule is null"
        )
        out[table] = (raw, raw - n_null - n_survivors, quarantine, clean)
    return out


def _scalar(con: duckdb.DuckDBPyConnection):
    """A function returning the single value of a query."""

    def q(sql: str):
        return con.execute(sql).fetchone()[0]

    return q


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def dirty_parquet(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("dirty_parquet")
    return out, generate(400, 24, 7, out, "parquet", True, AS_OF, 60)


@pytest.fixture(scope="module")
def dirty_csv(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("dirty_csv")
    return out, generate(300, 18, 8, out, "csv", True, AS_OF, 30)


@pytest.fixture(scope="module")
def big_clean(tmp_path_factory) -> tuple[Path, dict, duckdb.DuckDBPyConnection]:
    """A clean data set large enough for the behavioural (statistical) checks."""
    out = tmp_path_factory.mktemp("big_clean")
    manifest = generate(4000, 36, 11, out, "parquet", False, AS_OF, 120)
    return out, manifest, open_landing(out, "parquet")


# --------------------------------------------------------------------- tests
@pytest.mark.parametrize("fixture", ["dirty_parquet", "dirty_csv"])
def test_every_table_and_column_has_the_contract_type(fixture, request):
    out, manifest = request.getfixturevalue(fixture)
    fmt = manifest["format"]
    con = duckdb.connect()
    for table, cols in CONTRACT.items():
        if fmt == "csv":
            assert (out / f"{table}.csv").is_file(), table
            src = f"read_csv('{out / table}.csv', header = true)"
            got = {
                r[0]: r[1]
                for r in con.execute(f"describe select * from {src}").fetchall()
            }
            assert set(got) == {*cols, "_extracted_at"}, table
        else:
            if table in FOLDER_TABLES:
                parts = sorted((out / table).glob("*.parquet"))
                assert len(parts) >= 2, f"{table} must be a folder of several parts"
                assert not (out / f"{table}.parquet").exists()
                src = f"read_parquet('{out / table}/*.parquet')"
            else:
                assert (out / f"{table}.parquet").is_file(), table
                src = f"read_parquet('{out / table}.parquet')"
            got = {
                r[0]: r[1]
                for r in con.execute(f"describe select * from {src}").fetchall()
            }
            assert got == {**cols, "_extracted_at": TS}, table
        assert con.execute(f"select count(*) from {src}").fetchone()[0] > 0, table
    # CSV: every value parses with the contract type
    if fmt == "csv":
        typed = open_landing(out, "csv")
        for table in CONTRACT:
            assert typed.execute(f"select count(*) from {table}").fetchone()[0] > 0


def test_csv_uses_iso_dates_and_empty_nulls(dirty_csv):
    out, _ = dirty_csv
    lines = (
        (out / "billing_subscription_versions.csv")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    header = lines[0].split(",")
    assert header[0] == "version_id"
    row = dict(zip(header, lines[1].split(","), strict=True))
    assert len(row["valid_from"]) == 10 and row["valid_from"][4] == "-"
    assert len(row["_extracted_at"]) == 19
    assert any(",," in x or x.endswith(",") for x in lines[1:]), (
        "nulls are empty fields"
    )


@pytest.mark.parametrize("fixture", ["dirty_parquet", "dirty_csv"])
def test_manifest_counts_match_an_independent_derivation(fixture, request):
    out, manifest = request.getfixturevalue(fixture)
    derived = derive_quarantine(open_landing(out, manifest["format"]))
    assert set(manifest["quarantine"]) == set(CONTRACT)
    for table, (raw, dups, quarantine, clean) in derived.items():
        assert raw == manifest["raw_rows"][table], table
        assert dups == manifest["duplicates_removed"][table], table
        assert quarantine == manifest["quarantine"][table], table
        assert clean == manifest["clean_rows"][table], table
        assert raw == clean + dups + sum(quarantine.values()), table


def test_dirty_mode_plants_every_kind_of_dirt(dirty_parquet):
    out, m = dirty_parquet
    q = m["quarantine"]
    for table in CONTRACT:
        assert q[table].get("null_key", 0) >= 1, table
        assert m["duplicates_removed"][table] >= 2, table
        for rule, _ in RULES.get(table, []):
            assert q[table].get(rule, 0) >= 1, (table, rule)
    con = open_landing(out, "parquet")
    odd_segments = con.execute(
        "select count(*) from crm_accounts where segment not in "
        "('SMB', 'Mid-Market', 'Enterprise')"
    ).fetchone()[0]
    assert odd_segments >= 1
    assert (
        con.execute(
            "select count(*) from crm_activities where activity_type = 'webinar'"
        ).fetchone()[0]
        == m["planted"]["unknown_categories"]["crm_activities.activity_type"]
    )
    assert (
        con.execute(
            "select count(*) from billing_invoices "
            "where currency <> upper(trim(currency))"
        ).fetchone()[0]
        >= 1
    )
    # re-exports are older than the row they repeat
    older = con.execute(
        "select count(*) from (select invoice_id, count(distinct _extracted_at) as n "
        "from billing_invoices group by 1) where n > 1"
    ).fetchone()[0]
    assert older >= 1
    newest = con.execute(
        "select max(cast(_extracted_at as date)) from billing_invoices"
    )
    assert str(newest.fetchone()[0]) == AS_OF


def test_expected_customers_follow_the_crm_rules(dirty_parquet):
    out, m = dirty_parquet
    con = open_landing(out, "parquet")
    rows = con.execute(
        """
        with accounts as (
            select * from crm_accounts where account_id is not null
            qualify row_number() over (partition by account_id
                                       order by _extracted_at desc) = 1
        ),
        winner as (
            select billing_customer_id, segment from accounts
            where not is_deleted and billing_customer_id is not null
            qualify row_number() over (partition by billing_customer_id
                                       order by created_at desc) = 1
        ),
        customers as (
            select * from billing_customers where customer_id is not null
            qualify row_number() over (partition by customer_id
                                       order by _extracted_at desc) = 1
        )
        select c.customer_id, lower(replace(replace(trim(w.segment), ' ', ''), '-', ''))
        from customers as c
        left join winner as w on w.billing_customer_id = c.customer_id
        where not c.is_test and cast(c.created_at as date) <= date '2026-10-31'
        """
    ).fetchall()
    canon = {
        "smb": "SMB",
        "midmarket": "Mid-Market",
        "enterprise": "Enterprise",
        None: "Unassigned",
    }
    derived = {cid: canon[seg] for cid, seg in rows}
    assert derived == m["expected_customers"]
    counts = {s: list(derived.values()).count(s) for s in set(derived.values())}
    assert counts["Unassigned"] >= 2 and len(counts) == 4


def test_same_seed_same_tables_other_seed_other_tables(tmp_path):
    a = generate(120, 12, 3, tmp_path / "a", "parquet", True, AS_OF, 20)
    b = generate(120, 12, 3, tmp_path / "b", "parquet", True, AS_OF, 20)
    c = generate(120, 12, 4, tmp_path / "c", "parquet", True, AS_OF, 20)
    assert a == b
    assert a["raw_rows"] != c["raw_rows"]
    for table in CONTRACT:
        name = table if table in FOLDER_TABLES else f"{table}.parquet"
        ta = pq.read_table(tmp_path / "a" / name)
        assert ta.equals(pq.read_table(tmp_path / "b" / name)), table
    different = [
        t
        for t in CONTRACT
        if not pq.read_table(
            tmp_path / "a" / (t if t in FOLDER_TABLES else f"{t}.parquet")
        ).equals(
            pq.read_table(
                tmp_path / "c" / (t if t in FOLDER_TABLES else f"{t}.parquet")
            )
        )
    ]
    assert len(different) >= len(CONTRACT) - 1  # billing_plans may coincide
    ca = generate(120, 12, 3, tmp_path / "ca", "csv", False, AS_OF, 20)
    cb = generate(120, 12, 3, tmp_path / "cb", "csv", False, AS_OF, 20)
    assert ca == cb
    for table in CONTRACT:
        assert (tmp_path / "ca" / f"{table}.csv").read_bytes() == (
            tmp_path / "cb" / f"{table}.csv"
        ).read_bytes(), table
    assert json.loads((tmp_path / "a" / "_manifest.json").read_text()) == a


def test_versions_follow_contract_semantics(big_clean):
    _, m, con = big_clean
    con.execute(
        """
        create or replace temp table pairs as
        select subscription_id, valid_from, valid_to, contract_end_date,
               lead(valid_from) over w as next_from,
               lead(contract_end_date) over w as next_end
        from billing_subscription_versions
        window w as (partition by subscription_id order by valid_from)
        """
    )
    q = _scalar(con)
    assert (
        q(
            "select count(*) from billing_subscription_versions "
            "where valid_to <= valid_from"
        )
        == 0
    )
    # no overlap: a version ends on or before the next one starts
    assert (
        q(
            "select count(*) from pairs where next_from < valid_to or "
            "(next_from is not null and valid_to is null)"
        )
        == 0
    )
    # amendment: closes and opens the same day, same contract end
    amend = "next_from = valid_to and next_from < contract_end_date"
    assert q(f"select count(*) from pairs where {amend}") > 100
    assert (
        q(f"select count(*) from pairs where {amend} and next_end <> contract_end_date")
        == 0
    )
    # a successor starting on or after the contract end starts a later term
    renew = "next_from >= contract_end_date"
    assert (
        q(f"select count(*) from pairs where {renew} and next_end <= contract_end_date")
        == 0
    )
    assert (
        q(
            "select count(*) from pairs where next_from is not null and "
            f"not ({amend}) and not ({renew})"
        )
        == 0
    )
    on_time = q("select count(*) from pairs where next_from = contract_end_date")
    late = q(
        f"select count(*) from pairs where {renew} and "
        "next_from between contract_end_date + 1 and contract_end_date + 30"
    )
    comeback = q("select count(*) from pairs where next_from > contract_end_date + 30")
    assert on_time > 100 and late > 10 and comeback >= 1
    # late renewals: nothing in force in the gap
    assert (
        q(
            f"select count(*) from pairs where {renew} and next_from > "
            "contract_end_date and valid_to > contract_end_date"
        )
        == 0
    )
    # early terminations and lapses: last version closed, no successor
    early = q(
        "select count(*) from pairs where next_from is null and "
        "valid_to < contract_end_date"
    )
    lapsed = q(
        "select count(*) from pairs where next_from is null and "
        "valid_to = contract_end_date"
    )
    assert early >= 5 and lapsed >= 50
    assert (
        q(
            "select count(*) from billing_subscription_versions "
            "where valid_from > date '2026-10-31'"
        )
        >= 1
    )
    assert m["planted"]["rows_after_as_of"]["billing_invoices"] >= 1


def test_planted_structure_is_present(big_clean):
    _, m, con = big_clean
    q = _scalar(con)
    p = m["planted"]
    assert (
        q("select count(*) from billing_customers where is_test")
        == p["test_customers"]
        > 0
    )
    assert (
        q("select count(*) from crm_accounts where billing_customer_id is null")
        == p["prospects"]
    )
    assert (
        q(
            "select count(*) from billing_customers where customer_id not in "
            "(select billing_customer_id from crm_accounts where billing_customer_id "
            "is not null)"
        )
        == p["customers_without_crm"]
        > 0
    )
    assert (
        q(
            "select count(*) from (select billing_customer_id from crm_accounts where "
            "billing_customer_id is not null group by 1 having count(*) = 2)"
        )
        == p["customers_with_two_accounts"]
    )
    assert (
        q(
            "select count(*) from billing_customers where created_at > "
            "timestamp '2026-11-01'"
        )
        == p["created_after_as_of"]
        > 0
    )
    # created_at never ties between two accounts of one customer
    assert (
        q(
            "select count(*) from (select billing_customer_id, created_at from "
            "crm_accounts group by 1, 2 having count(*) > 1)"
        )
        == 0
    )
    # converted referrals point at a later account that points back
    bad_links = q(
        """
        select count(*) from crm_referrals as r
        join crm_accounts as a on a.account_id = r.referred_account_id
        where r.status <> 'converted'
           or a.referred_by_account_id <> r.referrer_account_id
           or a.acquisition_channel <> 'referral'
           or a.created_at < r.referred_at
        """
    )
    converted = q(
        "select count(*) from crm_referrals where referred_account_id is not null"
    )
    assert bad_links == 0 and converted == p["referral_conversions"] > 10
    # fx: daily history from before the first record, no USD rows
    assert q("select count(*) from fx_rates where currency = 'USD'") == 0
    assert q("select min(rate_date) from fx_rates") < q(
        "select min(valid_from) from billing_subscription_versions"
    )
    assert str(q("select max(rate_date) from fx_rates")) <= AS_OF
    # MRR concentration: the top 20% of customers hold most of the MRR
    assert 0.65 <= p["top20_mrr_share_as_of"] <= 0.9
    assert (
        q(
            "select count(distinct billing_interval_months) from "
            "billing_subscription_versions"
        )
        == 3
    )
    assert q("select count(distinct status) from billing_invoices") == 5
    assert (
        q("select count(*) from billing_credit_notes where reason = 'product_return'")
        > 0
    )


def test_promoters_refer_more_than_detractors(big_clean):
    _, _, con = big_clean
    rows = con.execute(
        """
        select case when n.score >= 9 then 'promoter' when n.score <= 6 then 'detractor'
               end as grp,
               count(distinct n.response_id) as answers,
               count(r.referral_id) as referrals
        from crm_nps_responses as n
        left join crm_referrals as r
            on r.referrer_account_id = n.account_id
            and r.referred_at
                between n.responded_at and n.responded_at + interval 46 day
        group by 1
        """
    ).fetchall()
    rate = {g: refs / answers for g, answers, refs in rows if g}
    assert rate["promoter"] > 3 * rate["detractor"]


def _renewals_with_signals(con: duckdb.DuckDBPyConnection) -> None:
    """Renewals due (per the marts spec) with the signals visible before them."""
    con.execute(
        """
        create or replace temp table dues as
        with v as (
            select v.*, s.customer_id
            from billing_subscription_versions as v
            join billing_subscriptions as s using (subscription_id)
        ),
        due as (
            select distinct subscription_id, customer_id, contract_end_date as due_date
            from v
            where contract_end_date <= date '2026-10-31' - 30
              and valid_from < contract_end_date
              and coalesce(valid_to, date '9999-12-31') >= contract_end_date
        ),
        outcome as (
            select d.*, exists (
                select 1 from v where v.subscription_id = d.subscription_id
                  and v.valid_from between d.due_date and d.due_date + 30
                  and v.contract_end_date > d.due_date) as renewed
            from due as d
        ),
        acc as (
            select account_id, billing_customer_id as customer_id from crm_accounts
            where billing_customer_id is not null
        )
        select o.*,
            (select n.score from crm_nps_responses as n join acc using (account_id)
             where acc.customer_id = o.customer_id and n.responded_at < o.due_date - 30
               and n.responded_at >= o.due_date - 395
             order by n.responded_at desc limit 1) as last_nps,
            (select avg(datediff('day', i.due_date, cast(p.paid_at as date)))
             from billing_invoices as i join billing_payments as p using (invoice_id)
             where i.customer_id = o.customer_id and p.status = 'succeeded'
               and p.paid_at < o.due_date) as avg_days_late,
            (select count(*) from crm_support_tickets as t join acc using (account_id)
             where acc.customer_id = o.customer_id and t.priority = 'urgent'
               and t.opened_at between o.due_date - 210 and o.due_date - 30) as urgent,
            (select sum(u.key_actions) / sum(u.active_users)
             from product_usage_daily as u join acc using (account_id)
             where acc.customer_id = o.customer_id
               and u.usage_date between o.due_date - 60 and o.due_date - 31
            ) as actions_per_user
        from outcome as o
        """
    )


def test_churn_follows_the_signals(big_clean):
    _, _, con = big_clean
    _renewals_with_signals(con)

    def churn(where: str) -> float:
        n, churned = con.execute(
            "select count(*), count(*) filter (where not renewed) "
            f"from dues where {where}"
        ).fetchone()
        assert n >= 20, where
        return churned / n

    assert churn("last_nps <= 6") > 1.5 * churn("last_nps >= 9")
    assert churn("avg_days_late > 10") > 1.5 * churn("avg_days_late <= 0")
    assert churn("urgent >= 1") > 1.5 * churn("urgent = 0")
    low, high = con.execute(
        "select quantile_cont(actions_per_user, 0.33), "
        "quantile_cont(actions_per_user, 0.67) "
        "from dues where actions_per_user is not null"
    ).fetchone()
    assert churn(f"actions_per_user <= {low}") > 1.5 * churn(
        f"actions_per_user >= {high}"
    )
    overall = churn("true")
    assert 0.05 < overall < 0.35


def test_clean_data_respects_the_contract_values(big_clean):
    _, _, con = big_clean
    q = _scalar(con)
    for table, cols in CONTRACT.items():
        for col in cols:
            if col not in NULLABLE.get(table, set()):
                assert q(f"select count(*) from {table} where {col} is null") == 0, (
                    table,
                    col,
                )
            prefix = ID_PREFIX.get(col)
            if prefix and not (table == "crm_referrals" and col == "referred_company"):
                bad = q(
                    f"select count(*) from {table} where {col} is not null and not "
                    f"regexp_full_match({col}, '{prefix}_[0-9]{{7,}}')"
                )
                assert bad == 0, (table, col)
    for (table, col), allowed in ALLOWED.items():
        values = {
            r[0] for r in con.execute(f"select distinct {col} from {table}").fetchall()
        }
        assert values - {None} <= set(allowed), (table, col, values - set(allowed))
    assert (
        q("select count(*) from billing_subscription_versions where quantity <= 0") == 0
    )
    assert (
        q(
            "select count(*) from billing_subscription_versions "
            "where discount_pct not between 0 and 100"
        )
        == 0
    )
    assert (
        q("select count(*) from crm_nps_responses where score not between 0 and 10")
        == 0
    )
    assert (
        q(
            "select count(*) from billing_invoice_lines where line_type = 'discount' "
            "and amount >= 0"
        )
        == 0
    )
    assert q("select count(*) from billing_credit_notes where amount <= 0") == 0
    assert (
        q(
            "select count(*) from billing_invoices as i where total_amount <> (select "
            "sum(amount) from billing_invoice_lines as l "
            "where l.invoice_id = i.invoice_id)"
        )
        == 0
    )
    assert q("select max(cast(_extracted_at as date)) from billing_invoices") == q(
        "select date '2026-10-31'"
    )


def test_dirt_leaves_the_clean_truth_untouched(dirty_parquet):
    """MRR on the as-of date, recomputed from the dirty files after de-duplication and
    quarantine, equals the figure the generator computed from its clean arrays."""
    out, m = dirty_parquet
    con = open_landing(out, "parquet")
    derive_quarantine(con)
    rows = con.execute(
        """
        with v as (
            select s.customer_id, upper(trim(v.currency)) as currency,
                   v.quantity * v.unit_price * (1 - coalesce(v.discount_pct, 0) / 100)
                   / v.billing_interval_months as native_mrr
            from clean_billing_subscription_versions as v
            join clean_billing_subscriptions as s using (subscription_id)
            where v.valid_from <= date '2026-10-31'
              and coalesce(v.valid_to, date '9999-12-31') > date '2026-10-31'
        ),
        rates as (
            select upper(trim(currency)) as currency, rate_to_reporting
            from clean_fx_rates
            where rate_date <= date '2026-10-31'
            qualify row_number() over (partition by upper(trim(currency))
                                       order by rate_date desc) = 1
        )
        select v.customer_id, sum(v.native_mrr * coalesce(r.rate_to_reporting, 1))
        from v left join rates as r using (currency)
        group by 1
        """
    ).fetchall()
    expected = m["expected_customers"]
    totals: dict[str, float] = {}
    active: dict[str, int] = {}
    for cid, mrr in rows:
        if cid in expected and mrr > 0:
            seg = expected[cid]
            for key in (seg, "All"):
                totals[key] = totals.get(key, 0.0) + float(mrr)
                active[key] = active.get(key, 0) + 1
    planted = m["planted"]
    for seg, value in planted["mrr_as_of_usd"].items():
        assert abs(totals.get(seg, 0.0) - value) < 0.05, seg
        assert active.get(seg, 0) == planted["active_customers_as_of"][seg], seg


# marts.md, "Customer MRR in a month" and "MRR movement of a customer in month m",
# re-derived from the files: one row per month from the first version's month to
# the as-of month; the caller drops the leading months without active customers
MONTHLY_SQL = """
with customers as (
    select customer_id from {t}billing_customers
    where not is_test and cast(created_at as date) <= date '{as_of}'
),
versions as (
    select s.customer_id, upper(trim(v.currency)) as currency, v.valid_from,
           coalesce(v.valid_to, date '9999-12-31') as valid_to,
           cast(v.quantity * v.unit_price as double)
           * (1 - cast(coalesce(v.discount_pct, 0) as double) / 100)
           / v.billing_interval_months as native_mrr
    from {t}billing_subscription_versions as v
    join {t}billing_subscriptions as s using (subscription_id)
    join customers using (customer_id)
    join {t}billing_plans as p using (plan_id)
    where p.is_recurring and v.valid_from <= date '{as_of}'
),
months as (
    select cast(m as date) as month_start,
           least(cast(m + interval 1 month as date) - 1, date '{as_of}')
               as measured_on,
           row_number() over (order by m) as k
    from range(
        (select date_trunc('month', min(valid_from)) from versions),
        date_trunc('month', date '{as_of}') + interval 1 month,
        interval 1 month
    ) as r(m)
),
fx as (
    select upper(trim(currency)) as currency, rate_date,
           cast(rate_to_reporting as double) as rate
    from {t}fx_rates
),
rates as (  -- latest rate on or before the measuring day; USD = 1
    select months.k, c.currency,
           case when c.currency = 'USD' then 1.0 else fx.rate end as rate
    from months
    cross join (select distinct currency from versions) as c
    asof left join fx
        on fx.currency = c.currency and fx.rate_date <= months.measured_on
),
in_force as (
    select v.customer_id, v.currency, v.native_mrr, months.k
    from versions as v
    join months
        on v.valid_from <= months.measured_on and v.valid_to > months.measured_on
),
cur as (
    select i.customer_id, i.k, sum(i.native_mrr * r.rate) as mrr
    from in_force as i join rates as r using (k, currency)
    group by 1, 2
),
prev as (  -- the native MRR of the month before, at this month's rates
    select i.customer_id, r.k, sum(i.native_mrr * r.rate) as previous_mrr_cc
    from in_force as i
    join rates as r on r.k = i.k + 1 and r.currency = i.currency
    group by 1, 2
),
cm as (
    select customer_id, k, coalesce(mrr, 0) as mrr,
           coalesce(previous_mrr_cc, 0) as prev
    from cur full join prev using (customer_id, k)
),
flagged as (
    select *, min(k) filter (where mrr > 0) over (partition by customer_id)
              as first_k
    from cm
)
select strftime(months.month_start, '%Y-%m-%d') as month,
       count(f.customer_id) filter (where f.mrr > 0) as active_customers,
       coalesce(sum(f.mrr), 0) as mrr_usd,
       count(*) filter (where f.prev = 0 and f.mrr > 0 and f.k = f.first_k)
           as new_customers,
       count(*) filter (where f.prev = 0 and f.mrr > 0 and f.k > f.first_k)
           as reactivated_customers,
       count(*) filter (where f.prev > 0 and f.mrr = 0) as churned_customers,
       count(*) filter (where f.prev > 0 and f.mrr > f.prev)
           as expansion_customers,
       count(*) filter (where f.prev > 0 and f.mrr > 0 and f.mrr < f.prev)
           as contraction_customers
from months
left join flagged as f using (k)
group by months.k, months.month_start
order by months.k
"""


def derive_monthly(
    con: duckdb.DuckDBPyConnection, prefix: str = "", as_of: str = AS_OF
) -> list[dict]:
    """The monthly figures of marts.md from the landing tables `<prefix><table>`."""
    cur = con.execute(MONTHLY_SQL.format(t=prefix, as_of=as_of))
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    while rows and rows[0]["active_customers"] == 0:
        rows.pop(0)
    return rows


@pytest.fixture(scope="module")
def clean_300(tmp_path_factory) -> tuple[Path, dict]:
    """A normal small run: 300 customers, 24 months, no dirt."""
    out = tmp_path_factory.mktemp("clean_300")
    return out, generate(300, 24, 11, out, "parquet", False, AS_OF, 10)


def _check_monthly(monthly: list[dict], derived: list[dict]) -> None:
    assert [r["month"] for r in derived] == [r["month"] for r in monthly]
    for got, exp in zip(derived, monthly, strict=True):
        for key, value in exp.items():
            if key == "mrr_usd":
                assert abs(float(got[key]) - value) < 0.05, exp["month"]
            elif key != "month":
                assert got[key] == value, (exp["month"], key)


@pytest.mark.parametrize("fixture", ["clean_300", "dirty_parquet"])
def test_monthly_movements_match_an_independent_derivation(fixture, request):
    out, m = request.getfixturevalue(fixture)
    con = open_landing(out, "parquet")
    prefix = ""
    if m["dirty"]:  # the truth survives de-duplication and quarantine unchanged
        derive_quarantine(con)
        prefix = "clean_"
    _check_monthly(m["planted"]["monthly"], derive_monthly(con, prefix))


def test_monthly_shape_and_customer_flows(clean_300, big_clean):
    for m in (clean_300[1], big_clean[1]):
        p = m["planted"]
        monthly = p["monthly"]
        keys = {
            "month",
            "active_customers",
            "mrr_usd",
            "new_customers",
            "reactivated_customers",
            "churned_customers",
            "expansion_customers",
            "contraction_customers",
        }
        assert all(set(r) == keys for r in monthly)
        # consecutive months up to the as-of month, the first one with customers
        assert monthly[-1]["month"] == AS_OF[:8] + "01"
        assert monthly[0]["active_customers"] > 0
        for a, b in pairwise(monthly):
            y, mo = int(a["month"][:4]), int(a["month"][5:7])
            assert b["month"] == f"{y + mo // 12}-{mo % 12 + 1:02d}-01"
        # closing customers = opening + new + reactivated - churned, month to month
        opening = 0
        for r in monthly:
            flows = r["new_customers"] + r["reactivated_customers"]
            assert r["active_customers"] == opening + flows - r["churned_customers"]
            opening = r["active_customers"]
        assert monthly[0]["new_customers"] == monthly[0]["active_customers"]
        # the as-of figures are the last month's
        assert p["active_customers_as_of"]["All"] == monthly[-1]["active_customers"]
        assert p["mrr_as_of_usd"]["All"] == monthly[-1]["mrr_usd"]
        assert sum(r["new_customers"] for r in monthly) <= len(m["expected_customers"])
    # churns and come-backs in most months, so the warehouse's flows can be compared
    for monthly, share in (
        (clean_300[1]["planted"]["monthly"], 0.5),
        (big_clean[1]["planted"]["monthly"], 0.85),
    ):
        n = len(monthly)
        assert sum(r["churned_customers"] > 0 for r in monthly) > share * n
        assert sum(r["reactivated_customers"] > 0 for r in monthly) > share * n
        assert sum(r["expansion_customers"] > 0 for r in monthly) > share * n
        assert sum(r["contraction_customers"] > 0 for r in monthly) > share * n / 2
