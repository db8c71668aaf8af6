"""The warehouse job's command line: ``python -m scripts.cvm <command>``.

Commands:
  run      generate demo landing data if the landing directory is empty,
           build and test the warehouse (dbt build), print headline figures
  build    dbt build only
  summary  print headline figures of an existing warehouse

Exit codes: 0 success, 1 a model, test or landing check failed, 2 crash or
bad configuration.
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
import time

from scripts.dbt_invoke import EXIT_CRASH, EXIT_OK, run_dbt
from scripts.settings import Settings, landing_is_empty


def _log(message: str) -> None:
    print(f"[cvm {time.strftime('%H:%M:%S')}] {message}", flush=True)


def ensure_landing_data(settings: Settings) -> None:
    """Generate demo landing data when the landing directory is empty."""
    if not landing_is_empty(settings.landing_dir):
        _log(f"landing data: {settings.landing_dir}")
        return
    from scripts.generate_landing_data import generate

    _log(
        f"landing directory {settings.landing_dir} is empty: generating demo data "
        f"({settings.demo_customers} customers, {settings.demo_months} months, "
        f"seed {settings.demo_seed}, with injected dirt)"
    )
    generate(
        customers=settings.demo_customers,
        months=settings.demo_months,
        seed=settings.demo_seed,
        out=settings.landing_dir,
        fmt="parquet",
        dirty=True,
    )


def build(settings: Settings) -> int:
    _log(f"dbt build into {settings.warehouse_path}")
    started = time.monotonic()
    outcome = run_dbt(["build"], settings)
    if outcome.exit_code != EXIT_OK:
        for line in outcome.failures[1:10]:
            _log(f"  also: {line}")
        _log(f"FAILED (exit {outcome.exit_code}): {outcome.reason}")
        return outcome.exit_code
    _log(f"dbt build passed in {time.monotonic() - started:.0f}s")
    return EXIT_OK


def summary(settings: Settings) -> int:
    """Print where the warehouse is and a few headline figures."""
    import duckdb

    if not settings.warehouse_path.exists():
        _log(f"no warehouse at {settings.warehouse_path}: run `make run` first")
        return EXIT_CRASH
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        as_of = con.sql(
            "select as_of_date, as_of_source, reporting_currency "
            "from utilities.util_as_of_date"
        ).fetchone()
        segments = con.sql(
            "select segment, count(*) from marts.dim_customers "
            "group by 1 order by 2 desc"
        ).fetchall()
        bridge = con.sql(
            "select month_start, closing_customers, closing_mrr, new_customers, "
            "reactivated_customers, churned_customers, new_mrr + reactivation_mrr "
            "+ expansion_mrr - contraction_mrr - churned_mrr "
            "from marts.fct_mrr_movements where segment = 'All' "
            "order by month_start desc limit 1"
        ).fetchone()
        quarantine = con.sql(
            "select source_table, rule, count(*) from staging.stg_landing__quarantine "
            "group by 1, 2 order by 3 desc"
        ).fetchall()
    finally:
        con.close()
    print()
    print(f"Warehouse: {settings.warehouse_path}")
    print(f"As of:     {as_of[0]} ({as_of[1]})")
    total = sum(count for _, count in segments)
    print(f"Customers: {total:,}")
    for segment, count in segments:
        print(f"  {segment:<12} {count:>9,}")
    if bridge:
        month, active, mrr, new, back, lost, net_change = bridge
        print(
            f"MRR {month:%Y-%m}: {mrr:,.0f} {as_of[2]} from {active:,} active customers"
        )
        print(
            f"  this month: {new:,} new, {back:,} reactivated, {lost:,} churned; "
            f"net MRR change without FX {net_change:+,.0f}"
        )
    quarantined = sum(count for *_, count in quarantine)
    print(
        f"Quarantined landing rows: {quarantined:,} (staging.stg_landing__quarantine)"
    )
    for table, rule, count in quarantine[:8]:
        print(f"  {table:<32} {rule:<26} {count:>7,}")
    print("BI tools read the schema `marts` of that file (open it read-only).")
    return EXIT_OK


def _summary_in_child(settings: Settings) -> int:
    # dbt-duckdb keeps its connection open inside this process; DuckDB refuses
    # a second connection with another configuration, so read in a child.
    return subprocess.call(
        [sys.executable, "-m", "scripts.cvm", "summary"],
        env={**os.environ, **settings.dbt_env()},
    )


def _as_of(value: str) -> str:
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"as_of_date must be a date YYYY-MM-DD, got '{value}'"
        ) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.cvm",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=["run", "build", "summary"])
    parser.add_argument(
        "--as-of",
        type=_as_of,
        help="as-of date YYYY-MM-DD (default: latest billing extract)",
    )
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.as_of:
        settings = Settings(**{**settings.__dict__, "as_of_date": args.as_of})
    try:
        if args.command == "summary":
            return summary(settings)
        if args.command == "run":
            ensure_landing_data(settings)
        code = build(settings)
        if code == EXIT_OK and args.command == "run":
            return _summary_in_child(settings)
        return code
    except KeyboardInterrupt:
        _log("interrupted")
        return EXIT_CRASH
    except Exception as error:  # the one-line reason a scheduler log needs
        _log(f"CRASHED: {type(error).__name__}: {error}")
        return EXIT_CRASH


if __name__ == "__main__":
    sys.exit(main())
