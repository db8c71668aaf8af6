"""Reading a warehouse file and a running job, for the job's tests.

test_orchestration and test_publish run the real command line in child
processes and check what it left: the published file's bytes, its marts and
its run log.
"""

from __future__ import annotations

import hashlib
import subprocess
import time
from pathlib import Path

import duckdb


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def query(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


# the as-of date of the published marts: the run that published them says it
PUBLISHED_AS_OF = (
    "select as_of_date from marts.pipeline_runs where published "
    "order by finished_at desc limit 1"
)


def marts_fingerprint(path: Path) -> list[tuple]:
    """What BI sees in the marts: as-of date and a hash of key marts."""
    return query(
        path,
        f"select ({PUBLISHED_AS_OF}), "
        "(select sum(hash(customer_id, current_mrr, value_tier)) "
        "from marts.dim_customers), "
        "(select sum(hash(month_start, segment, closing_mrr)) "
        "from marts.fct_mrr_movements)",
    )


def run_log(path: Path) -> list[dict]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        cursor = con.execute("select * from marts.pipeline_runs order by started_at")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def wait_for(process: subprocess.Popen, text: str, timeout: float = 300) -> str:
    """Read the child's output until a line contains ``text``."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if text in line:
            return "".join(seen)
    raise AssertionError(f"never saw {text!r}:\n{''.join(seen)[-3000:]}")
