"""Benchmark the renewal-risk model against the ceiling, and its build time.

Usage::

    python -m cvm.benchmarks.risk [--sizes 20000 2000] [--months 36]
        [--seed 1] [--work target/benchmark_risk]
        [--build-sizes 100000] [--step-sizes 1000000]

Accuracy (``--sizes``): for each size the generator writes clean landing data
with product usage over the whole history (``--usage-days`` = 31 x months)
and, outside the landing directory, its latent churn signals
(``--latent-out``). ``dbt seed`` and ``dbt run`` build the risk features,
labels and the walk-forward backtest (``+int_risk_backtest_metrics``) into
a fresh DuckDB file. Printed: the chosen model's backtest AUC, top-decile lift and Brier
score (means over the backtest months), next to the ceiling: the same two
model families, same backtest months, same observations and labels, fitted
on the generator's true signals (health, its 3-month trend, detractor,
promoter, urgent tickets, the late-payer flag, the segment offset) plus the
contract timing the warehouse sees (churn can only happen at a renewal or
mid-term decision, which the latent signals do not encode); the better
family by mean AUC, as in the warehouse. Also the ceiling on the true
signals alone.

Build time (``--build-sizes``): generates the size, runs ``dbt build`` into a
fresh file, then again without the risk models (``--exclude`` the risk
folders; their tables stay from the first build so dim_customers still
builds), then the full build again; prints both warm wall times, the
difference and the risk models' summed execution time from
run_results.json. Step time (``--step-sizes``): one full build, then only
the risk folders rebuilt on it (both without the unit tests, as the job
builds), each with wall time and peak RSS; for sizes
where three builds cost too much (1M). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from cvm import risk_model
from cvm.benchmarks.job import DBT, reusable, run_measured
from cvm.db import one_row
from cvm.generate import generate
from cvm.settings import PROJECT_DIR

RISK_PATHS = ["path:models/intermediate/risk", "path:models/marts/risk"]
TRUE_SIGNALS = [
    "health",
    "health_trend_3m",
    "is_detractor",
    "is_promoter",
    "urgent_tickets",
    "is_late_payer",
    "segment_churn_offset",
]
TIMING = ["months_to_contract_end", "is_contract_end_in_horizon"]


def dbt(args: list[str], warehouse: Path, landing: Path, work: Path) -> float:
    """Run dbt from the project root into `warehouse`; return wall seconds."""
    return dbt_measured(args, warehouse, landing, work)[0]


def dbt_measured(
    args: list[str], warehouse: Path, landing: Path, work: Path
) -> tuple[float, float]:
    """Run dbt into `warehouse`; return wall seconds and peak RSS in GiB."""
    env = dict(
        os.environ,
        CVM_WAREHOUSE_PATH=str(warehouse),
        CVM_LANDING_DIR=str(landing),
        DBT_TARGET_PATH=str(work / "dbt_target"),
        DBT_LOG_PATH=str(work / "dbt_logs"),
    )
    log = work / "dbt.log"
    cmd = [DBT, *args, "--profiles-dir", "profiles", "--project-dir", "."]
    measured = run_measured(cmd, env, log)
    if measured.exit_code != 0:
        raise SystemExit(f"dbt {args[0]} failed (exit {measured.exit_code}); see {log}")
    return measured.wall_s, measured.peak_rss_mib / 1024


def _mean_metrics(scored: pd.DataFrame) -> dict[str, float]:
    """Mean AUC, top-decile lift and Brier over the backtest months."""
    from sklearn.metrics import brier_score_loss, roc_auc_score

    rows = []
    for _, g in scored.groupby("observation_month"):
        y, p = g["is_churned"].to_numpy(), g["churn_probability"].to_numpy()
        if 0 < y.sum() < len(y):
            top = np.argsort(-p, kind="stable")[: int(np.ceil(len(p) / 10))]
            rows.append(
                (roc_auc_score(y, p), y[top].mean() / y.mean(), brier_score_loss(y, p))
            )
    auc, lift, brier = np.mean(rows, axis=0) if rows else (np.nan,) * 3
    return {"auc": auc, "lift": lift, "brier": brier}


def ceiling(
    con: duckdb.DuckDBPyConnection,
    signals: duckdb.DuckDBPyRelation,
    columns: list[str],
    months: list[Any],
    max_rows: int,
) -> tuple[str, dict[str, float]]:
    """The better family (by mean AUC) fitted on `columns` of `signals`
    (joined to the churn labels), same backtest."""
    labels = con.table("intermediate.int_customer_churn_labels")
    with risk_model.Observations(
        con,
        signals,
        labels,
        labelled_only=True,
        matrix=lambda rows: rows[columns].astype(float),
        inputs=columns,
    ) as observations:
        scored = risk_model.backtest(observations, months, max_rows)
    results = {
        name: _mean_metrics(scored[scored["model_name"] == name])
        for name in risk_model.MODEL_NAMES
    }
    best = max(results, key=lambda name: results[name]["auc"])
    return best, results[best]


def accuracy(customers: int, args: argparse.Namespace) -> None:
    work = Path(args.work) / f"accuracy_{customers}"
    shutil.rmtree(work, ignore_errors=True)
    landing, latent = work / "landing", work / "latent_signals.parquet"
    warehouse = work / "cvm.duckdb"
    t0 = time.time()
    generate(
        customers,
        args.months,
        args.seed,
        landing,
        usage_days=31 * args.months,
        latent_out=latent,
    )
    gen_s = time.time() - t0
    # the staging views read the seeds through a macro (no ref): seed first
    run_s = dbt(["seed"], warehouse, landing, work)
    run_s += dbt(
        ["run", "--select", "+int_risk_backtest_metrics"], warehouse, landing, work
    )
    con = duckdb.connect(str(warehouse), read_only=True)
    chosen = one_row(
        con,
        "select model_name, avg(auc), avg(top_decile_lift), avg(brier_score) "
        "from intermediate.int_risk_backtest_metrics where is_chosen group by 1",
    )
    months = [
        r[0]
        for r in con.sql(
            "select distinct observation_month from "
            "intermediate.int_risk_backtest_metrics order by 1"
        ).fetchall()
    ]
    path = str(latent).replace("'", "''")
    # the true signals and the contract timing the warehouse sees, by
    # customer and month (Observations joins them to the labels)
    signals = f"""
        select
            features.customer_id,
            features.observation_month,
            coalesce(features.months_to_contract_end, 99)
                as months_to_contract_end,
            cast(features.is_contract_end_in_horizon as int)
                as is_contract_end_in_horizon,
            latent.health,
            latent.health_trend_3m,
            cast(latent.is_detractor as int) as is_detractor,
            cast(latent.is_promoter as int) as is_promoter,
            least(latent.urgent_tickets_180d, 3) as urgent_tickets,
            cast(latent.is_late_payer as int) as is_late_payer,
            latent.segment_churn_offset
        from intermediate.int_customer_risk_features as features
        inner join read_parquet('{path}') as latent
            on
                features.customer_id = latent.customer_id
                and features.observation_month = latent.month_start
        """
    matched = one_row(
        con,
        f"""
        select count(*)
        from intermediate.int_customer_churn_labels as labels
        inner join ({signals}) as signals using (customer_id, observation_month)
        where labels.is_labelled
        """,
    )[0]
    max_rows = args.max_training_rows
    ceil_name, ceil = ceiling(
        con, con.sql(signals), TRUE_SIGNALS + TIMING, months, max_rows
    )
    bare_name, bare = ceiling(con, con.sql(signals), TRUE_SIGNALS, months, max_rows)
    con.close()
    print(
        f"\n{customers:,} customers x {args.months} months "
        f"(generate {gen_s:.0f} s, dbt build of the risk models and inputs "
        f"{run_s:.0f} s; {matched:,} labelled observations matched to the "
        f"latent signals; backtest months {months[0]:%Y-%m}..{months[-1]:%Y-%m})"
    )
    print(f"  {'':44} {'AUC':>6} {'lift@10%':>9} {'Brier':>7}")
    print(
        f"  {'warehouse model (' + chosen[0] + ')':44} "
        f"{chosen[1]:6.3f} {chosen[2]:9.2f} {chosen[3]:7.4f}"
    )
    print(
        f"  {'ceiling: true signals + timing (' + ceil_name + ')':44} "
        f"{ceil['auc']:6.3f} {ceil['lift']:9.2f} {ceil['brier']:7.4f}"
    )
    print(
        f"  {'true signals only (' + bare_name + ')':44} "
        f"{bare['auc']:6.3f} {bare['lift']:9.2f} {bare['brier']:7.4f}"
    )
    print(f"  AUC gap to the ceiling: {ceil['auc'] - chosen[1]:+.3f}")


def _risk_execution_s(work: Path) -> float:
    results = json.loads((work / "dbt_target" / "run_results.json").read_text())
    return float(
        sum(
            r["execution_time"]
            for r in results["results"]
            if "risk" in r["unique_id"] or "lifetime_value" in r["unique_id"]
        )
    )


def build_time(customers: int, args: argparse.Namespace) -> None:
    work = Path(args.work) / f"build_{customers}"
    shutil.rmtree(work, ignore_errors=True)
    landing, warehouse = work / "landing", work / "cvm.duckdb"
    t0 = time.time()
    generate(customers, args.months, args.seed, landing)
    gen_s = time.time() - t0
    first = dbt(["build"], warehouse, landing, work)
    risk_first = _risk_execution_s(work)
    base = dbt(["build", "--exclude", *RISK_PATHS], warehouse, landing, work)
    full = dbt(["build"], warehouse, landing, work)
    risk_full = _risk_execution_s(work)
    print(
        f"\nbuild at {customers:,} customers x {args.months} months "
        f"(generate {gen_s:.0f} s): first full build {first:.0f} s "
        f"(risk nodes {risk_first:.0f} s of execution);"
        f"\n  warm: without the risk models {base:.0f} s, with them {full:.0f} s: "
        f"+{full - base:.0f} s = +{100 * (full - base) / base:.0f}% "
        f"(risk nodes {risk_full:.0f} s of execution, threads overlap)"
    )


def risk_step(customers: int, args: argparse.Namespace) -> None:
    """The risk models alone on a built warehouse: their wall time and memory.

    Where a warm build with and without them costs too much to run (1M
    customers), this builds everything once, then rebuilds only the risk
    folders on it (the step a nightly run adds), each timed with its peak RSS.
    """
    work = Path(args.work) / f"risk_step_{customers}"
    landing, warehouse = work / "landing", work / "cvm.duckdb"
    t0 = time.time()
    # an earlier try's clean data of this size, months and seed: reused
    if reusable(landing, customers, args.months, args.seed, dirty=False):
        for path in work.iterdir():
            if path != landing:
                shutil.rmtree(path) if path.is_dir() else path.unlink()
    else:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        generate(customers, args.months, args.seed, landing)
    gen_s = time.time() - t0
    # as the nightly job builds: the unit tests are make test's
    no_unit_tests = ["--exclude-resource-type", "unit_test"]
    full_s, full_rss = dbt_measured(["build", *no_unit_tests], warehouse, landing, work)
    risk_in_full = _risk_execution_s(work)
    step_s, step_rss = dbt_measured(
        ["build", "--select", *RISK_PATHS, *no_unit_tests], warehouse, landing, work
    )
    print(
        f"\nrisk step at {customers:,} customers x {args.months} months "
        f"(generate {gen_s:.0f} s): full build {full_s:.0f} s, peak RSS "
        f"{full_rss:.1f} GiB (risk nodes {risk_in_full:.0f} s of execution);"
        f"\n  the risk models alone on the built warehouse: {step_s:.0f} s, "
        f"peak RSS {step_rss:.1f} GiB ({100 * step_s / full_s:.0f}% of the "
        f"full build's wall time)"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[20000, 2000])
    ap.add_argument("--build-sizes", type=int, nargs="*", default=[])
    ap.add_argument("--step-sizes", type=int, nargs="*", default=[])
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-training-rows", type=int, default=50000)
    ap.add_argument("--work", default=str(PROJECT_DIR / "target" / "benchmark_risk"))
    args = ap.parse_args(argv)
    for n in args.sizes:
        accuracy(n, args)
    for n in args.build_sizes:
        build_time(n, args)
    for n in args.step_sizes:
        risk_step(n, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
