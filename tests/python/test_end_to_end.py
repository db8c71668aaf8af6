"""End to end: generate small dirty data, build, compare with what was planted.

The generator's manifest says exactly which rows it made dirty; the warehouse
must quarantine, de-duplicate and keep exactly those, and dim_customers must
hold exactly the planted customers with their segments.

The data and the build are the session's (conftest's ``published_run``: 300
customers, 24 months, CSV; `make dbt-test` builds the parquet file and folder
forms): the whole job (build, validate with dbt tests and expectations,
publish) ran on it. Its landing data also carries the planted personal
values of test_private_data, which change no row count, and one contact
record that cannot be split, which the quarantine holds beside what the
manifest says (UNSPLIT).
"""

from __future__ import annotations

import duckdb
import pytest
from conftest import Published
from personal_data import UNSPLIT_TABLE

from cvm.settings import Settings

PERSONAL_COLUMNS = {"email", "full_name", "phone", "comment"}
# the record personal_data.py appends: quarantined, never a landing row
UNSPLIT = {UNSPLIT_TABLE: {"malformed_row": 1}}


@pytest.fixture(scope="module")
def built(published_run: Published) -> tuple[dict, duckdb.DuckDBPyConnection]:
    # the build file: landing, staging and intermediates (the published file
    # holds the marts only)
    build = Settings(published_run.landing, published_run.warehouse).build_path
    con = duckdb.connect(str(build), read_only=True)
    yield published_run.manifest, con
    con.close()


def _model_suffix(table: str) -> str:
    """The <source>__<entity> part of a landing table's base_/stg_ models."""
    if table == "fx_rates":
        return "billing__fx_rates"
    source, entity = table.split("_", 1)
    return f"{source}__{entity}"


def test_raw_rows_are_what_was_written(built) -> None:
    manifest, con = built
    for table, expected in manifest["raw_rows"].items():
        actual = con.sql(f"select count(*) from landing.{table}").fetchone()[0]
        assert actual == expected, table


def test_quarantine_is_exactly_what_was_planted(built) -> None:
    manifest, con = built
    rows = con.sql(
        "select source_table, rule, count(*) from staging.stg_landing__quarantine "
        "group by 1, 2"
    ).fetchall()
    actual: dict[str, dict[str, int]] = {}
    for table, rule, count in rows:
        actual.setdefault(table, {})[rule] = count
    expected = {
        table: rules for table, rules in manifest["quarantine"].items() if rules
    }
    for table, rules in UNSPLIT.items():
        for rule, count in rules.items():
            table_rules = expected.setdefault(table, {})
            table_rules[rule] = table_rules.get(rule, 0) + count
    assert actual == expected
    # every quarantine kind of the contract was planted and found
    found_rules = {rule for rules in actual.values() for rule in rules}
    assert {
        "null_key",
        "invalid_date_range",
        "quantity_not_positive",
        "score_out_of_range",
        "currency_without_rate",
        "unknown_billing_customer",
    } <= found_rules


def test_duplicates_and_clean_rows_match_the_manifest(built) -> None:
    manifest, con = built
    for table in manifest["raw_rows"]:
        name = _model_suffix(table)
        duplicates = con.sql(
            f"select count(*) from staging.base_{name} where _dedup_rank > 1"
        ).fetchone()[0]
        clean = con.sql(f"select count(*) from staging.stg_{name}").fetchone()[0]
        assert duplicates == manifest["duplicates_removed"][table], table
        assert clean == manifest["clean_rows"][table], table
    assert sum(manifest["duplicates_removed"].values()) > 0


def test_dim_customers_holds_exactly_the_planted_customers(built) -> None:
    manifest, con = built
    actual = dict(
        con.sql("select customer_id, segment from marts.dim_customers").fetchall()
    )
    assert actual == manifest["expected_customers"]
    segments = set(actual.values())
    assert {"SMB", "Mid-Market", "Enterprise", "Unassigned"} <= segments


def test_test_and_future_customers_stay_out_of_the_marts(built) -> None:
    manifest, con = built
    planted = manifest["planted"]
    test_in_dim, future_in_staging, future_in_dim = con.sql(
        """
        select
            count(*) filter (where billing.is_test and dim.customer_id is not null),
            count(*) filter (where billing.created_at::date > as_of.as_of_date),
            count(*) filter (
                where billing.created_at::date > as_of.as_of_date
                and dim.customer_id is not null
            )
        from staging.stg_billing__customers as billing
        cross join utilities.util_as_of_date as as_of
        left join marts.dim_customers as dim using (customer_id)
        """
    ).fetchone()
    assert planted["test_customers"] > 0
    assert test_in_dim == 0
    assert future_in_staging == planted["created_after_as_of"] > 0
    assert future_in_dim == 0


def test_as_of_date_is_the_planted_one(built) -> None:
    manifest, con = built
    as_of = con.sql("select cast(as_of_date as varchar) from utilities.util_as_of_date")
    assert as_of.fetchone()[0] == manifest["as_of_date"]


def test_no_personal_data_in_marts(built) -> None:
    _, con = built
    columns = {
        name
        for (name,) in con.sql(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts'"
        ).fetchall()
    }
    assert not columns & PERSONAL_COLUMNS


def test_every_categorical_value_is_canonical(built) -> None:
    _, con = built
    segments = con.sql(
        "select distinct segment from staging.stg_crm__accounts"
    ).fetchall()
    assert {s for (s,) in segments} <= {
        "SMB",
        "Mid-Market",
        "Enterprise",
        "Unassigned",
        None,
    }
    priorities = con.sql(
        "select distinct priority from staging.stg_crm__support_tickets"
    ).fetchall()
    assert {p for (p,) in priorities} <= {"low", "normal", "high", "urgent", "unknown"}


def test_mrr_and_active_customers_at_as_of_are_the_planted_ones(built) -> None:
    manifest, con = built
    planted = manifest["planted"]
    rows = con.sql(
        "select segment, count(*) filter (where is_active), sum(current_mrr) "
        "from marts.dim_customers group by 1"
    ).fetchall()
    active = {segment: count for segment, count, _ in rows if count}
    mrr = {segment: float(total) for segment, _, total in rows if total}
    expected_active = {
        s: n for s, n in planted["active_customers_as_of"].items() if s != "All" and n
    }
    assert active == expected_active
    for segment, expected in planted["mrr_as_of_usd"].items():
        if segment != "All" and expected:
            assert mrr[segment] == pytest.approx(expected, abs=0.05), segment
    closing = con.sql(
        "select closing_customers, closing_mrr from marts.fct_mrr_movements "
        "where segment = 'All' order by month_start desc limit 1"
    ).fetchone()
    assert closing[0] == planted["active_customers_as_of"]["All"]
    assert float(closing[1]) == pytest.approx(planted["mrr_as_of_usd"]["All"], abs=0.05)


def test_late_renewals_inside_the_grace_window_are_renewed(built) -> None:
    manifest, con = built
    late_renewed = con.sql(
        """
        select count(*)
        from marts.fct_renewals as renewals
        inner join intermediate.int_subscription_versions_priced as renewal_version
            on renewals.renewal_version_id = renewal_version.version_id
        where
            renewals.outcome = 'renewed'
            and renewal_version.valid_from > renewals.contract_end_date
        """
    ).fetchone()[0]
    assert late_renewed == manifest["planted"]["late_renewals"] > 0


def test_promoters_refer_more_than_detractors(built) -> None:
    _, con = built
    rates = dict(
        con.sql(
            """
            with latest_score as (
                select customer_id, score
                from intermediate.int_customer_referral_activity
                where activity_type = 'nps_response'
                qualify row_number() over (
                    partition by customer_id order by activity_date desc
                ) = 1
            ),
            referrals as (
                select customer_id, count(*) as referrals
                from intermediate.int_customer_referral_activity
                where activity_type = 'referral'
                group by 1
            )
            select
                case when score >= 9 then 'promoter' else 'detractor' end,
                avg(coalesce(referrals, 0))
            from latest_score
            left join referrals using (customer_id)
            where score >= 9 or score <= 6
            group by 1
            """
        ).fetchall()
    )
    assert rates["promoter"] > 2 * rates["detractor"]


def test_top_value_tiers_hold_a_disproportionate_share_of_profit(built) -> None:
    _, con = built
    top_share, top_customers_share = con.sql(
        """
        select
            sum(gross_profit_raw) filter (where value_tier in ('A+', 'A'))
                / sum(gross_profit_raw),
            count(*) filter (where value_tier in ('A+', 'A')) / count(*)
        from marts.fct_customer_value_scores
        where snapshot_month = (
            select max(snapshot_month) from marts.fct_customer_value_scores
        )
        """
    ).fetchone()
    # the top fifth of customers by value carries far more than a fifth
    assert top_customers_share <= 0.21
    assert top_share > 2 * top_customers_share


def test_monthly_movements_are_the_planted_ones(built) -> None:
    manifest, con = built
    planted = {entry["month"]: entry for entry in manifest["planted"]["monthly"]}
    rows = con.sql(
        """
        select
            cast(month_start as varchar), closing_customers, closing_mrr,
            new_customers, reactivated_customers, churned_customers
        from marts.fct_mrr_movements
        where segment = 'All'
        """
    ).fetchall()
    actual = {row[0]: row for row in rows}
    assert set(actual) == set(planted)
    months_with_churn = months_with_reactivation = 0
    for month, entry in planted.items():
        _, active, mrr, new, back, lost = actual[month]
        assert (active, new, back, lost) == (
            entry["active_customers"],
            entry["new_customers"],
            entry["reactivated_customers"],
            entry["churned_customers"],
        ), month
        assert float(mrr) == pytest.approx(entry["mrr_usd"], abs=0.05), month
        months_with_churn += lost > 0
        months_with_reactivation += back > 0
    # the check means something: churns and returns were planted and found
    assert months_with_churn >= 6
    assert months_with_reactivation >= 6
