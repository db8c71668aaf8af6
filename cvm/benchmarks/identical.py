"""Prove a refactor: build the warehouse at a git revision and as it is now, compare.

Usage::

    python -m cvm.benchmarks.identical [--base main] [--customers 100000]
        [--landing DIR ...] [--keep DIR] [--schemas marts ...]

The revision ``--base`` (default ``main``) is exported with ``git archive``
into a work directory (the project as committed then, its ``cvm`` package
included: the dbt Python models import it from the project directory they
run in). Both it and the working tree as it is now (uncommitted changes
included) run ``dbt build --exclude-resource-type unit_test`` on the same
landing data into fresh DuckDB files, and ``cvm.compare_warehouses`` compares
every table and view of both files with EXCEPT ALL both ways (duplicates count),
printing one line per table.

The landing data: the test data of ``make dbt-test`` (400 customers, 24
months, seed 7, dirty), generated into the work directory; with
``--customers N``, generated data of that size as the job benchmark makes it
(36 months, seed 1, dirty), reused under ``--keep DIR`` when it is already
there; with ``--landing DIR``, those directories as they are.

Exit code 0 when every build succeeded and every common table is identical,
1 otherwise. Temporary directories are removed unless ``--keep``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from cvm.benchmarks.job import DBT, dbt_env, generate_landing, reusable, run_measured
from cvm.compare_warehouses import DEFAULT_IGNORED, DEFAULT_SCHEMAS, compare
from cvm.settings import PROJECT_DIR

# make dbt-test's data: the data the project's own tests build on
TEST_DATA = {"customers": 400, "months": 24, "seed": 7}
# the job benchmark's data for a size
SIZED_DATA = {"months": 36, "seed": 1}
BUILD = ["build", "--exclude-resource-type", "unit_test"]


def export_revision(revision: str, out: Path) -> str:
    """Write the project as committed at ``revision`` into ``out``; its commit."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{revision}^{{commit}}"],
        cwd=PROJECT_DIR,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    out.mkdir(parents=True, exist_ok=True)
    archive = subprocess.Popen(
        ["git", "archive", commit], cwd=PROJECT_DIR, stdout=subprocess.PIPE
    )
    subprocess.run(["tar", "-x", "-C", str(out)], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise RuntimeError(f"git archive {commit} failed")
    return commit


def build(project: Path, landing: Path, root: Path) -> Path:
    """``dbt build`` of ``project`` on ``landing`` into ``root``; the warehouse.

    The file is named after ``root`` (``before.duckdb``, ``after.duckdb``):
    its views name their catalog, the file's name, so both files can be
    attached side by side and their views compared too.
    """
    warehouse = root / f"{root.name}.duckdb"
    cmd = [DBT, *BUILD, "--project-dir", str(project)]
    cmd += ["--profiles-dir", str(project / "profiles")]
    env = dbt_env(root, landing, warehouse)
    env["CVM_PYTHON_MODULES"] = str(project)  # its own cvm package
    measured = run_measured(cmd, env, root / "build.log", cwd=project)
    status = "ok" if measured.exit_code == 0 else f"FAILED (see {root}/build.log)"
    print(
        f"  built {project.name}: {status}, {measured.wall_s:.0f} s, "
        f"peak RSS {measured.peak_rss_mib / 1024:.1f} GiB",
        flush=True,
    )
    if measured.exit_code != 0:
        raise RuntimeError(f"dbt build of {project} failed: {root}/build.log")
    return warehouse


def landings(args: argparse.Namespace, work: Path) -> list[Path]:
    """The landing directories to compare on (generated when asked)."""
    wanted = list(args.landing)
    if args.customers or not wanted:
        customers = args.customers or TEST_DATA["customers"]
        shape = SIZED_DATA if args.customers else TEST_DATA
        months, seed = shape["months"], shape["seed"]
        out = work / f"landing_{customers}_{months}m_seed{seed}"
        if not reusable(out, customers, months, seed):
            print(f"generating {customers:,} customers into {out}", flush=True)
            generate_landing(out, customers, months, seed)
        wanted.append(out)
    return wanted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main", help="git revision (main)")
    parser.add_argument("--customers", type=int, help="generate data of this size")
    parser.add_argument("--landing", nargs="*", type=Path, default=[])
    parser.add_argument("--keep", type=Path, help="work under DIR and keep it")
    parser.add_argument("--schemas", nargs="+", default=list(DEFAULT_SCHEMAS))
    parser.add_argument("--ignore", nargs="*", default=list(DEFAULT_IGNORED))
    args = parser.parse_args(argv)

    temporary = None if args.keep else tempfile.TemporaryDirectory(prefix="cvm-id-")
    work = args.keep or Path(temporary.name)  # type: ignore[union-attr]
    work.mkdir(parents=True, exist_ok=True)
    try:
        base = work / "base"
        commit = export_revision(args.base, base)
        print(f"before: {args.base} ({commit[:12]}); after: the working tree")
        failed = 0
        for landing in landings(args, work):
            print(f"\non {landing}:", flush=True)
            runs = work / "builds" / landing.name
            try:
                before = build(base, landing, runs / "before")
                after = build(PROJECT_DIR, landing, runs / "after")
            except RuntimeError as error:
                print(f"  {error}")
                failed += 1
                continue
            failed += compare(
                str(before), str(after), args.schemas, args.ignore, views=True
            )
        print("\nIDENTICAL" if failed == 0 else "\nNOT IDENTICAL (see above)")
        return 0 if failed == 0 else 1
    finally:
        if temporary is not None:
            temporary.cleanup()


if __name__ == "__main__":
    sys.exit(main())
