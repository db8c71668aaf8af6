"""Publishing: only a validated staging file, atomically, under kill -9.

Every test starts from the session's published warehouse and its built,
then validated, staging files (conftest's ``staged``: the published file
of ``published_run`` and a second build and validation of its landing
data), restored into one working copy before each test (one xdist worker
runs a module's tests: ``--dist loadfile``), and runs the real command line
in child processes: real publishes, real kills, real concurrent readers.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
from conftest import Published, run_cli, start_cli
from job_files import marts_fingerprint, query, run_log, sha256

from cvm.publish import clear_staging
from cvm.settings import Settings


@pytest.fixture(scope="module")
def landing(published_run: Published) -> Path:
    """The landing data of the session's published run."""
    return published_run.landing


def _restore(staged: dict[str, Path], which: str) -> Path:
    warehouse = staged["warehouse"]
    clear_staging(Settings(Path(), warehouse))  # what an earlier test left
    shutil.copy2(staged["published"], warehouse)
    for path in staged[which].iterdir():
        shutil.copy2(path, warehouse.parent / path.name)
    return warehouse


def test_mart_expectations_name_the_rows_and_bound_row_counts(
    staged: dict[str, Path], tmp_path: Path
) -> None:
    from cvm.expectations import validate

    path = tmp_path / "broken.duckdb"
    state_file = Settings(Path(), staged["warehouse"]).staging_state_path.name
    shutil.copy2(staged["validate"] / f".{staged['warehouse'].name}.staging", path)
    state = json.loads((staged["validate"] / state_file).read_text())
    con = duckdb.connect(str(path))
    broken = con.sql(
        "select cohort_month, segment from marts.fct_renewal_cohorts "
        "where renewal_rate is not null order by 1, 2 limit 1"
    ).fetchone()
    con.execute(
        "update marts.fct_renewal_cohorts set renewal_rate = 1.5 "
        "where cohort_month = ? and segment = ?",
        list(broken),
    )
    dim_rows = con.sql("select count(*) from marts.dim_customers").fetchone()[0]
    con.close()
    previous = {  # a last published run with twice the customers, a month ago
        "as_of_date": "2026-09-30",
        "marts_row_counts": json.dumps({"dim_customers": dim_rows * 2}),
    }

    outcome = validate(
        Settings(Path(), staged["warehouse"]),
        path,
        state["as_of_date"],
        state["counts"]["landing_rows"],
        previous,
        tmp_path / "results",
    )

    assert not outcome.success and outcome.failed == 2
    rate = next(line for line in outcome.failures if "renewal_rate" in line)
    assert "fct_renewal_cohorts.renewal_rate" in rate
    assert f"{broken[0]} | {broken[1]} = 1.5" in rate
    rows = next(line for line in outcome.failures if "row_count" in line)
    assert "dim_customers" in rows and f"observed {dim_rows}" in rows
    assert (tmp_path / "results" / "gx_results.json").exists()


def test_publish_refuses_a_staging_file_that_was_not_validated(
    staged: dict[str, Path], landing: Path
) -> None:
    warehouse = _restore(staged, "build")
    before = marts_fingerprint(warehouse)

    result = run_cli("publish", landing=landing, warehouse=warehouse)

    assert result.exit_code == 1
    assert "has not passed validation" in result.output
    assert marts_fingerprint(warehouse) == before


# The moments of a publish a kill -9 can hit (cvm/publish.py's
# publish_staging, then the report), each as seen from outside the process:
# the step has started; the new file is being written beside the published
# one; it has been renamed over the published one; the staging file has
# been kept as the build file; the run is logged and the report is being
# written (in a child process, under the lock).
KILL_POINTS = ("started", "writing", "renamed", "kept", "reporting")


def _kill_at(point: str, process: subprocess.Popen, settings: Settings) -> None:
    """SIGKILL ``process`` (a `publish`) as soon as it reaches ``point``."""
    lines: list[str] = []

    def read() -> None:
        for line in process.stdout:
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    old = settings.warehouse_path.stat().st_ino
    reached = {
        "started": lambda: any("publish: started" in line for line in lines),
        "writing": settings.publishing_path.exists,
        "renamed": lambda: settings.warehouse_path.stat().st_ino != old,
        "kept": lambda: not settings.staging_path.exists(),
        "reporting": lambda: any("] published " in line for line in lines),
    }[point]
    deadline = time.monotonic() + 300
    while not reached():
        output = "".join(lines)[-3000:]
        assert process.poll() is None, f"publish ended before {point}:\n{output}"
        assert time.monotonic() < deadline, f"publish never got to {point}"
        time.sleep(0.001)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    reader.join(timeout=60)


@pytest.mark.parametrize("point", KILL_POINTS)
def test_kill_9_at_any_moment_of_publish_leaves_old_or_new_and_converges(
    staged: dict[str, Path], landing: Path, point: str
) -> None:
    warehouse = _restore(staged, "validate")
    settings = Settings(landing, warehouse)
    old = sha256(warehouse)
    state_file = settings.staging_state_path.name
    staged_run = json.loads((staged["validate"] / state_file).read_text())["run_id"]

    process = start_cli("publish", landing=landing, warehouse=warehouse)
    _kill_at(point, process, settings)

    # the published file is the old one or the whole new one, readable
    assert not warehouse.with_name(warehouse.name + ".wal").exists()
    assert query(warehouse, "select count(*) from marts.dim_customers")[0][0] > 0
    renamed = sha256(warehouse) != old
    if point in ("renamed", "kept", "reporting"):
        assert renamed
    if not renamed:
        assert staged_run not in [run["run_id"] for run in run_log(warehouse)]

    # the next command takes the lock over and leaves a truthful log
    again = run_cli("publish", landing=landing, warehouse=warehouse)

    statuses = [
        run["status"] for run in run_log(warehouse) if run["run_id"] == staged_run
    ]
    if renamed:  # published before it died: logged once, never 'abandoned'
        assert statuses == ["success"]
        assert again.exit_code == 1 and "nothing staged" in again.output
    elif again.exit_code == 0:  # staging untouched: published now
        assert sorted(statuses) in (["success"], ["abandoned", "success"])
    else:  # it died after writing the log into the staging file
        assert "changed after it was built" in again.output
        assert statuses in ([], ["abandoned"])


def test_publish_keeps_the_operators_mode_or_sets_cvm_file_mode(
    staged: dict[str, Path], landing: Path
) -> None:
    warehouse = _restore(staged, "validate")
    os.chmod(warehouse, 0o600)  # the operator's choice

    result = run_cli("publish", landing=landing, warehouse=warehouse)

    assert result.exit_code == 0, result.output[-3000:]
    assert stat.S_IMODE(warehouse.stat().st_mode) == 0o600
    build = Settings(Path(), warehouse).build_path
    assert stat.S_IMODE(build.stat().st_mode) == 0o600

    warehouse = _restore(staged, "validate")
    result = run_cli(
        "publish", landing=landing, warehouse=warehouse, CVM_FILE_MODE="0640"
    )

    assert result.exit_code == 0, result.output[-3000:]
    assert stat.S_IMODE(warehouse.stat().st_mode) == 0o640


def test_a_failed_first_run_publishes_nothing_and_is_logged_at_the_first_publish(
    staged: dict[str, Path], landing: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse" / "cvm.duckdb"
    settings = Settings(landing_dir=landing, warehouse_path=warehouse)
    empty = tmp_path / "exports"
    empty.mkdir()

    failed = run_cli("run", landing=empty, warehouse=warehouse)

    assert failed.exit_code == 1, failed.output[-3000:]
    # BI finds no file, not a file with a run log and no marts
    assert not warehouse.exists()
    status = run_cli("status", landing=landing, warehouse=warehouse)
    assert status.exit_code == 2, status.output
    assert "Nothing published yet." in status.output
    assert "failed" in status.output and "landing" in status.output

    # the first run that publishes carries the failed run into the run log
    for path in staged["validate"].iterdir():
        shutil.copy2(path, warehouse.parent / path.name)
    published = run_cli("publish", landing=landing, warehouse=warehouse)

    assert published.exit_code == 0, published.output[-3000:]
    assert sorted((run["status"], run["published"]) for run in run_log(warehouse)) == [
        ("failed", False),
        ("success", True),
    ]
    assert not settings.unpublished_log_path.exists()


# -- readers ---------------------------------------------------------------------

READER = """
import sys, time, duckdb, pathlib
path, stop, mode = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
seen = []
held = duckdb.connect(path, read_only=True) if mode == "hold" else None
print("ready", flush=True)
while not stop.exists():
    # 'hold': a BI tool keeping its connection open; 'fresh': new queries
    # from a process with no other connection to the file
    con = held or duckdb.connect(path, read_only=True)
    count = con.sql("select count(*) from marts.pipeline_runs").fetchone()[0]
    if not seen or seen[-1] != count:
        seen.append(count)
    if con is not held:
        con.close()
    time.sleep(0.05)
print(" ".join(map(str, seen)), flush=True)
"""


def test_readers_are_never_blocked_by_a_publish(
    staged: dict[str, Path], landing: Path, tmp_path: Path
) -> None:
    warehouse = _restore(staged, "validate")
    before = len(run_log(warehouse))
    stop = tmp_path / "stop"
    readers = {
        mode: subprocess.Popen(
            [sys.executable, "-c", READER, str(warehouse), str(stop), mode],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for mode in ("hold", "fresh")
    }
    for reader in readers.values():
        assert reader.stdout.readline().strip() == "ready"

    result = run_cli("publish", landing=landing, warehouse=warehouse)
    time.sleep(1)  # let the readers query the published file a few more times
    stop.touch()
    seen = {}
    for mode, reader in readers.items():
        out, err = reader.communicate(timeout=60)
        assert reader.returncode == 0, err  # never a lock error
        seen[mode] = [int(count) for count in out.split()]

    assert result.exit_code == 0, result.output[-3000:]
    # the open connection kept reading the file it opened, unchanged
    assert seen["hold"] == [before]
    # new connections went from the old file to the new one, nothing between
    assert seen["fresh"] == [before, before + 1]
    assert len(run_log(warehouse)) == before + 1
