"""Renewal risk end to end: no leakage, and the planted drivers are found.

Two warehouses on generated data, each built once per module with dbt (one
invocation: the seeds and models the assertions read):

- the same 300-customer landing files built at as-of T and at T minus 3
  months: every feature row up to the earlier date must be identical (a
  feature that read a later fact, or a current-state field, would differ);
- 3,000 customers x 36 months with usage over the whole history: the
  behaviours the generator drives churn with (usage decline, detractor NPS,
  urgent tickets, late payment) must rank among the six strongest
  behaviours of fct_renewal_drivers, raising risk, and promoters must lower
  it; the backtest must beat the issue's targets.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import PROJECT_DIR, cli_env

from cvm.generate import generate

DBT = str(Path(sys.executable).parent / "dbt")
AS_OF = "2026-10-31"
EARLIER_AS_OF = "2026-07-31"
PLANTED_RAISING = (
    "usage_decline",
    "is_nps_detractor",
    "urgent_tickets_6m",
    "late_invoice_share_12m",
)


def build(landing: Path, warehouse: Path, select: str, **env: str) -> None:
    """The models of `select` and the seeds they read, into `warehouse`.

    One dbt invocation (one parse of the project): `dbt build` without the
    data and unit tests.
    """
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            DBT,
            "build",
            "--select",
            select,
            "--exclude-resource-type",
            "test",
            "unit_test",
            "--profiles-dir",
            "profiles",
            "--project-dir",
            ".",
        ],
        cwd=PROJECT_DIR,
        env=cli_env(landing, warehouse, **env),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-4000:]


def features(warehouse: Path, up_to: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(
            "select * from intermediate.int_customer_risk_features "
            "where observation_month <= ? order by customer_id, observation_month",
            params=[up_to],
        ).df()


@pytest.fixture(scope="module")
def two_as_of_dates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("risk_leakage")
    landing = root / "landing"
    generate(customers=300, months=24, seed=5, out=landing, fmt="parquet")
    later, earlier = root / "later" / "cvm.duckdb", root / "earlier" / "cvm.duckdb"
    build(landing, later, "+int_customer_risk_features", CVM_AS_OF_DATE=AS_OF)
    build(landing, earlier, "+int_customer_risk_features", CVM_AS_OF_DATE=EARLIER_AS_OF)
    return later, earlier


def test_features_up_to_an_earlier_as_of_do_not_change(two_as_of_dates) -> None:
    later, earlier = two_as_of_dates
    at_t = features(later, EARLIER_AS_OF)
    at_t_minus_3 = features(earlier, EARLIER_AS_OF)
    assert len(at_t_minus_3) > 1000
    # the later build has more months: the as-of dates really differ
    assert len(features(later, AS_OF)) > len(at_t) + 500
    pd.testing.assert_frame_equal(at_t, at_t_minus_3, check_exact=True)


@pytest.fixture(scope="module")
def drivers_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("risk_drivers")
    landing, warehouse = root / "landing", root / "warehouse" / "cvm.duckdb"
    generate(
        customers=3000,
        months=36,
        seed=21,
        out=landing,
        fmt="parquet",
        usage_days=31 * 36,
    )
    build(landing, warehouse, "+fct_renewal_drivers +fct_renewal_risk_backtest")
    return warehouse


def test_planted_behaviours_rank_in_the_top_six(drivers_warehouse) -> None:
    with duckdb.connect(str(drivers_warehouse), read_only=True) as con:
        rows = con.sql(
            "select feature, direction, rank_in_group from marts.fct_renewal_drivers "
            "where feature_group = 'behaviour'"
        ).fetchall()
    drivers = {feature: (direction, rank) for feature, direction, rank in rows}
    for feature in PLANTED_RAISING:
        direction, rank = drivers[feature]
        assert direction == "raises risk", (feature, drivers)
        assert rank <= 6, (feature, sorted(drivers.items(), key=lambda d: d[1][1]))
    assert drivers["is_nps_promoter"][0] == "lowers risk", drivers


def test_backtest_meets_the_targets(drivers_warehouse) -> None:
    with duckdb.connect(str(drivers_warehouse), read_only=True) as con:
        auc, lift, brier, months = con.sql(
            "select avg(auc), avg(top_decile_lift), avg(brier_score), count(*) "
            "from marts.fct_renewal_risk_backtest where is_chosen"
        ).fetchone()
    assert months == 6
    assert auc >= 0.75 and lift >= 3 and 0 < brier < 0.25, (auc, lift, brier)
