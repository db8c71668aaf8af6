"""The nightly job: write-audit-publish, the run log, the lock, backfill.

Every test works on its own copy of the session's published warehouse
(conftest's ``published_run``: small generated landing data, one real
`run`) or of its built and validated staging files (``staged``), and runs
the real command line in child processes: real builds, real kills, real
concurrent readers.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import (
    PROJECT_DIR,
    Published,
    copy_warehouse,
    last_line,
    run_cli,
    start_cli,
)

from cvm.cli import backfill_dates
from cvm.expectations import row_count_bounds
from cvm.lock import RunLock, current_holder
from cvm.publish import clear_staging
from cvm.settings import DEMO_LANDING_DIR, DEMO_MARKER, Settings

AS_OF = datetime.date(2026, 10, 31)


@pytest.fixture(scope="module")
def landing(published_run: Published) -> Path:
    """Small dirty landing data (150 customers, 24 months, as of AS_OF)."""
    return published_run.landing


@pytest.fixture(scope="module")
def published(published_run: Published) -> Path:
    """The warehouse after one successful `run` of the session (tests copy it)."""
    return published_run.warehouse


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _query(path: Path, sql: str) -> list[tuple]:
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


def _marts_fingerprint(path: Path) -> list[tuple]:
    """What BI sees in the marts: as-of date and a hash of key marts."""
    return _query(
        path,
        f"select ({PUBLISHED_AS_OF}), "
        "(select sum(hash(customer_id, current_mrr, value_tier)) "
        "from marts.dim_customers), "
        "(select sum(hash(month_start, segment, closing_mrr)) "
        "from marts.fct_mrr_movements)",
    )


def _runs(path: Path) -> list[dict]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        cursor = con.execute("select * from marts.pipeline_runs order by started_at")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def _rewrite(landing: Path, tmp_path: Path, table: str, select: str) -> Path:
    """A copy of the landing directory with one table rewritten by a query."""
    copy = tmp_path / "landing"
    shutil.copytree(landing, copy)
    query = select.format(t=f"read_parquet('{landing / table}.parquet')")
    duckdb.sql(f"copy ({query}) to '{copy / table}.parquet' (format parquet)")
    return copy


# -- success ------------------------------------------------------------------


def test_run_publishes_logs_and_leaves_nothing_behind(published: Path) -> None:
    settings = Settings(landing_dir=Path("unused"), warehouse_path=published)
    runs = _runs(published)
    assert len(runs) == 1
    run = runs[0]
    assert run["status"] == "success" and run["published"] and run["exit_code"] == 0
    assert run["as_of_date"] == AS_OF
    assert run["failed_step"] is None
    assert run["expectations_evaluated"] > 40 and run["expectations_failed"] == 0
    counts = json.loads(run["marts_row_counts"])
    assert (
        counts["dim_customers"]
        == _query(published, "select count(*) from marts.dim_customers")[0][0]
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
    before = _marts_fingerprint(warehouse)
    broken = _rewrite(landing, tmp_path, table, select)

    result = run_cli("run", landing=broken, warehouse=warehouse)

    assert result.exit_code == 1, result.output[-3000:]
    assert _marts_fingerprint(warehouse) == before
    last = _runs(warehouse)[-1]
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
        "then -abs(unit_price) - 100 else unit_price end as unit_price) from {t}",
    )

    assert "FAILED in build" in failed
    test = "expression_is_true_int_subscription_versions_priced_native_mrr"
    assert test in failed
    assert "on int_subscription_versions_priced.native_mrr fail" in failed
    last = _runs(warehouse)[-1]
    assert last["failed_step"] == "build"
    assert test in last["failure_reason"]


def test_failing_expectation_publishes_nothing(
    published: Path, landing: Path, tmp_path: Path
) -> None:
    # a third of the tickets exported without their key: dbt quarantines
    # them and passes; the expectation on the quarantined share fails
    warehouse, failed = _run_on_broken_landing(
        published,
        landing,
        tmp_path,
        "crm_support_tickets",
        "select * replace (case when hash(ticket_id) % 3 = 0 then null "
        "else ticket_id end as ticket_id) from {t}",
    )

    assert "FAILED in validate" in failed
    assert "landing_tables.quarantined_share" in failed
    assert "crm_support_tickets" in failed
    last = _runs(warehouse)[-1]
    assert last["status"] == "failed" and last["failed_step"] == "validate"
    assert last["expectations_failed"] >= 1
    summary = json.loads(last["gx_summary"])
    assert summary["landing_tables"]["failed"] >= 1
    results = json.loads((Path(last["results_path"]) / "gx_results.json").read_text())
    assert results["success"] is False


def test_crash_exits_2_logs_it_and_publishes_nothing(
    published: Path, landing: Path, tmp_path: Path
) -> None:
    warehouse = copy_warehouse(published, tmp_path)
    before = _marts_fingerprint(warehouse)

    result = run_cli(
        "run", landing=landing, warehouse=warehouse, CVM_MEMORY_LIMIT="lots"
    )

    assert result.exit_code == 2, result.output[-3000:]
    last_line = result.output.strip().splitlines()[-1]
    assert "CRASHED in build (exit 2)" in last_line
    assert "Memory must have a number" in last_line
    assert _marts_fingerprint(warehouse) == before
    last = _runs(warehouse)[-1]
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
    assert _runs(warehouse)[-1]["failed_step"] == "landing"


def test_a_mistyped_landing_dir_never_gets_demo_data(
    published: Path, tmp_path: Path
) -> None:
    warehouse = copy_warehouse(published, tmp_path)
    before = _sha(warehouse)
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
    assert _sha(warehouse) != before  # the failure is logged ...
    assert _runs(warehouse)[-1]["status"] == "failed"
    assert _query(warehouse, "select count(*) from marts.dim_customers") == _query(
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


# -- kill -9 --------------------------------------------------------------------


def _wait_for(process: subprocess.Popen, text: str, timeout: float = 300) -> str:
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


def test_kill_9_mid_build_keeps_the_published_file_and_the_next_run_converges(
    published: Path, landing: Path, tmp_path: Path
) -> None:
    warehouse = copy_warehouse(published, tmp_path)
    settings = Settings(landing_dir=landing, warehouse_path=warehouse)
    before = _sha(warehouse)

    process = start_cli("run", landing=landing, warehouse=warehouse)
    _wait_for(process, " START sql table model ")  # dbt is writing tables
    time.sleep(2)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    process.stdout.close()

    assert settings.staging_path.exists()  # killed mid-build, for real
    assert _sha(warehouse) == before
    assert _query(warehouse, "select count(*) from marts.dim_customers")[0][0] > 0
    killed = current_holder(settings.lock_path)
    assert killed is None  # the kernel dropped the dead process's lock

    result = run_cli("run", landing=landing, warehouse=warehouse)

    assert result.exit_code == 0, result.output[-3000:]
    assert "taking over a stale lock" in result.output
    runs = _runs(warehouse)
    abandoned = [run for run in runs if run["status"] == "abandoned"]
    assert len(abandoned) == 1
    assert abandoned[0]["failed_step"] == "build"
    assert f"process {process.pid}" in abandoned[0]["failure_reason"]
    assert runs[-1]["status"] == "success"
    assert not settings.staging_path.exists()


def test_sigterm_mid_build_is_logged_and_releases_the_lock(
    published: Path, landing: Path, tmp_path: Path
) -> None:
    warehouse = copy_warehouse(published, tmp_path)
    settings = Settings(landing_dir=landing, warehouse_path=warehouse)
    before = _marts_fingerprint(warehouse)

    process = start_cli("run", landing=landing, warehouse=warehouse)
    _wait_for(process, " START sql table model ")
    process.terminate()  # a scheduler stopping the job
    output = process.communicate(timeout=120)[0]

    assert process.returncode == 2, output[-3000:]
    assert "stopped by SIGTERM" in output.strip().splitlines()[-1], output[-3000:]
    assert _marts_fingerprint(warehouse) == before
    last = _runs(warehouse)[-1]
    assert (last["status"], last["failed_step"]) == ("crashed", "build")
    assert current_holder(settings.lock_path) is None
    assert settings.lock_path.read_text() == ""  # released cleanly: not stale


def _restore(staged: dict[str, Path], which: str) -> Path:
    warehouse = staged["warehouse"]
    clear_staging(Settings(Path(), warehouse))  # what an earlier test left
    shutil.copy2(staged["published"], warehouse)
    for path in staged[which].iterdir():
        shutil.copy2(path, warehouse.parent / path.name)
    return warehouse


def test_publish_refuses_a_staging_file_that_was_not_validated(
    staged: dict[str, Path], landing: Path
) -> None:
    warehouse = _restore(staged, "build")
    before = _marts_fingerprint(warehouse)

    result = run_cli("publish", landing=landing, warehouse=warehouse)

    assert result.exit_code == 1
    assert "has not passed validation" in result.output
    assert _marts_fingerprint(warehouse) == before


@pytest.mark.parametrize(
    "delay", [0.0, 0.1, 0.2, 0.25, 0.3, 0.32, 0.34, 0.36, 0.38, 0.4, 0.45, 0.5, 0.8]
)
def test_kill_9_at_any_moment_of_publish_leaves_old_or_new_and_converges(
    staged: dict[str, Path], landing: Path, delay: float
) -> None:
    warehouse = _restore(staged, "validate")
    old = _sha(warehouse)
    state_file = Settings(Path(), warehouse).staging_state_path.name
    staged_run = json.loads((staged["validate"] / state_file).read_text())["run_id"]

    process = start_cli("publish", landing=landing, warehouse=warehouse)
    _wait_for(process, "publish: started")
    time.sleep(delay)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)

    # the published file is the old one or the whole new one, readable
    assert not warehouse.with_name(warehouse.name + ".wal").exists()
    assert _query(warehouse, "select count(*) from marts.dim_customers")[0][0] > 0
    renamed = _sha(warehouse) != old
    if not renamed:
        assert staged_run not in [run["run_id"] for run in _runs(warehouse)]

    # the next command takes the lock over and leaves a truthful log
    again = run_cli("publish", landing=landing, warehouse=warehouse)

    statuses = [
        run["status"] for run in _runs(warehouse) if run["run_id"] == staged_run
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
    assert sorted((run["status"], run["published"]) for run in _runs(warehouse)) == [
        ("failed", False),
        ("success", True),
    ]
    assert not settings.unpublished_log_path.exists()


# -- readers and the lock -------------------------------------------------------

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
    before = len(_runs(warehouse))
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
    assert len(_runs(warehouse)) == before + 1


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
    abandoned = [run for run in _runs(warehouse) if run["status"] == "abandoned"]
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


# -- backfill -------------------------------------------------------------------


def test_backfill_over_two_as_of_dates_logs_two_runs_and_keeps_the_last(
    published: Path, landing: Path, tmp_path: Path
) -> None:
    warehouse = copy_warehouse(published, tmp_path)

    # two month ends (each a whole build; the dates' arithmetic is
    # test_backfill_dates's)
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
    backfills = [run for run in _runs(warehouse) if run["command"] == "backfill"]
    assert [run["as_of_date"].isoformat() for run in backfills] == [
        "2026-09-30",
        "2026-10-31",
    ]
    assert {run["status"] for run in backfills} == {"success"}
    assert len({run["run_id"] for run in backfills}) == 2
    assert _query(warehouse, PUBLISHED_AS_OF) == [(AS_OF,)]
    assert _query(
        warehouse, "select max(month_start) from marts.fct_mrr_movements"
    ) == [(datetime.date(2026, 10, 1),)]


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
