"""The nightly job: write-audit-publish, the run log, the lock, backfill.

Every test works on its own copy of the session's published warehouse
(conftest's ``published_run``: small generated landing data, one real
`run`), or reads a failed run on such a copy (``failed_validation``), and
runs the real command line in child processes: real builds, real kills.
Publishing a staging file is test_publish's.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import (
    PROJECT_DIR,
    FailedRun,
    Published,
    copy_warehouse,
    last_line,
    run_cli,
    start_cli,
)
from job_files import (
    PUBLISHED_AS_OF,
    marts_fingerprint,
    query,
    run_log,
    sha256,
    wait_for,
)

from cvm.cli import backfill_dates
from cvm.expectations import row_count_bounds
from cvm.lock import RunLock, current_holder
from cvm.settings import DEMO_LANDING_DIR, DEMO_MARKER, Settings

AS_OF = datetime.date(2026, 10, 31)


@pytest.fixture(scope="module")
def landing(published_run: Published) -> Path:
    """Small dirty CSV landing data (300 customers, 24 months, as of AS_OF)."""
    return published_run.landing


@pytest.fixture(scope="module")
def published(published_run: Published) -> Path:
    """The warehouse after one successful `run` of the session (tests copy it)."""
    return published_run.warehouse


def _rewrite(landing: Path, tmp_path: Path, table: str, select: str) -> Path:
    """A copy of the CSV landing directory with one table rewritten by a query.

    The query reads every field as text (``{t}``), as it was written.
    """
    copy = tmp_path / "landing"
    shutil.copytree(landing, copy)
    query = select.format(
        t=f"read_csv('{landing / table}.csv', header = true, all_varchar = true)"
    )
    duckdb.sql(f"copy ({query}) to '{copy / table}.csv' (header)")
    return copy


# -- success ------------------------------------------------------------------


def test_run_publishes_logs_and_leaves_nothing_behind(published: Path) -> None:
    settings = Settings(landing_dir=Path("unused"), warehouse_path=published)
    runs = run_log(published)
    assert len(runs) == 1
    run = runs[0]
    assert run["status"] == "success" and run["published"] and run["exit_code"] == 0
    assert run["as_of_date"] == AS_OF
    assert run["failed_step"] is None
    assert run["expectations_evaluated"] > 40 and run["expectations_failed"] == 0
    counts = json.loads(run["marts_row_counts"])
    assert (
        counts["dim_customers"]
        == query(published, "select count(*) from marts.dim_customers")[0][0]
    )
    quarantined = json.loads(run["quarantined_rows"])
    assert sum(quarantined.values()) == run["quarantined_rows_total"] > 0
    # the row is written while publishing: the earlier steps are timed
    assert set(json.loads(run["step_seconds"])) == {"landing", "build", "validate"}
    results = Path(run["results_path"])
    assert json.loads((results / "gx_results.json").read_text())["success"] is True
    assert (results / "dbt_run_results.json").exists()
    # published in one piece: no staging file, WAL or lock holder left
    assert not settings.staging_path.exists()
    assert not settings.staging_state_path.exists()
    assert not published.with_name(published.name + ".wal").exists()
    assert current_holder(settings.lock_path) is None


def test_status_reports_freshness_and_the_latest_run(
    published: Path, landing: Path
) -> None:
    result = run_cli("status", landing=landing, warehouse=published)
    assert result.exit_code == 0, result.output
    assert f"Data as of:          {AS_OF}" in result.output
    assert "success" in result.output


# -- failures publish nothing ---------------------------------------------------


def _run_on_broken_landing(
    published: Path, landing: Path, tmp_path: Path, table: str, select: str
) -> tuple[Path, str]:
    """`run` on landing data with one table rewritten; it must publish nothing.

    Returns the warehouse and the FAILED line.
    """
    warehouse = copy_warehouse(published, tmp_path)
    before = marts_fingerprint(warehouse)
    broken = _rewrite(landing, tmp_path, table, select)

    result = run_cli("run", landing=broken, warehouse=warehouse)

    assert result.exit_code == 1, result.output[-3000:]
    assert marts_fingerprint(warehouse) == before
    last = run_log(warehouse)[-1]
    assert last["status"] == "failed" and not last["published"]
    assert last["exit_code"] == 1
    return warehouse, next(
        line for line in result.output.splitlines() if "FAILED" in line
    )


def test_failing_dbt_test_publishes_nothing(
    published: Path, landing: Path, tmp_path: Path
) -> None:
    # a version priced below zero: nothing in the contract forbids it, so it
    # is not quarantined, but its MRR turns negative and the test on the
    # priced versions fails
    warehouse, failed = _run_on_broken_landing(
        published,
        landing,
        tmp_path,
        "billing_subscription_versions",
        "select * replace (case when version_id = (select min(version_id) from {t}) "
        "then cast(-abs(cast(unit_price as decimal(18, 4))) - 100 as varchar) "
        "else unit_price end as unit_price) from {t}",
    )

    assert "FAILED in build" in failed
    test = "expression_is_true_int_subscription_versions_priced_native_mrr"
    assert test in failed
    assert "on int_subscription_versions_priced.native_mrr fail" in failed
    last = run_log(warehouse)[-1]
    assert last["failed_step"] == "build"
    assert test in last["failure_reason"]


def test_crash_exits_2_logs_it_and_publishes_nothing(
    published: Path, landing: Path, tmp_path: Path
) -> None:
    warehouse = copy_warehouse(published, tmp_path)
    before = marts_fingerprint(warehouse)

    result = run_cli(
        "run", landing=landing, warehouse=warehouse, CVM_MEMORY_LIMIT="lots"
    )

    assert result.exit_code == 2, result.output[-3000:]
    last_line = result.output.strip().splitlines()[-1]
    assert "CRASHED in build (exit 2)" in last_line
    assert "Memory must have a number" in last_line
    assert marts_fingerprint(warehouse) == before
    last = run_log(warehouse)[-1]
    assert (last["status"], last["exit_code"], last["failed_step"]) == (
        "crashed",
        2,
        "build",
    )


def test_empty_landing_fails_a_scheduled_run_instead_of_inventing_data(
    published: Path, tmp_path: Path
) -> None:
    warehouse = copy_warehouse(published, tmp_path)
    empty = tmp_path / "exports"
    empty.mkdir()

    result = run_cli("run", landing=empty, warehouse=warehouse)

    assert result.exit_code == 1
    assert "did the exports arrive?" in result.output.strip().splitlines()[-1]
    assert list(empty.iterdir()) == []  # no demo data generated
    assert run_log(warehouse)[-1]["failed_step"] == "landing"


def test_a_mistyped_landing_dir_never_gets_demo_data(
    published: Path, tmp_path: Path
) -> None:
    warehouse = copy_warehouse(published, tmp_path)
    before = sha256(warehouse)
    typo = tmp_path / "exprots"

    result = run_cli("run", "--demo-if-empty", landing=typo, warehouse=warehouse)

    assert result.exit_code == 1, result.output[-2000:]
    line = last_line(result.output)
    assert line.endswith(
        f"FAILED in landing (exit 1): the landing directory {typo} does not exist: "
        f"is CVM_LANDING_DIR mistyped? Demo data is only generated into "
        f"{DEMO_LANDING_DIR}, never into another directory."
    )
    assert not typo.exists()  # no directory made, no demo data generated
    assert sha256(warehouse) != before  # the failure is logged ...
    assert run_log(warehouse)[-1]["status"] == "failed"
    assert query(warehouse, "select count(*) from marts.dim_customers") == query(
        published, "select count(*) from marts.dim_customers"
    )  # ... and the marts are the real ones


def test_summary_says_loudly_when_the_numbers_are_demo_data(
    published: Path, landing: Path, tmp_path: Path
) -> None:
    warehouse = copy_warehouse(published, tmp_path)
    plain = run_cli("summary", landing=landing, warehouse=warehouse)
    # the session's landing data is shared: the marker goes into a copy,
    # which this warehouse's run log then names as the published run's
    landing = Path(shutil.copytree(landing, tmp_path / "landing"))
    (landing / DEMO_MARKER).write_text("demo")
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.pipeline_runs set landing_dir = ?", [str(landing)])
    demo = run_cli("summary", landing=landing, warehouse=warehouse)

    assert plain.exit_code == 0 and demo.exit_code == 0, demo.output[-2000:]
    assert "DEMO DATA" not in plain.output
    banner = f"*** DEMO DATA: these numbers come from generated demo data in {landing}"
    lines = demo.output.strip().splitlines()
    assert lines[0].startswith(banner) and lines[-1].startswith(banner)


# -- SIGTERM mid-build ---------------------------------------------------------


def test_sigterm_mid_build_is_logged_and_releases_the_lock(
    published: Path, landing: Path, tmp_path: Path
) -> None:
    warehouse = copy_warehouse(published, tmp_path)
    settings = Settings(landing_dir=landing, warehouse_path=warehouse)
    before = marts_fingerprint(warehouse)

    process = start_cli("run", landing=landing, warehouse=warehouse)
    wait_for(process, " START sql table model ")
    process.terminate()  # a scheduler stopping the job
    output = process.communicate(timeout=120)[0]

    assert process.returncode == 2, output[-3000:]
    assert "stopped by SIGTERM" in output.strip().splitlines()[-1], output[-3000:]
    assert marts_fingerprint(warehouse) == before
    last = run_log(warehouse)[-1]
    assert (last["status"], last["failed_step"]) == ("crashed", "build")
    assert current_holder(settings.lock_path) is None
    assert settings.lock_path.read_text() == ""  # released cleanly: not stale


# -- the lock ------------------------------------------------------------------

LOCK_HOLDER = """
import sys, time
from cvm.lock import RunLock
lock = RunLock(__import__('pathlib').Path(sys.argv[1]), 'holder-run', 'run').acquire()
lock.set_step('build')
print('locked', flush=True)
time.sleep(600)
"""


def test_second_run_exits_3_naming_the_holder_and_a_dead_holder_is_taken_over(
    published: Path, landing: Path, tmp_path: Path
) -> None:
    warehouse = copy_warehouse(published, tmp_path)
    settings = Settings(landing_dir=landing, warehouse_path=warehouse)
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(settings.lock_path)],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"

        result = run_cli("run", landing=landing, warehouse=warehouse)

        assert result.exit_code == 3
        assert "LOCKED (exit 3)" in result.output
        assert f"pid {holder.pid}" in result.output
        assert "run holder-run (run)" in result.output and "step build" in result.output
        assert not settings.staging_path.exists()  # it did nothing
    finally:
        holder.kill()
        holder.wait(timeout=30)
        holder.stdout.close()

    # the holder died holding the lock: the next command takes it over
    result = run_cli("publish", landing=landing, warehouse=warehouse)

    assert "taking over a stale lock" in result.output
    assert f"pid {holder.pid}" in result.output
    assert result.exit_code == 1  # and then finds nothing staged to publish
    assert "nothing staged" in result.output
    abandoned = [run for run in run_log(warehouse) if run["status"] == "abandoned"]
    assert [run["run_id"] for run in abandoned] == ["holder-run"]
    assert abandoned[0]["failed_step"] == "build"


def test_lock_is_exclusive_within_one_machine(tmp_path: Path) -> None:
    path = tmp_path / "lock"
    with RunLock(path, "first", "run"):
        with pytest.raises(Exception, match="pid"):
            RunLock(path, "second", "run").acquire()
        assert current_holder(path)["run_id"] == "first"
    assert current_holder(path) is None
    with RunLock(path, "third", "run") as lock:
        assert lock.stale_holder == {}  # released cleanly: nothing to take over


# -- kill -9 mid-build, then a backfill -----------------------------------------


def test_kill_9_mid_build_keeps_the_published_file_and_a_backfill_converges(
    published: Path, landing: Path, tmp_path: Path
) -> None:
    # One test for two behaviours that each need whole builds: the command
    # after a killed run is a backfill over two month ends (each a whole
    # build; the dates' arithmetic is test_backfill_dates's), which takes
    # the dead run's lock over as any command does, logs it abandoned,
    # logs one run per date and keeps the last one's marts published.
    warehouse = copy_warehouse(published, tmp_path)
    settings = Settings(landing_dir=landing, warehouse_path=warehouse)
    before = sha256(warehouse)

    process = start_cli("run", landing=landing, warehouse=warehouse)
    wait_for(process, " START sql table model ")  # dbt is writing tables
    time.sleep(2)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    process.stdout.close()

    assert settings.staging_path.exists()  # killed mid-build, for real
    assert sha256(warehouse) == before
    assert query(warehouse, "select count(*) from marts.dim_customers")[0][0] > 0
    killed = current_holder(settings.lock_path)
    assert killed is None  # the kernel dropped the dead process's lock

    result = run_cli(
        "backfill",
        "--from",
        "2026-09-30",
        "--to",
        "2026-10-31",
        landing=landing,
        warehouse=warehouse,
    )

    assert result.exit_code == 0, result.output[-3000:]
    assert "taking over a stale lock" in result.output
    runs = run_log(warehouse)
    abandoned = [run for run in runs if run["status"] == "abandoned"]
    assert len(abandoned) == 1
    assert abandoned[0]["failed_step"] == "build"
    assert f"process {process.pid}" in abandoned[0]["failure_reason"]
    assert runs[-1]["status"] == "success"
    assert not settings.staging_path.exists()
    backfills = [run for run in runs if run["command"] == "backfill"]
    assert [run["as_of_date"].isoformat() for run in backfills] == [
        "2026-09-30",
        "2026-10-31",
    ]
    assert {run["status"] for run in backfills} == {"success"}
    assert len({run["run_id"] for run in backfills}) == 2
    assert query(warehouse, PUBLISHED_AS_OF) == [(AS_OF,)]
    assert query(warehouse, "select max(month_start) from marts.fct_mrr_movements") == [
        (datetime.date(2026, 10, 1),)
    ]


# -- a failing expectation (the session's failed run) --------------------------


def test_failing_expectation_publishes_nothing(
    published: Path, failed_validation: FailedRun
) -> None:
    # a quarter of the contacts exported as records that cannot be split:
    # dbt quarantines them and passes; the expectation on the quarantined
    # share fails (conftest's session fixture: test_private_data reads the
    # same failed run, and usually builds it on the other worker while this
    # module runs the tests above: this test comes last)
    warehouse, result = failed_validation.warehouse, failed_validation.result
    assert result.exit_code == 1, result.output[-3000:]
    assert marts_fingerprint(warehouse) == marts_fingerprint(published)
    failed = next(line for line in result.output.splitlines() if "FAILED" in line)

    assert "FAILED in validate" in failed
    assert "landing_tables.quarantined_share" in failed
    assert "crm_contacts" in failed
    last = run_log(warehouse)[-1]
    assert last["status"] == "failed" and not last["published"]
    assert last["exit_code"] == 1 and last["failed_step"] == "validate"
    assert last["expectations_failed"] >= 1
    summary = json.loads(last["gx_summary"])
    assert summary["landing_tables"]["failed"] >= 1
    results = json.loads((Path(last["results_path"]) / "gx_results.json").read_text())
    assert results["success"] is False


# -- backfill -------------------------------------------------------------------


def test_backfill_dates() -> None:
    date = datetime.date
    assert backfill_dates(date(2026, 1, 31), date(2026, 4, 30), "month") == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]
    assert backfill_dates(date(2026, 1, 15), date(2026, 3, 1), "month") == [
        date(2026, 1, 15),
        date(2026, 2, 15),
        date(2026, 3, 1),
    ]
    assert backfill_dates(date(2026, 1, 1), date(2026, 1, 10), "week") == [
        date(2026, 1, 1),
        date(2026, 1, 8),
        date(2026, 1, 10),
    ]
    assert backfill_dates(date(2026, 1, 1), date(2026, 1, 1), "day") == [
        date(2026, 1, 1)
    ]
    with pytest.raises(ValueError, match="before --from"):
        backfill_dates(date(2026, 2, 1), date(2026, 1, 1), "day")


def test_row_count_bounds_allow_the_larger_of_share_and_slack() -> None:
    assert row_count_bounds({"big": 10_000, "small": 10}, 0.25, 50) == {
        "big": (7_500, 12_500),
        "small": (0, 60),
    }
