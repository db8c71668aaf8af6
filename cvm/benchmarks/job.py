"""Benchmark the whole nightly job at scale; append the figures to a JSON lines file.

Usage::

    python -m cvm.benchmarks.job [--sizes 100000 1000000] [--months 36]
        [--seed 1] [--keep DIR] [--results target/benchmarks/job.jsonl]
        [--no-revenue-core]

(``make benchmark``; 3M customers only when asked: ``--sizes 3000000``.)

For each size: generates dirty landing data (``cvm generate --dirty --format
parquet``), or reuses ``DIR/landing_<size>`` under ``--keep DIR`` when it holds
a ``_manifest.json`` of the same size, months and seed; runs the whole job
once (``python -m cvm run`` in a child process, into a fresh warehouse
directory): its wall time, peak RSS (``ru_maxrss`` from ``os.wait4``), each
step's seconds (the job's ``<step>: done in N s`` lines), exit code and the
sizes of the published and build files; dbt's ``execution_time`` summed per
layer and the 10 slowest nodes, from the run results the job kept
(``runs/<run id>/dbt_run_results.json``) and dbt's manifest; then the revenue
core alone, ``dbt build --select +fct_customer_mrr_monthly
--exclude-resource-type unit_test`` into a fresh DuckDB file on the same
landing data (wall time and peak RSS).

One JSON object per size is appended to ``--results`` with the time (UTC),
the git commit (and whether tracked files were changed), the machine (CPUs,
RAM, load average at the start and end), CVM_MEMORY_LIMIT and CVM_THREADS as
in force, and the figures above. Each size is compared with the latest
earlier record of the same size and months in that file (wall time and peak
RSS). Figures are printed and recorded, never asserted; the exit code is 1
when the job or the revenue core failed. Temporary directories are removed
unless ``--keep``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cvm.benchmarks.nodes import by_layer, layer, name, slowest
from cvm.progress import RUN_RESULTS
from cvm.settings import DEFAULT_MEMORY_LIMIT, PROJECT_DIR, Settings

DBT = str(Path(sys.executable).parent / "dbt")
RESULTS = Path("target") / "benchmarks" / "job.jsonl"
# Tests of several models run only when all of them are selected (cautious):
# the others (e.g. a relationship to dim_customers) fail on a fresh file.
REVENUE_CORE = [
    *("build", "--select", "+fct_customer_mrr_monthly"),
    *("--exclude-resource-type", "unit_test", "--indirect-selection", "cautious"),
]
STEP_DONE = re.compile(r"\] (\w+): done in ([\d.]+)s")
EXPECTATIONS = re.compile(r"validate: (\d+) expectations, (\d+) failed")
MIB = 2**20
GIB = 2**30


@dataclass
class Measured:
    """A child process: exit code, wall seconds, peak RSS (its ``ru_maxrss``)."""

    exit_code: int
    wall_s: float
    peak_rss_mib: float


def run_measured(
    cmd: list[str], env: dict[str, str], log: Path, cwd: Path = PROJECT_DIR
) -> Measured:
    """Run ``cmd`` from ``cwd`` (the project root), its output appended to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log.open("a", encoding="utf-8") as out:
        process = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measured(
        exit_code=process.returncode,
        wall_s=round(time.perf_counter() - started, 1),
        peak_rss_mib=round(usage.ru_maxrss / 1024),
    )


def generate_landing(
    out: Path, customers: int, months: int, seed: int, dirty: bool = True
) -> float:
    """Write generated parquet landing data to ``out``; return the wall seconds."""
    cmd = [sys.executable, "-m", "cvm.generate", "--customers", str(customers)]
    cmd += ["--months", str(months), "--seed", str(seed), "--format", "parquet"]
    cmd += ["--out", str(out), "--quiet", *(["--dirty"] if dirty else [])]
    started = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=PROJECT_DIR)
    return time.perf_counter() - started


def reusable(
    landing: Path, customers: int, months: int, seed: int, dirty: bool = True
) -> bool:
    """Whether ``landing`` holds complete data of this size, months, seed, dirt."""
    try:
        manifest = json.loads((landing / "_manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    wanted = {"customers": customers, "months": months, "seed": seed, "dirty": dirty}
    return all(manifest.get(key) == value for key, value in wanted.items())


def dbt_env(root: Path, landing: Path, warehouse: Path) -> dict[str, str]:
    """The environment of a child: its own landing, warehouse, dbt target, logs."""
    return {
        **os.environ,
        "CVM_LANDING_DIR": str(landing),
        "CVM_WAREHOUSE_PATH": str(warehouse),
        "DBT_TARGET_PATH": str(root / "target"),
        "DBT_LOG_PATH": str(root / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def _size(path: Path) -> int | None:
    return path.stat().st_size if path.exists() else None


def run_job(root: Path, landing: Path) -> dict[str, Any]:
    """Run ``python -m cvm run`` once into ``root/warehouse``; its figures."""
    settings = Settings(
        landing_dir=landing, warehouse_path=root / "warehouse" / "cvm.duckdb"
    )
    log = root / "job.log"
    start = log.stat().st_size if log.exists() else 0
    job = run_measured(
        [sys.executable, "-m", "cvm", "run"],
        dbt_env(root, landing, settings.warehouse_path),
        log,
    )
    with log.open(encoding="utf-8", errors="replace") as text:
        text.seek(start)
        output = text.read()  # this run's lines only
    expectations = EXPECTATIONS.search(output)
    return {
        **asdict(job),
        "steps": steps(output),
        "expectations": int(expectations.group(1)) if expectations else None,
        "published_bytes": _size(settings.warehouse_path),
        "build_bytes": _size(settings.build_path),
    }


def steps(output: str) -> dict[str, float]:
    """Each step's seconds from the job's ``[cvm ...] <step>: done in N s`` lines."""
    return {step: float(seconds) for step, seconds in STEP_DONE.findall(output)}


def node_figures(
    results: list[dict[str, Any]], manifest: dict[str, Any], count: int = 10
) -> dict[str, Any]:
    """Per-layer execution sums and the ``count`` slowest nodes, for the record."""
    return {
        "layers": {
            key: {"seconds": round(seconds, 1), "nodes": nodes}
            for key, (seconds, nodes) in by_layer(results, manifest).items()
        },
        "slowest_nodes": [
            {
                "node": name(result["unique_id"]),
                "layer": layer(result["unique_id"], manifest),
                "seconds": round(result["execution_time"], 1),
            }
            for result in slowest(results, count)
        ],
    }


def kept_nodes(root: Path) -> dict[str, Any]:
    """``node_figures`` of the job's kept run results and dbt's manifest."""
    kept = sorted((root / "warehouse" / "runs").glob(f"*/{RUN_RESULTS}"))
    manifest = root / "target" / "manifest.json"
    if not kept or not manifest.exists():
        return {"layers": None, "slowest_nodes": None}
    results = json.loads(kept[-1].read_text("utf-8"))["results"]
    return node_figures(results, json.loads(manifest.read_text("utf-8")))


def revenue_core(root: Path, landing: Path) -> dict[str, Any]:
    """The revenue core alone into a fresh DuckDB file: wall time and peak RSS."""
    shutil.rmtree(root, ignore_errors=True)
    (root / "warehouse").mkdir(parents=True)  # DuckDB creates the file, not its folder
    args = [*REVENUE_CORE, "--profiles-dir", "profiles", "--project-dir", "."]
    core = run_measured(
        [DBT, *args],
        dbt_env(root, landing, root / "warehouse" / "cvm.duckdb"),
        root / "dbt.log",
    )
    try:
        results = json.loads((root / "target" / "run_results.json").read_text())
        nodes: int | None = len(results["results"])
    except (OSError, ValueError, KeyError):
        nodes = None
    return {**asdict(core), "nodes": nodes, "command": " ".join(["dbt", *REVENUE_CORE])}


def git_commit() -> dict[str, Any]:
    """The commit measured and whether tracked files differ from it."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], cwd=PROJECT_DIR, capture_output=True, text=True
            )
        except OSError:
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    status = git("status", "--porcelain", "--untracked-files=no")
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": None if status is None else bool(status),
    }


def machine() -> dict[str, Any]:
    """CPUs, RAM and the load average now."""
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cpus": os.cpu_count(),
        "ram_gib": round(ram / GIB, 1),
        "load_at_start": [round(load, 2) for load in os.getloadavg()],
    }


def record(
    *,
    customers: int,
    months: int,
    seed: int,
    generate_s: float | None,
    job: dict[str, Any],
    nodes: dict[str, Any],
    core: dict[str, Any] | None,
    started: dt.datetime,
    commit: dict[str, Any],
    host: dict[str, Any],
    env: dict[str, str],
) -> dict[str, Any]:
    """The JSON object of one size (one line of the results file)."""
    return {
        "timestamp": started.astimezone(dt.UTC).isoformat(timespec="seconds"),
        **commit,
        "machine": {
            **host,
            "load_at_end": [round(load, 2) for load in os.getloadavg()],
        },
        "memory_limit": env.get("CVM_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT),
        "threads": env.get("CVM_THREADS", Settings.threads),
        "customers": customers,
        "months": months,
        "seed": seed,
        "generate_s": None if generate_s is None else round(generate_s, 1),
        "job": job,
        **nodes,
        "revenue_core": core,
    }


def read_records(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The records of a JSON lines file, and what was skipped (and why)."""
    if not path.exists():
        return [], []
    records: list[dict[str, Any]] = []
    skipped: list[str] = []
    lines = path.read_text("utf-8", errors="replace").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as error:
            skipped.append(f"{path}:{number}: not JSON ({error})")
            continue
        if not isinstance(value, dict):
            skipped.append(f"{path}:{number}: not a JSON object")
            continue
        records.append(value)
    return records, skipped


def previous(
    records: Sequence[dict[str, Any]], customers: int, months: int
) -> dict[str, Any] | None:
    """The latest record of the same size and months, if any."""
    same = [
        each
        for each in records
        if each.get("customers") == customers and each.get("months") == months
    ]
    return same[-1] if same else None


def _delta(label: str, before: Any, after: Any, unit: str) -> str:
    if not isinstance(before, int | float) or not isinstance(after, int | float):
        return f"  {label}: {before} -> {after}"
    change = after - before
    share = f", {change / before:+.0%}" if before else ""
    return f"  {label}: {before:,.1f} -> {after:,.1f} {unit} ({change:+,.1f}{share})"


def _get(value: Any, *keys: str) -> Any:
    """``value[k1][k2]...``, None where a level is missing (an older record)."""
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def comparison(before: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """Lines comparing ``now`` with the earlier record ``before``: wall and RSS."""
    load = _get(before, "machine", "load_at_start") or ["?"]
    lines = [
        f"against the previous record of this size ({before.get('timestamp')}, "
        f"commit {before.get('commit')}{' dirty' if before.get('dirty') else ''}, "
        f"load {load[0]} at its start):"
    ]
    for label, keys, unit in (
        ("job wall", ("job", "wall_s"), "s"),
        ("job peak RSS", ("job", "peak_rss_mib"), "MiB"),
        ("revenue core wall", ("revenue_core", "wall_s"), "s"),
        ("revenue core peak RSS", ("revenue_core", "peak_rss_mib"), "MiB"),
    ):
        lines.append(_delta(label, _get(before, *keys), _get(now, *keys), unit))
    for label, part in (("job", "job"), ("revenue core", "revenue_core")):
        codes = (_get(before, part, "exit_code"), _get(now, part, "exit_code"))
        if any(code not in (0, None) for code in codes):
            lines.append(
                f"  {label} exit code: {codes[0]} -> {codes[1]} (a failed run's "
                "figures do not compare)"
            )
    return lines


def _bytes(size: int | None) -> str:
    if size is None:
        return "absent"
    return f"{size / GIB:.2f} GiB" if size >= GIB else f"{size / MIB:.1f} MiB"


def summary(each: dict[str, Any]) -> list[str]:
    """The readable lines of one record."""
    job, core = each["job"], each["revenue_core"]
    generated = each["generate_s"]
    lines = [
        f"== {each['customers']:,} customers, {each['months']} months, seed "
        f"{each['seed']} (commit {each['commit']}{' dirty' if each['dirty'] else ''}, "
        f"memory limit {each['memory_limit']}, {each['threads']} threads, load "
        f"{each['machine']['load_at_start'][0]} -> "
        f"{each['machine']['load_at_end'][0]}) ==",
        "landing data: "
        + ("reused" if generated is None else f"generated in {generated:.1f} s"),
        f"job (python -m cvm run): exit {job['exit_code']}, wall {job['wall_s']:.1f} s,"
        f" peak RSS {job['peak_rss_mib'] / 1024:.2f} GiB",
        "  steps: "
        + (
            ", ".join(f"{step} {sec:.1f} s" for step, sec in job["steps"].items())
            or "none finished"
        ),
        f"  {job['expectations'] or 'no'} expectations; published file "
        f"{_bytes(job['published_bytes'])}, build file {_bytes(job['build_bytes'])}",
    ]
    if each["layers"] is None:
        lines.append("no run results kept: no per-layer or node times")
    else:
        lines.append("dbt execution_time per layer (summed; threads overlap):")
        lines += [
            f"  {key:<28}{value['seconds']:>9.1f} s  ({value['nodes']} nodes)"
            for key, value in each["layers"].items()
        ]
        lines.append(f"{len(each['slowest_nodes'])} slowest nodes:")
        lines += [
            f"  {node['seconds']:>8.1f} s  {node['layer']:<13}{node['node'][:70]}"
            for node in each["slowest_nodes"]
        ]
    if core is not None:
        lines.append(
            f"revenue core ({core.get('command')}): exit {core['exit_code']}, "
            f"wall {core['wall_s']:.1f} s, peak RSS "
            f"{core['peak_rss_mib'] / 1024:.2f} GiB"
            + (f" ({core['nodes']} nodes)" if core["nodes"] is not None else "")
        )
    return lines


@contextmanager
def workspace(keep: Path | None, customers: int) -> Iterator[Path]:
    """``keep`` (kept), else a temporary directory removed afterwards."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep.resolve()
        return
    with tempfile.TemporaryDirectory(prefix=f"cvm-bench-job-{customers}-") as tmp:
        yield Path(tmp)


def bench_one(customers: int, args: argparse.Namespace) -> dict[str, Any]:
    """Generate (or reuse), run the job, then the revenue core; the record."""
    started = dt.datetime.now(dt.UTC)
    host, commit = machine(), git_commit()
    with workspace(args.keep, customers) as work:
        landing = work / f"landing_{customers}"
        generate_s: float | None = None
        if reusable(landing, customers, args.months, args.seed):
            print(f"reusing the landing data in {landing}", flush=True)
        else:
            shutil.rmtree(landing, ignore_errors=True)
            print(f"generating {customers:,} customers into {landing}", flush=True)
            generate_s = generate_landing(landing, customers, args.months, args.seed)
        root = work / f"job_{customers}"
        shutil.rmtree(root, ignore_errors=True)
        print(f"running the job (log: {root / 'job.log'})", flush=True)
        job = run_job(root, landing)
        if job["exit_code"] != 0:
            print(f"the job failed (exit {job['exit_code']}); the end of its log:")
            tail = (root / "job.log").read_text("utf-8", errors="replace")
            print("\n".join(f"  | {line}" for line in tail.splitlines()[-15:]))
        nodes = kept_nodes(root)
        core = None
        if args.revenue_core:
            core_root = work / f"revenue_core_{customers}"
            print(f"building the revenue core (log: {core_root / 'dbt.log'})")
            core = revenue_core(core_root, landing)
    return record(
        customers=customers,
        months=args.months,
        seed=args.seed,
        generate_s=generate_s,
        job=job,
        nodes=nodes,
        core=core,
        started=started,
        commit=commit,
        host=host,
        env=dict(os.environ),
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="work under DIR and keep it; reuse DIR/landing_<size>",
    )
    ap.add_argument(
        "--results",
        type=Path,
        default=RESULTS,
        metavar="FILE",
        help=f"the JSON lines file to append to (default: {RESULTS})",
    )
    ap.add_argument(
        "--no-revenue-core",
        dest="revenue_core",
        action="store_false",
        help="skip the revenue core's own build",
    )
    args = ap.parse_args(argv)
    results = args.results if args.results.is_absolute() else PROJECT_DIR / args.results
    failures = 0
    for customers in args.sizes:
        now = bench_one(customers, args)
        print("\n".join(summary(now)))
        records, skipped = read_records(results)
        for line in skipped:
            print(f"skipped {line}")
        before = previous(records, customers, args.months)
        if before is None:
            print("no earlier record of this size to compare with")
        else:
            print("\n".join(comparison(before, now)))
        results.parent.mkdir(parents=True, exist_ok=True)
        with results.open("a", encoding="utf-8") as out:
            out.write(json.dumps(now) + "\n")
        print(f"appended to {results}\n", flush=True)
        core = now["revenue_core"] or {"exit_code": 0}
        failures += now["job"]["exit_code"] != 0 or core["exit_code"] != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
