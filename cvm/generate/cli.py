"""The generator's command line: ``cvm generate`` / ``python -m cvm.generate``."""

from __future__ import annotations

import argparse
import sys

import cvm.generate
from cvm.generate.core import DEFAULT_AS_OF
from cvm.generate.pipeline import generate
from cvm.generate.spec import TABLES


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    description = (cvm.generate.__doc__ or "").split("\n\n")[0]
    ap = argparse.ArgumentParser(prog=prog, description=description)
    ap.add_argument("--customers", type=int, required=True)
    ap.add_argument("--months", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="landing directory to write")
    ap.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    ap.add_argument(
        "--dirty", action="store_true", help="inject duplicates, bad rows, ..."
    )
    ap.add_argument(
        "--as-of", default=DEFAULT_AS_OF, help="YYYY-MM-DD (default %(default)s)"
    )
    ap.add_argument("--usage-days", type=int, default=90)
    ap.add_argument(
        "--latent-out",
        help="also write the latent churn signals per customer and month to "
        "this parquet file (outside --out)",
    )
    ap.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = ap.parse_args(argv)
    try:
        m = generate(
            args.customers,
            args.months,
            args.seed,
            args.out,
            args.format,
            args.dirty,
            args.as_of,
            args.usage_days,
            args.latent_out,
            verbose=not args.quiet,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    total = sum(m["raw_rows"].values())
    print(f"wrote {total:,} rows in {len(TABLES)} tables to {args.out}")
    return 0
