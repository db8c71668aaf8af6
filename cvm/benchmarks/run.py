"""Benchmark the whole job (`cvm run`), split by step.

Usage::

    python -m cvm.benchmarks.run [--customers 100000] [--months 36]
        [--seed 1] [--runs 2] [--keep DIR]

Generates dirty landing data (``--dirty --format parquet``) into a temporary
directory, or reuses ``DIR/landing`` under ``--keep DIR`` when it holds a
manifest of the same size, months and seed, then runs the job ``--runs``
times in a row into one warehouse directory: the first run publishes a new
warehouse, the next ones also compare row counts with the run before.
Printed per run: wall time and peak RSS of the job's process (``os.wait4``),
each step's wall time (the job's own ``<step>: done in N s`` lines), the
number of expectations, and the published file's size. Figures are
printed, never asserted. ``python -m cvm.benchmarks.job`` runs the job once
per size and records the figures.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from cvm.benchmarks.job import generate_landing, reusable, run_job


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="work in DIR and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="cvm-bench-run-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        landing = root / "landing"
        if reusable(landing, args.customers, args.months, args.seed):
            print(f"reusing landing data in {landing}")
            generated = 0.0
        else:
            shutil.rmtree(landing, ignore_errors=True)
            generated = generate_landing(
                landing, args.customers, args.months, args.seed
            )
        print(
            f"{args.customers:,} customers, {args.months} months; generated in "
            f"{generated:.0f}s"
        )
        print(
            f"{'run':>3} {'exit':>4} {'wall s':>7} {'landing':>8} {'build':>7} "
            f"{'validate':>9} {'publish':>8} {'gx':>4} {'peak RSS':>9} {'file':>8}"
        )
        for number in range(1, args.runs + 1):
            result = run_job(root, landing)
            steps = result["steps"]
            expectations = result["expectations"]
            print(
                f"{number:>3} {result['exit_code']:>4} {result['wall_s']:>7.1f} "
                f"{steps.get('landing', 0):>8.1f} {steps.get('build', 0):>7.1f} "
                f"{steps.get('validate', 0):>9.1f} {steps.get('publish', 0):>8.1f} "
                f"{'-' if expectations is None else expectations:>4} "
                f"{result['peak_rss_mib'] / 1024:>7.1f}GB "
                f"{(result['published_bytes'] or 0) / 1e9:>6.2f}GB"
            )
        print("wall = the whole process: Python and dbt start-up, steps, summary")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
