"""Benchmark `dbt build` of the warehouse: wall time, peak RSS, time per layer.

Usage::

    python -m cvm.benchmarks.build [--sizes 100000 1000000] [--months 36]
        [--seed 1] [--landing DIR] [--keep DIR] [--timeout 2400]

For each size the landing data is generated (``cvm generate
--customers N --months 36 --seed 1 --format parquet``) into a temporary
directory, or reused: ``--landing DIR`` (one size only), or
``DIR/customers_<N>`` under ``--keep DIR`` when it already holds a manifest.
Then ``dbt build --profiles-dir profiles --project-dir .`` runs from the
project root in a subprocess into a fresh warehouse file, with its own
DBT_TARGET_PATH and DBT_LOG_PATH (the project's ``target/`` is never touched)
and the profile's memory limit (CVM_MEMORY_LIMIT, 8GB unless set).

Printed per size: generation time, dbt wall time, peak RSS of the dbt process
(``ru_maxrss`` from ``os.wait4``; DuckDB runs inside it), the warehouse file
size, ``execution_time`` summed per layer from ``run_results.json`` (threads
overlap, so the sums can exceed the wall time), the 10 slowest nodes and the
revenue marts with their intermediate models. The RSS of the dbt process is
also sampled every second, so each node shows the highest sample taken while it
ran (shared with whatever ran on the other thread). A build that runs over
``--timeout`` seconds is interrupted; the nodes still running are printed.
Figures are printed, never asserted. Temporary directories are removed unless
``--keep``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cvm.benchmarks.job import generate_landing
from cvm.benchmarks.nodes import by_layer, slowest
from cvm.benchmarks.nodes import layer as node_layer
from cvm.benchmarks.nodes import name as node_name
from cvm.settings import PROJECT_DIR

REVENUE_NODES = (
    "fct_customer_mrr_monthly",
    "fct_mrr_movements",
    "fct_customer_flows",
    "fct_churn_events",
    "fct_renewals",
    "fct_renewal_cohorts",
    "fct_retention_cohorts",
    "int_subscription_versions_priced",
    "int_fx_rates_monthly",
    "int_customer_mrr_monthly",
    "int_customer_cancellations",
    "int_renewals_due",
    "int_churn_reasons",
    "util_months",
)
MIB = 2**20


@dataclass
class Build:
    """What one `dbt build` did."""

    exit_code: int
    wall_s: float
    peak_rss_mib: float
    timed_out: bool
    samples: list[tuple[float, float]] = field(default_factory=list)


def _dir_mib(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / MIB


def _rss_mib(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return 0.0
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else 0.0


def run_dbt(env: dict[str, str], log: Path, timeout: float) -> Build:
    """Run `dbt build` in a subprocess, sampling its RSS; interrupt on timeout."""
    dbt = Path(sys.executable).parent / "dbt"
    cmd = [str(dbt), "build", "--profiles-dir", "profiles", "--project-dir", "."]
    t0 = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=PROJECT_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    samples: list[tuple[float, float]] = []
    interrupted_at: float | None = None
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        now = time.perf_counter()
        samples.append((time.time(), _rss_mib(proc.pid)))
        if interrupted_at is None and now - t0 > timeout:
            interrupted_at = now
            os.killpg(proc.pid, signal.SIGINT)  # dbt cancels the DuckDB query
        elif interrupted_at is not None and now - interrupted_at > 120:
            os.killpg(proc.pid, signal.SIGKILL)
        time.sleep(1)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Build(
        exit_code=proc.returncode,
        wall_s=time.perf_counter() - t0,
        peak_rss_mib=usage.ru_maxrss / 1024,
        timed_out=interrupted_at is not None,
        samples=samples,
    )


def _window(result: dict[str, Any]) -> tuple[float, float]:
    stamps = [
        dt.datetime.fromisoformat(t[key].replace("Z", "+00:00")).timestamp()
        for t in result["timing"]
        if t.get("started_at") and t.get("completed_at")
        for key in ("started_at", "completed_at")
    ]
    return (min(stamps), max(stamps)) if stamps else (0.0, 0.0)


def _node_rss(result: dict[str, Any], samples: list[tuple[float, float]]) -> float:
    start, end = _window(result)
    return max((rss for t, rss in samples if start - 1 <= t <= end + 1), default=0)


def _log_nodes(
    log: Path, manifest: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Finished nodes (run_results-like) and nodes still running, from dbt's
    console output: the fallback when dbt stopped before run_results.json."""
    ids = {node["name"]: uid for uid, node in manifest["nodes"].items()}
    for uid, test in manifest.get("unit_tests", {}).items():
        ids[f"{test['model']}::{test['name']}"] = uid
    day = dt.date.fromtimestamp(log.stat().st_mtime).isoformat()
    started: dict[str, tuple[str, str]] = {}
    finished: list[dict[str, Any]] = []
    for raw in log.read_text(encoding="utf-8", errors="replace").splitlines():
        line = re.sub(r"\x1b\[[0-9;]*m", "", raw)
        m = re.match(r"(\S+)\s+(\d+ of \d+) (START|[A-Z]+) (.*)$", line)
        if not m:
            continue
        stamp, key, status, rest = m.groups()
        if status == "START":
            words = [w for w in rest.split() if w.strip(".") and w != "[RUN]"]
            name = words[-1]
            uid = ids.get(name) or ids.get(name.rsplit(".", 1)[-1], f"operation.{name}")
            started[key] = (uid, f"{day}T{stamp}")
        elif key in started and (secs := re.search(r" in ([\d.]+)s\]", rest)):
            uid, began = started.pop(key)
            timing = [{"started_at": began, "completed_at": f"{day}T{stamp}"}]
            finished.append(
                {
                    "unique_id": uid,
                    "status": status.lower(),
                    "execution_time": float(secs.group(1)),
                    "timing": timing,
                    "message": rest,
                }
            )
    return finished, [uid for uid, _ in started.values()]


def _exit(code: int) -> str:
    return f"{code} ({signal.Signals(-code).name})" if code < 0 else str(code)


def report(n: int, gen_s: float | None, build: Build, work: Path) -> None:
    """Print the figures of one size."""
    print(f"\n== {n:,} customers ==")
    landing = work / "landing"
    gen = f"{gen_s:.1f} s" if gen_s is not None else "reused"
    print(f"landing data: {gen} ({_dir_mib(landing):,.0f} MiB in {landing})")
    print(
        f"dbt build: exit {_exit(build.exit_code)}, wall {build.wall_s:.1f} s, "
        f"peak RSS {build.peak_rss_mib:,.0f} MiB (ru_maxrss)"
        + (" -- INTERRUPTED after --timeout" if build.timed_out else "")
    )
    warehouse = work / "warehouse" / "cvm.duckdb"
    size = warehouse.stat().st_size / MIB if warehouse.exists() else 0
    print(f"warehouse file: {size:,.1f} MiB")
    run_results = work / "target" / "run_results.json"
    manifest = work / "target" / "manifest.json"
    log = work / "dbt_stdout.log"
    if build.exit_code != 0 or not run_results.exists():
        print("dbt output (tail):")
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()
        print("\n".join("  | " + line for line in tail[-10:]))
    if not manifest.exists():
        return
    nodes = json.loads(manifest.read_text(encoding="utf-8"))
    running: list[str] = []
    if run_results.exists():
        results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    else:
        results, running = _log_nodes(log, nodes)
        print("no run_results.json: the figures below are from dbt's console log")
        print(f"still running when dbt stopped: {running}")
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    print(f"nodes: {len(results)} {statuses}")
    print("time per layer (sum of execution_time; 2 threads overlap):")
    for layer, (secs, count) in by_layer(results, nodes).items():
        print(f"  {layer:<28}{secs:>9.1f} s  ({count} nodes)")
    print("10 slowest nodes (s, max RSS sampled while running, layer, node):")
    for r in slowest(results):
        rss = _node_rss(r, build.samples)
        layer = node_layer(r["unique_id"], nodes)
        name = node_name(r["unique_id"])[:70]
        print(f"  {r['execution_time']:>8.1f}  {rss:>7,.0f} MiB  {layer:<13}{name}")
    print("revenue marts and their intermediate models:")
    by_name = {r["unique_id"].split(".")[-1]: r for r in results}
    total = 0.0
    for name in REVENUE_NODES:
        r = by_name.get(name)
        if r is None:
            still = any(uid.endswith(f".{name}") for uid in running)
            print(f"  {name:<34}{'still running' if still else 'not run'}")
            continue
        total += r["execution_time"]
        rss = _node_rss(r, build.samples)
        print(f"  {name:<34}{r['execution_time']:>8.1f} s  {rss:>7,.0f} MiB")
    print(f"  {'total':<34}{total:>8.1f} s")
    failed = [r for r in results if r["status"] in ("error", "fail", "runtime error")]
    for r in failed:
        print(f"FAILED {r['unique_id']}: {(r['message'] or '').strip()[:400]}")


def bench_one(n: int, args: argparse.Namespace, work: Path) -> int:
    """Generate (or reuse) the landing data for `n` customers and build once."""
    landing = work / "landing"
    gen_s: float | None = None
    if args.landing:
        if landing.is_symlink():
            landing.unlink()
        landing.symlink_to(args.landing.resolve(), target_is_directory=True)
    elif not (landing / "_manifest.json").exists():
        shutil.rmtree(landing, ignore_errors=True)
        gen_s = generate_landing(landing, n, args.months, args.seed, dirty=False)
    for sub in ("warehouse", "target", "logs"):
        shutil.rmtree(work / sub, ignore_errors=True)
        (work / sub).mkdir(parents=True)
    env = dict(os.environ)
    env.update(
        CVM_LANDING_DIR=str(landing.resolve()),
        CVM_WAREHOUSE_PATH=str(work / "warehouse" / "cvm.duckdb"),
        DBT_TARGET_PATH=str(work / "target"),
        DBT_LOG_PATH=str(work / "logs"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    build = run_dbt(env, work / "dbt_stdout.log", args.timeout)
    report(n, gen_s, build, work)
    return build.exit_code


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--landing", type=Path, help="reuse this landing directory")
    ap.add_argument("--keep", type=Path, help="work (and cache data) under DIR")
    ap.add_argument("--timeout", type=float, default=2400, help="seconds per build")
    args = ap.parse_args(argv)
    if args.landing and len(args.sizes) != 1:
        ap.error("--landing needs exactly one size")
    failures = 0
    for n in args.sizes:
        if args.keep:
            work = args.keep.resolve() / f"customers_{n}"
            work.mkdir(parents=True, exist_ok=True)
            failures += bench_one(n, args, work) != 0
        else:
            with tempfile.TemporaryDirectory(prefix=f"bench_build_{n}_") as tmp:
                failures += bench_one(n, args, Path(tmp)) != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
