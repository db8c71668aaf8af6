"""Benchmark the whole job (`cvm run`), split by step.

Usage::

    python -m cvm.benchmarks.run [--customers 100000] [--months 36]
        [--seed 1] [--runs 2] [--keep DIR]

Generates dirty landing data (``--dirty --format parquet``) into a temporary
directory, or reuses ``DIR/landing`` under ``--keep DIR`` when it holds a
manifest, then runs the job ``--runs`` times in a row into one warehouse
directory: the first run publishes a new warehouse, the next ones also compare
row counts with the run before. Printed per run: wall time and peak RSS of the
job's process (``os.wait4``), each step's wall time (the job's own
``<step>: done in N s`` lines), the number of expectations, and the published
file's size. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cvm.settings import PROJECT_DIR

STEP_DONE = re.compile(r"\] (\w+): done in ([\d.]+)s")
EXPECTATIONS = re.compile(r"validate: (\d+) expectations, (\d+) failed")


def _generate(landing: Path, customers: int, months: int, seed: int) -> float:
    if (landing / "_manifest.json").exists():
        print(f"reusing landing data in {landing}")
        return 0.0
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            *("-m", "cvm.generate"),
            *("--customers", str(customers), "--months", str(months)),
            *("--seed", str(seed), "--dirty", "--format", "parquet"),
            *("--out", str(landing)),
        ],
        check=True,
        cwd=PROJECT_DIR,
        stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - started


def _run_job(root: Path, landing: Path) -> dict[str, Any]:
    env = {
        **os.environ,
        "CVM_LANDING_DIR": str(landing),
        "CVM_WAREHOUSE_PATH": str(root / "warehouse" / "cvm.duckdb"),
        "DBT_TARGET_PATH": str(root / "target"),
        "DBT_LOG_PATH": str(root / "logs"),
    }
    log = root / "job.log"
    started = time.monotonic()
    with log.open("a") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cvm", "run"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    text = log.read_text().split("] run ")[-1]  # this run's lines
    expectations = EXPECTATIONS.search(text)
    published = root / "warehouse" / "cvm.duckdb"
    return {
        "exit": os.waitstatus_to_exitcode(status),
        "wall": wall,
        "peak_rss_gb": usage.ru_maxrss / 1024 / 1024,
        "steps": {step: float(sec) for step, sec in STEP_DONE.findall(text)},
        "expectations": expectations.group(1) if expectations else "-",
        "file_gb": published.stat().st_size / 1e9 if published.exists() else 0.0,
    }


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
        generated = _generate(root / "landing", args.customers, args.months, args.seed)
        print(
            f"{args.customers:,} customers, {args.months} months; generated in "
            f"{generated:.0f}s"
        )
        print(
            f"{'run':>3} {'exit':>4} {'wall s':>7} {'landing':>8} {'build':>7} "
            f"{'validate':>9} {'publish':>8} {'gx':>4} {'peak RSS':>9} {'file':>8}"
        )
        for number in range(1, args.runs + 1):
            result = _run_job(root, root / "landing")
            steps = result["steps"]
            print(
                f"{number:>3} {result['exit']:>4} {result['wall']:>7.1f} "
                f"{steps.get('landing', 0):>8.1f} {steps.get('build', 0):>7.1f} "
                f"{steps.get('validate', 0):>9.1f} {steps.get('publish', 0):>8.1f} "
                f"{result['expectations']:>4} {result['peak_rss_gb']:>7.1f}GB "
                f"{result['file_gb']:>6.2f}GB"
            )
        print("wall = the whole process: Python and dbt start-up, steps, summary")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
