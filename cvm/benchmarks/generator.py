"""Benchmark the landing data generator: wall time, peak RSS and rows per table.

Usage::

    python -m cvm.benchmarks.generator [--sizes 100000 1000000] [--months 36]
        [--usage-days 90] [--format parquet] [--dirty] [--seed 1] [--keep DIR]

Each size runs the generator in its own subprocess into a temporary directory
(or under ``--keep DIR``). Peak RSS is the child's ``ru_maxrss`` (from
``os.wait4``, the same figure ``resource.getrusage(RUSAGE_CHILDREN)`` reports for
a single child); the running maximum over all children is printed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cvm.settings import PROJECT_DIR


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run_once(customers: int, args: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Run the generator once; return wall seconds, peak RSS (MiB) and the manifest."""
    cmd = [
        sys.executable,
        "-m",
        "cvm.generate",
        "--customers",
        str(customers),
        "--months",
        str(args.months),
        "--seed",
        str(args.seed),
        "--out",
        str(out),
        "--format",
        args.format,
        "--usage-days",
        str(args.usage_days),
    ]
    if args.dirty:
        cmd.append("--dirty")
    if not args.progress:
        cmd.append("--quiet")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=PROJECT_DIR)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(
            f"generator failed for {customers} customers (exit {proc.returncode})"
        )
    manifest = json.loads((out / "_manifest.json").read_text(encoding="utf-8"))
    return {
        "customers": customers,
        "wall_s": round(wall, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 0),
        "disk_mib": round(_dir_size(out) / 2**20, 1),
        "rows": manifest["raw_rows"],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--usage-days", type=int, default=90)
    ap.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    ap.add_argument("--dirty", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--keep", type=Path, help="write under this folder and keep the output"
    )
    ap.add_argument(
        "--progress", action="store_true", help="show the generator's progress"
    )
    ap.add_argument("--json", type=Path, help="also write the results to this file")
    args = ap.parse_args(argv)
    results = []
    for n in args.sizes:
        if args.keep:
            out = args.keep / f"customers_{n}"
            out.mkdir(parents=True, exist_ok=True)
            results.append(run_once(n, args, out))
        else:
            with tempfile.TemporaryDirectory(prefix=f"bench_{n}_") as tmp:
                results.append(run_once(n, args, Path(tmp)))
        r = results[-1]
        print(
            f"customers={n:,} months={args.months} format={args.format} "
            f"dirty={args.dirty}: wall {r['wall_s']} s, "
            f"peak RSS {r['peak_rss_mib']:.0f} MiB, "
            f"{sum(r['rows'].values()):,} rows, {r['disk_mib']} MiB on disk",
            flush=True,
        )
    tables = list(results[0]["rows"])
    width = max(len(t) for t in tables)
    print(
        "\n" + "table".ljust(width) + "".join(f"{r['customers']:>14,}" for r in results)
    )
    for t in tables:
        print(t.ljust(width) + "".join(f"{r['rows'][t]:>14,}" for r in results))
    print(
        "total".ljust(width)
        + "".join(f"{sum(r['rows'].values()):>14,}" for r in results)
    )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\nmax RSS over all children (RUSAGE_CHILDREN): {peak:.0f} MiB")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
