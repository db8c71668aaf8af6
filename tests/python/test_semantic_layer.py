"""The semantic layer (models/semantic/): MetricFlow accepts it, and its
metrics give the marts' own numbers.

The warehouse is a copy of the session's build file (conftest's
``published_run``: the whole job on small generated data; the build file
holds the time spine), named cvm.duckdb as the semantic manifest's catalog
is. `mf` reads the semantic manifest from the project's
target/semantic_manifest.json (its path is fixed), which the session's
`dbt parse` writes (conftest's ``project_manifest``); it then opens the
warehouse through the profile output `read_only`, as it would read the
published file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from conftest import PROJECT_DIR, Published

from cvm.settings import Settings

BIN = Path(sys.executable).parent
TOLERANCE = 1e-9


def _env(warehouse: Path, landing: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CVM_", "DBT_"))
    }
    env.update(
        CVM_LANDING_DIR=str(landing),
        CVM_WAREHOUSE_PATH=str(warehouse),
        DBT_PROFILES_DIR=str(PROJECT_DIR / "profiles"),
        DBT_PROJECT_DIR=str(PROJECT_DIR),
        **extra,
    )
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=900
    )


@pytest.fixture(scope="session")
def mf_env(
    tmp_path_factory: pytest.TempPathFactory,
    published_run: Published,
    project_manifest: dict[str, Any],
) -> dict[str, str]:
    """The environment `mf` runs in, pointed at the session's build file."""
    root = tmp_path_factory.mktemp("semantic_layer")
    warehouse = root / "warehouse" / "cvm.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(Settings(Path(), published_run.warehouse).build_path, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        spine = con.execute(
            "select count(*) from duckdb_tables() "
            "where schema_name = 'utilities' and table_name = 'util_days'"
        ).fetchone()[0]
    assert spine, f"{warehouse} has no time spine"
    # read-only, as it would read the published file beside BI tools
    env = _env(
        warehouse,
        published_run.landing,
        DBT_LOG_PATH=str(root / "logs"),
        CVM_TARGET="read_only",
    )
    env["CVM_TEST_WAREHOUSE"] = str(warehouse)
    return env


def mf_query(env: dict[str, str], tmp_path: Path, *args: str) -> pd.DataFrame:
    """`mf query ARGS` as a DataFrame."""
    out = tmp_path / f"mf_{len(list(tmp_path.iterdir()))}.csv"
    done = _run([str(BIN / "mf"), "query", *args, "--csv", str(out)], env)
    assert done.returncode == 0 and out.exists(), done.stdout + done.stderr
    return pd.read_csv(out)


def marts(env: dict[str, str], sql: str, *params: Any) -> pd.DataFrame:
    with duckdb.connect(env["CVM_TEST_WAREHOUSE"], read_only=True) as con:
        return con.execute(sql, list(params)).df()


def assert_same(
    got: pd.DataFrame, expected: pd.DataFrame, keys: list[str], columns: list[str]
) -> None:
    """Same keys, and each value equal within TOLERANCE (nulls alike)."""
    got, expected = got.copy(), expected.copy()
    for key in keys:
        if key.startswith("metric_time"):
            got[key] = pd.to_datetime(got[key]).dt.date
            expected[key] = pd.to_datetime(expected[key]).dt.date
    joined = got.merge(
        expected, on=keys, how="outer", suffixes=("_mf", "_mart"), indicator=True
    )
    assert (joined["_merge"] == "both").all(), joined[joined["_merge"] != "both"]
    for column in columns:
        mf = joined[f"{column}_mf"].astype(float)
        mart = joined[f"{column}_mart"].astype(float)
        same = (mf.isna() & mart.isna()) | ((mf - mart).abs() <= TOLERANCE)
        assert same.all(), joined.loc[~same, [*keys, f"{column}_mf", f"{column}_mart"]]


def test_mf_validate_configs_passes(mf_env: dict[str, str]) -> None:
    """Semantic checks, and every model, dimension, measure and metric
    queried against the warehouse."""
    done = _run([str(BIN / "mf"), "validate-configs"], mf_env)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Successfully validated metrics against data warehouse" in output, output


def test_quarterly_mrr_is_the_quarters_last_month_never_a_sum(
    mf_env: dict[str, str], tmp_path: Path
) -> None:
    got = mf_query(
        mf_env, tmp_path, "--metrics", "mrr", "--group-by", "metric_time__quarter"
    )
    months = marts(
        mf_env,
        "select month_start, cast(date_trunc('quarter', month_start) as date) "
        "as quarter, closing_mrr from marts.fct_mrr_movements where segment = 'All'",
    )
    last = months.sort_values("month_start").groupby("quarter").tail(1)
    expected = last.rename(
        columns={"quarter": "metric_time__quarter", "closing_mrr": "mrr"}
    )
    assert len(got) == len(expected) >= 8
    assert_same(got, expected, ["metric_time__quarter"], ["mrr"])
    # the trap the layer closes: summing the quarter's months
    months["quarter"] = pd.to_datetime(months["quarter"]).dt.date
    summed = months.groupby("quarter")["closing_mrr"].agg(["sum", "size"])
    by_quarter = got.set_index(pd.to_datetime(got["metric_time__quarter"]).dt.date)
    full = summed[summed["size"] == 3]
    assert len(full) >= 6
    assert (by_quarter.loc[full.index, "mrr"] < full["sum"].astype(float) / 2).all()


def test_mrr_bridge_saved_query_equals_fct_mrr_movements(
    mf_env: dict[str, str], tmp_path: Path
) -> None:
    got = mf_query(mf_env, tmp_path, "--saved-query", "mrr_bridge_by_month")
    expected = marts(
        mf_env,
        "select *, month_start as metric_time__month, segment as customer__segment,"
        " closing_mrr as mrr, new_mrr + reactivation_mrr + expansion_mrr"
        " - contraction_mrr - churned_mrr as net_new_mrr "
        "from marts.fct_mrr_movements where segment <> 'All'",
    )
    columns = [
        *("opening_mrr", "fx_adjustment_mrr", "new_mrr", "reactivation_mrr"),
        *("expansion_mrr", "contraction_mrr", "churned_mrr", "net_new_mrr", "mrr"),
    ]
    keys = ["metric_time__month", "customer__segment"]
    assert len(expected) >= 24 * 4
    assert_same(got, expected[[*keys, *columns]], keys, columns)


def test_customer_flows_and_logo_churn_by_quarter(
    mf_env: dict[str, str], tmp_path: Path
) -> None:
    columns = [
        *("customers_opening", "customers_new", "customers_reactivated"),
        *("customers_churned", "customers_closing", "logo_churn_rate"),
    ]
    got = mf_query(
        mf_env,
        tmp_path,
        *("--metrics", ",".join(columns)),
        *("--group-by", "metric_time__quarter,customer__segment"),
    )
    expected = marts(
        mf_env,
        """
        select
            flows.period_start as metric_time__quarter,
            flows.segment as customer__segment,
            flows.opening_customers as customers_opening,
            flows.new_customers as customers_new,
            flows.reactivated_customers as customers_reactivated,
            flows.churned_customers as customers_churned,
            flows.closing_customers as customers_closing,
            kpis.logo_churn_rate
        from marts.fct_customer_flows as flows
        inner join marts.fct_growth_kpis as kpis
            using (period_grain, period_start, segment)
        where flows.period_grain = 'quarter' and flows.segment <> 'All'
        """,
    )
    assert_same(got, expected, ["metric_time__quarter", "customer__segment"], columns)


def assert_book_and_segments(
    env: dict[str, str],
    tmp_path: Path,
    rows: pd.DataFrame,
    keys: list[str],
    columns: list[str],
    saved_query: str | None = None,
) -> None:
    """The metrics of every segment together (the saved query, if named)
    equal the mart's 'All' rows; grouped also by the segment (the last key),
    the segment rows."""
    book_keys = keys[:-1]
    by_metrics = ("--metrics", ",".join(columns), "--group-by")
    if saved_query:
        got = mf_query(env, tmp_path, "--saved-query", saved_query)
    else:
        got = mf_query(env, tmp_path, *by_metrics, ",".join(book_keys))
    whole_book = rows[rows["segment"] == "All"]
    assert_same(got, whole_book[[*book_keys, *columns]], book_keys, columns)
    got = mf_query(env, tmp_path, *by_metrics, ",".join(keys))
    segments = rows[rows["segment"] != "All"]
    assert_same(got, segments[[*keys, *columns]], keys, columns)


def test_revenue_retention_by_cohort(mf_env: dict[str, str], tmp_path: Path) -> None:
    cohorts = marts(
        mf_env,
        "select cohort_month as metric_time__month, months_since_start as "
        "retention_cohort__months_since_start, segment as "
        "retention_cohort__segment, * from marts.fct_retention_cohorts",
    )
    assert (cohorts["segment"] == "All").sum() > 200
    assert_book_and_segments(
        mf_env,
        tmp_path,
        cohorts,
        [
            *("metric_time__month", "retention_cohort__months_since_start"),
            "retention_cohort__segment",
        ],
        ["net_revenue_retention", "gross_revenue_retention", "logo_retention"],
        saved_query="retention_by_cohort",
    )


def test_renewal_rates_by_contract_end_month(
    mf_env: dict[str, str], tmp_path: Path
) -> None:
    """Per contract-end month, pending renewals left out of the rates; by
    the customer's segment too."""
    cohorts = marts(
        mf_env,
        "select cohort_month as metric_time__month, segment, segment as "
        "customer__segment, renewal_rate, gross_renewal_rate, net_renewal_rate, "
        "renewals_due, pending as renewals_pending, pending_arr_due "
        "from marts.fct_renewal_cohorts",
    )
    assert cohorts.loc[cohorts["segment"] == "All", "renewal_rate"].notna().sum() >= 10
    assert_book_and_segments(
        mf_env,
        tmp_path,
        cohorts,
        ["metric_time__month", "customer__segment"],
        [
            *("renewal_rate", "gross_renewal_rate", "net_renewal_rate"),
            *("renewals_due", "renewals_pending", "pending_arr_due"),
        ],
        saved_query="renewal_rate_by_cohort",
    )


def test_referral_rate_and_nps_by_quarter_and_segment(
    mf_env: dict[str, str], tmp_path: Path
) -> None:
    quarters = marts(
        mf_env,
        "select quarter_start as metric_time__quarter, segment, segment as "
        "referral_quarter__segment, referral_rate, nps, referrals, "
        "nps_responses from marts.fct_referrals_by_segment",
    )
    assert (
        quarters.loc[quarters["segment"] == "All", "referral_rate"].notna().sum() >= 8
    )
    assert_book_and_segments(
        mf_env,
        tmp_path,
        quarters,
        ["metric_time__quarter", "referral_quarter__segment"],
        ["referral_rate", "nps", "referrals", "nps_responses"],
    )


def test_top_20_percent_shares(mf_env: dict[str, str], tmp_path: Path) -> None:
    summary = marts(
        mf_env,
        "select snapshot_month as metric_time__month, segment as "
        "concentration__segment, top20_revenue_share, top20_profit_share, "
        "top20_revenue_share as top20_revenue_share_in_segment "
        "from marts.fct_value_concentration_summary",
    )
    keys = ["metric_time__month"]
    columns = ["top20_revenue_share", "top20_profit_share"]
    got = mf_query(
        mf_env, tmp_path, "--metrics", ",".join(columns), "--group-by", keys[0]
    )
    whole_book = summary[summary["concentration__segment"] == "All"]
    assert len(whole_book) >= 4
    assert_same(got, whole_book[[*keys, *columns]], keys, columns)
    # within each segment: its own customers ranked among themselves
    keys = ["metric_time__month", "concentration__segment"]
    got = mf_query(
        mf_env,
        tmp_path,
        *("--metrics", "top20_revenue_share_in_segment"),
        *("--group-by", ",".join(keys)),
    )
    segments = summary[summary["concentration__segment"] != "All"]
    columns = ["top20_revenue_share_in_segment"]
    assert_same(got, segments[[*keys, *columns]], keys, columns)


def test_value_tier_shares(mf_env: dict[str, str], tmp_path: Path) -> None:
    """Each tier's share of the scored customers at each snapshot (a ratio
    whose numerator is its denominator filtered: without an alias MetricFlow
    dropped the filter and every share read 1)."""
    tiers = {"A+": "a_plus", "A": "a", "B": "b", "C": "c"}
    columns = [f"value_tier_{key}_share" for key in tiers.values()]
    shares = ", ".join(
        f"avg(case when value_tier = '{tier}' then 1.0 else 0 end) "
        f"as value_tier_{key}_share"
        for tier, key in tiers.items()
    )
    expected = marts(
        mf_env,
        f"select snapshot_month as metric_time__month, {shares} "
        "from marts.fct_customer_value_scores group by 1",
    )
    got = mf_query(
        mf_env,
        tmp_path,
        "--metrics",
        ",".join(columns),
        "--group-by",
        "metric_time__month",
    )
    assert len(expected) >= 4
    assert_same(got, expected, ["metric_time__month"], columns)
    assert (got[columns].sum(axis=1) - 1).abs().max() <= TOLERANCE
