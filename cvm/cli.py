"""The warehouse job's command line: ``cvm <command>`` (or ``python -m cvm``).

Commands:
  run       the whole nightly job: check the landing files (or generate demo
            data with --demo-if-empty), build, validate, publish, summarise
  build     dbt build (models, unit and data tests) into the staging file
  validate  the Great Expectations suites on the staging file
  publish   publish the staging file (only once built and validated)
  backfill  run the job for each as-of date from --from to --to (the last
            one's marts stay published; one run-log row per date)
  status    the published warehouse's freshness, recent runs, the lock holder
  summary   headline figures of the published warehouse
  report    (re)write report/index.html beside the published file
  export    CSV of one published mart (`cvm export fct_mrr_movements --out x.csv`)
  generate  write generated landing data (demo and test data; its own --help)

Write-audit-publish: builds write a staging file beside the published
warehouse; dbt tests and the expectations audit it; only then does it
atomically replace the file BI tools read (cvm/publish.py). Every run
appends a row to marts.pipeline_runs in the published file, failed runs too.

Exit codes: 0 success; 1 a data, test or expectation failure (nothing
published); 2 a crash or bad configuration; 3 another run holds the lock.
`status` exits 0 when the latest run succeeded, 1 when it did not, 2 when
nothing was ever published. `report` and `export` exit 0 on success, 2 when
they cannot (nothing published, not a mart, a write failing).

After a successful `run`, `publish` or `backfill` the job writes the report
(cvm/report.py) in a child process; a report that cannot be written is a
warning in the final line, not a failed run: the marts are published.
"""

from __future__ import annotations

import argparse
import calendar
import dataclasses
import datetime
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from cvm import publish
from cvm.dbt_invoke import (
    LANDING_CONTRACT_ERROR,
    dbt_log_path,
    dbt_run_results_path,
    error_line,
    run_dbt,
)
from cvm.exit_codes import EXIT_CRASH, EXIT_FAILED, EXIT_LOCKED, EXIT_OK
from cvm.lock import Holder, LockHeld, RunLock, current_holder, describe
from cvm.machine import explain
from cvm.progress import BuildProgress, previous_timings
from cvm.publish import RunLogRow, RunRow, StagingState
from cvm.settings import (
    DEMO_LANDING_DIR,
    DEMO_MARKER,
    Settings,
    holds_demo_data,
    is_demo_landing_dir,
    landing_file_exists,
    landing_is_empty,
)


def _log(message: str, to_stderr: bool = False) -> None:
    stream = sys.stderr if to_stderr else sys.stdout
    print(f"[cvm {time.strftime('%H:%M:%S')}] {message}", file=stream, flush=True)


class MachineFailure(RuntimeError):
    """dbt could not run, or the machine failed it (exit 2); the reason says why."""


class StepFailed(Exception):
    """A step found bad data, a failing test or expectation (exit 1)."""

    def __init__(self, step: str, reason: str, details: list[str] | None = None):
        super().__init__(reason)
        self.step, self.reason, self.details = step, reason, details or []


def new_run_id() -> str:
    return f"{publish.utc_now():%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


class Run:
    """One run of the job: its id, timings, outcome and run-log row."""

    def __init__(self, settings: Settings, command: str, lock: RunLock) -> None:
        self.settings, self.command, self.lock = settings, command, lock
        self.run_id = lock.info["run_id"]
        self.started_at = publish.utc_now()
        self.steps: dict[str, float] = {}
        self.as_of: str | None = settings.as_of_date
        self.counts: dict[str, dict[str, Any]] = {}
        self.gx: dict[str, Any] = {}
        self.gx_counts: tuple[int | None, int | None] = (None, None)
        # a failed run's row that only made it beside the lock (disk full)
        self.unlogged = publish.unlogged_failure(settings)

    def rows(self, row: RunRow) -> list[RunRow]:
        """``row``, after the unlogged failure it carries into the run log."""
        return [self.unlogged, row] if self.unlogged else [row]

    def logged(self) -> None:
        """The run's row (and the unlogged one) are in the run log."""
        if self.unlogged:
            publish.clear_failure_record(self.settings)
            self.unlogged = None
        self.lock.set_step(LOGGED)

    @property
    def results_dir(self) -> Path:
        return self.settings.runs_dir / self.run_id

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        self.lock.set_step(name, as_of=self.as_of or "")
        _log(f"{name}: started")
        started = time.monotonic()
        try:
            yield
        finally:
            self.steps[name] = round(time.monotonic() - started, 1)
        _log(f"{name}: done in {self.steps[name]:.1f}s")

    def row(
        self, status: str, exit_code: int, step: str | None, reason: str | None
    ) -> RunRow:
        finished = publish.utc_now()
        quarantined = self.counts.get("quarantined_rows")
        return RunLogRow(
            run_id=self.run_id,
            command=self.command,
            as_of_date=self.as_of,
            started_at=self.started_at,
            finished_at=finished,
            duration_seconds=round((finished - self.started_at).total_seconds(), 1),
            status=status,
            exit_code=exit_code,
            failed_step=step,
            failure_reason=reason,
            published=status == "success",
            marts_row_counts=self.counts.get("marts_row_counts"),
            landing_rows=self.counts.get("landing_rows"),
            quarantined_rows=quarantined,
            quarantined_rows_total=sum(quarantined.values())
            if quarantined is not None
            else None,
            expectations_evaluated=self.gx_counts[0],
            expectations_failed=self.gx_counts[1],
            gx_summary=self.gx or None,
            step_seconds=self.steps,
            landing_dir=str(self.settings.landing_dir),
            host=socket.gethostname(),
            pid=os.getpid(),
            results_path=str(self.results_dir),
        ).to_record()


def abandoned_row(holder: Holder, taken_over_by: str) -> RunRow:
    """The run-log row of a run whose process died holding the lock."""
    started = holder.get("started_at")
    return RunLogRow(
        run_id=holder.get("run_id") or f"unknown-{taken_over_by}",
        command=holder.get("command"),
        as_of_date=holder.get("as_of") or None,
        started_at=datetime.datetime.fromisoformat(started).replace(tzinfo=None)
        if started
        else None,
        status="abandoned",
        failed_step=holder.get("step"),
        failure_reason=(
            f"process {holder.get('pid')} on {holder.get('host')} died while holding "
            f"the lock (in step {holder.get('step')}); nothing was published; "
            f"taken over by run {taken_over_by}"
        ),
        published=False,
        host=holder.get("host"),
        pid=holder.get("pid"),
    ).to_record()


# -- the steps ----------------------------------------------------------------


def ensure_landing_data(settings: Settings, demo_if_empty: bool) -> None:
    """Check there are landing files; generate demo data if asked to.

    Only `make run` asks (``--demo-if-empty``), and demo data only ever goes
    into the default demo directory (data/raw): a scheduled run whose
    exports did not arrive, or a mistyped CVM_LANDING_DIR, must fail, not
    publish demo data over the real warehouse.
    """
    landing = settings.landing_dir
    if not landing_is_empty(landing):
        _log(f"landing data: {landing}")
        if holds_demo_data(landing):
            _log(f"NOTE: {landing} holds generated DEMO data, not real exports")
        return
    state = "does not exist" if not landing.exists() else "holds no table files"
    if not demo_if_empty:
        raise StepFailed(
            "landing",
            f"the landing directory {landing} {state}: did the exports arrive? "
            "(`run --demo-if-empty` generates demo data into data/raw)",
        )
    if not is_demo_landing_dir(landing):
        raise StepFailed(
            "landing",
            f"the landing directory {landing} {state}: is CVM_LANDING_DIR "
            f"mistyped? Demo data is only generated into {DEMO_LANDING_DIR}, "
            "never into another directory.",
        )
    from cvm.generate import generate

    _log(
        f"landing directory {landing} is empty: generating DEMO data "
        f"({settings.demo_customers} customers, {settings.demo_months} months, "
        f"seed {settings.demo_seed}, with injected dirt)"
    )
    generate(
        customers=settings.demo_customers,
        months=settings.demo_months,
        seed=settings.demo_seed,
        out=landing,
        fmt="parquet",
        dirty=True,
    )
    (landing / DEMO_MARKER).write_text(
        "This directory holds generated DEMO data (cvm generate), not real exports."
        "\nDelete it, and this file, to build from real data.\n"
    )


def build_step(run: Run) -> None:
    """dbt build into a fresh staging file; record what it built."""
    settings = run.settings
    with run.step("build"):
        publish.clear_staging(settings)
        # an earlier invocation's results must not pass for this one's
        dbt_run_results_path().unlink(missing_ok=True)
        _log(f"dbt build into the staging file {settings.staging_path}")
        timings = previous_timings(settings.runs_dir, exclude=run.results_dir)
        with BuildProgress(_log, timings, skipped=frozenset({"unit_test"})) as progress:
            outcome = run_dbt(
                # unit tests check the code on fixed rows, not the night's
                # data: `make test` and a developer's `dbt build` run them
                ["build", "--exclude-resource-type", "unit_test"],
                settings,
                warehouse=settings.staging_path,
                callbacks=[progress],
            )
        _keep_dbt_results(run)
        if outcome.exit_code == EXIT_CRASH:
            if SIGTERM_RECEIVED.is_set():
                # dbt's cancelling failed in turn (dbt-duckdb interrupts a
                # connection a finished node just closed): the stop is the cause
                raise Interrupted(f"stopped by SIGTERM (dbt then: {outcome.reason})")
            raise MachineFailure(outcome.reason)
        if outcome.exit_code != EXIT_OK:
            step = (
                "landing"
                if outcome.reason.startswith(LANDING_CONTRACT_ERROR)
                else "build"
            )
            raise StepFailed(step, outcome.reason, outcome.failures[1:10])
        run.as_of = run.as_of or publish.as_of_of(settings.staging_path)
        run.counts = publish.collect_counts(settings.staging_path)
        # which tables had a file: an absent optional table is not a shrink
        run.counts["landing_files"] = {
            table: landing_file_exists(settings.landing_dir, table)
            for table in run.counts["landing_rows"]
        }
        # the build file must not read the landing files once built
        emptied = publish.detach_landing_files(settings.staging_path)
        _log(f"emptied {emptied} landing views that read files (rows: staging.base_)")
    publish.write_state(
        settings,
        {
            "run_id": run.run_id,
            "command": run.command,
            "started_at": run.started_at.isoformat(),
            "as_of_date": run.as_of,
            "steps": run.steps,
            "counts": run.counts,
            "built": publish.fingerprint(settings.staging_path),
        },
    )


def _keep_dbt_results(run: Run) -> None:
    """Copy dbt's run results into the run's folder, if it can (a copy)."""
    with suppress(OSError):  # 0600 also when an older run created it
        os.chmod(dbt_log_path(), 0o600)
    source = dbt_run_results_path()
    if not source.exists():
        return
    try:
        run.results_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, run.results_dir / "dbt_run_results.json")
    except OSError as error:  # e.g. disk full: dbt's own failure is the reason
        _log(f"could not keep dbt's run results: {error}")


def _staged(run: Run, need_validated: bool) -> StagingState:
    """The staging file's state, checked to be what the earlier steps saw."""
    settings = run.settings
    state = publish.read_state(settings)
    if state and publish.is_published(settings, state["run_id"]):
        # a publish that died after its rename: finish it
        publish.keep_build(settings)
        state = None
    if state is None or not settings.staging_path.exists():
        raise StepFailed(
            "validate" if not need_validated else "publish",
            f"nothing staged at {settings.staging_path}: run `build` first",
        )
    wal = settings.staging_path.with_name(settings.staging_path.name + ".wal")
    # a WAL means writes since the build (an interrupted publish): not audited
    if publish.fingerprint(settings.staging_path) != state["built"] or wal.exists():
        raise StepFailed(
            "publish",
            f"{settings.staging_path} changed after it was built: build it again",
        )
    if need_validated and not state.get("validated"):
        raise StepFailed(
            "publish",
            f"{settings.staging_path} has not passed validation: run `validate` "
            "(or `run`) first",
        )
    # carry the build's identity, so one row describes build to publish
    run.run_id = state["run_id"]
    run.lock.set_step(run.lock.info["step"], run_id=run.run_id)
    run.started_at = datetime.datetime.fromisoformat(state["started_at"])
    run.as_of = state["as_of_date"]
    run.counts = state["counts"]
    run.steps = {**state["steps"], **run.steps}
    run.gx = state.get("gx") or {}
    run.gx_counts = tuple(state.get("gx_counts") or (None, None))
    return state


def validate_step(run: Run) -> None:
    """The Great Expectations suites on the staging file."""
    from cvm.expectations import validate

    settings = run.settings
    state = _staged(run, need_validated=False)
    with run.step("validate"):
        previous = publish.last_published(settings.warehouse_path)
        outcome = validate(
            settings,
            settings.staging_path,
            run.as_of or "",
            run.counts.get("landing_rows") or {},
            previous,
            run.results_dir,
            run.counts.get("landing_files"),
        )
    for note in outcome.notes:
        _log(f"validate: note: {note}")
    run.gx = {suite: details for suite, details in outcome.summary.items() if details}
    run.gx_counts = (outcome.evaluated, outcome.failed)
    _log(
        f"validate: {outcome.evaluated} expectations, {outcome.failed} failed; "
        f"results in {outcome.results_path}"
    )
    publish.write_state(
        settings,
        {
            **state,
            "steps": run.steps,
            "validated": outcome.success,
            "gx": run.gx,
            "gx_counts": run.gx_counts,
        },
    )
    if not outcome.success:
        raise StepFailed(
            "validate",
            outcome.failures[0] if outcome.failures else "validation failed",
            outcome.failures[1:10],
        )


def publish_step(run: Run) -> None:
    settings = run.settings
    _staged(run, need_validated=True)
    with run.step("publish"):
        publish.publish_staging(
            settings, run.rows(run.row("success", EXIT_OK, None, None))
        )
    # from here on, a death before the lock's release is no longer 'abandoned'
    run.logged()
    _log(f"published {settings.warehouse_path} (as of {run.as_of}, run {run.run_id})")


# -- running commands under the lock -------------------------------------------

STEPS = {
    "build": ("build",),
    "validate": ("validate",),
    "publish": ("publish",),
    "run": ("landing", "build", "validate", "publish"),
}
# The lock's step once the run's row is in the run log.
LOGGED = "logged"


class Interrupted(KeyboardInterrupt):
    """SIGTERM (a scheduler stopping the job), handled like Ctrl-C.

    A KeyboardInterrupt, so that dbt cancels its queries and joins its
    threads as it does on Ctrl-C (anything else leaves DuckDB threads
    running while the process exits, which aborts it).
    """


# Set once SIGTERM arrived: dbt may report its cancelling instead of it.
SIGTERM_RECEIVED = threading.Event()


def _on_sigterm(signum: int, frame: object) -> None:
    SIGTERM_RECEIVED.set()
    raise Interrupted("stopped by SIGTERM")


def take_over(settings: Settings, lock: RunLock) -> None:
    """Log the run that died holding the lock, before anything else happens."""
    holder, lock.stale_holder = lock.stale_holder, {}
    if not holder:
        return
    _log(f"taking over a stale lock: {describe(holder)} (process gone)")
    if holder.get("step") == LOGGED:
        return  # it died after logging its outcome: nothing was lost
    try:
        publish.record_without_publishing(
            settings, [abandoned_row(holder, lock.info["run_id"])]
        )
        _log(f"logged run {holder.get('run_id')} as abandoned")
    except Exception as error:
        _log(f"could not log the abandoned run: {type(error).__name__}: {error}")


def execute(
    settings: Settings,
    command: str,
    steps: tuple[str, ...],
    lock: RunLock,
    demo_if_empty: bool = False,
) -> int:
    """Run the steps of one run; log its outcome in the run log."""
    take_over(settings, lock)
    run = Run(settings, command, lock)
    _log(f"run {run.run_id}: {command} ({', '.join(steps)})")
    try:
        for step in steps:
            if step == "landing":
                with run.step("landing"):
                    ensure_landing_data(settings, demo_if_empty)
            elif step == "build":
                build_step(run)
            elif step == "validate":
                validate_step(run)
            elif step == "publish":
                publish_step(run)
    except StepFailed as failure:
        for line in failure.details:
            _log(f"  also: {line}")
        _record(run, "failed", EXIT_FAILED, failure.step, failure.reason)
        # the last line: what a scheduler shows as the reason
        _log(f"FAILED in {failure.step} (exit {EXIT_FAILED}): {failure.reason}")
        return EXIT_FAILED
    except (Exception, KeyboardInterrupt) as error:
        step = lock.info.get("step")
        reason = crash_reason(error, settings)
        _record(run, "crashed", EXIT_CRASH, step, reason)
        _log(f"CRASHED in {step} (exit {EXIT_CRASH}): {reason}")
        return EXIT_CRASH
    return EXIT_OK


def crash_reason(error: BaseException, settings: Settings) -> str:
    """One line for a crash: the error's telling line, and what to change."""
    if isinstance(error, MachineFailure):
        return str(error)
    if isinstance(error, KeyboardInterrupt) and not str(error).strip():
        return "KeyboardInterrupt: interrupted (SIGINT)"
    return explain(f"{type(error).__name__}: {error_line(error, 400)}", settings)


def _record(run: Run, status: str, code: int, step: str | None, reason: str) -> None:
    """Append the run's row to the published run log; its marts stay as they are.

    When it cannot (the copy needs space a full disk lacks), the row goes into
    the record reserved beside the lock, where `status` finds it.
    """
    row = run.row(status, code, step, reason)
    try:
        publish.record_without_publishing(run.settings, run.rows(row))
        run.logged()
        _log(f"logged in {publish.RUN_LOG_TABLE} of {run.settings.warehouse_path}")
        return
    except Exception as error:  # never hide the original failure
        _log(f"could not write the run log: {crash_reason(error, run.settings)}")
    try:
        publish.record_failure_beside_lock(run.settings, row)
        _log(
            f"recorded the failure in {run.settings.failure_record_path} instead: "
            "`status` shows it; the next run that can moves it into the run log"
        )
    except Exception as error:
        _log(f"could not record the failure there either: {error}")


@contextmanager
def locked(settings: Settings, command: str) -> Iterator[RunLock]:
    lock = RunLock(settings.lock_path, new_run_id(), command)
    lock.acquire()
    try:
        try:  # while the disk has room, for a failure when it has none
            publish.reserve_failure_record(settings)
        except OSError as error:
            _log(f"could not reserve {settings.failure_record_path}: {error}")
        yield lock
    finally:
        lock.release()


def backfill_dates(
    start: datetime.date, end: datetime.date, every: str
) -> list[datetime.date]:
    """``start``, then every day / week / month after it up to ``end``, and ``end``.

    Monthly steps keep the day of the month (the month's last day when it is
    shorter, and every month's last day when ``start`` is a month end).
    """
    if end < start:
        raise ValueError(f"--to {end} is before --from {start}")
    dates, current, months = [], start, 0
    month_end = start.day == calendar.monthrange(start.year, start.month)[1]
    while current <= end:
        dates.append(current)
        if every == "day":
            current += datetime.timedelta(days=1)
        elif every == "week":
            current += datetime.timedelta(days=7)
        else:
            months += 1
            year, month = divmod(start.month - 1 + months, 12)
            year, month = start.year + year, month + 1
            last = calendar.monthrange(year, month)[1]
            current = datetime.date(
                year, month, last if month_end else min(start.day, last)
            )
    if dates[-1] != end:
        dates.append(end)
    return dates


def backfill(settings: Settings, dates: list[datetime.date], lock: RunLock) -> int:
    _log(f"backfill of {len(dates)} as-of dates: {', '.join(map(str, dates))}")
    for number, as_of in enumerate(dates, start=1):
        _log(
            f"backfill {number}/{len(dates)}: as of {as_of} (a failure stops the "
            "backfill; the dates before it stay published)"
        )
        lock.info["run_id"] = new_run_id()
        dated = dataclasses.replace(settings, as_of_date=as_of.isoformat())
        code = execute(dated, "backfill", STEPS["run"], lock)
        if code != EXIT_OK:  # the dates before it stay published
            return code
    return EXIT_OK


# -- read-only commands --------------------------------------------------------


def status(settings: Settings) -> int:
    print(f"Published warehouse: {settings.warehouse_path}")
    holder = current_holder(settings.lock_path)
    print(f"Running now:         {describe(holder) if holder else 'no'}")
    state = publish.read_state(settings)
    if state and settings.staging_path.exists() and not holder:
        outcomes: dict[object, str] = {True: "validated", False: "failed validation"}
        outcome = outcomes.get(state.get("validated"), "not validated")
        print(
            f"Staged, unpublished: run {state['run_id']} "
            f"as of {state['as_of_date']} ({outcome})"
        )
    runs = publish.run_history(publish.run_log_path(settings), limit=10)
    unlogged = publish.unlogged_failure(settings)
    if unlogged and all(row["run_id"] != unlogged["run_id"] for row in runs):
        print(
            f"Latest run, not in the run log (it could not be written; in "
            f"{settings.failure_record_path.name}):"
        )
        _print_run(unlogged)
    else:
        unlogged = None
    if not settings.warehouse_path.exists():
        print("Nothing published yet.")
        if runs:
            print(f"Runs so far (newest first; {settings.unpublished_log_path.name}):")
        for row in runs:
            _print_run(row)
        return EXIT_CRASH
    success = next(
        (
            RunLogRow.from_record(record)
            for record in runs
            if record["status"] == "success"
        ),
        None,
    )
    if success and success.finished_at:
        finished = success.finished_at
        hours = (publish.utc_now() - finished).total_seconds() / 3600
        print(
            f"Data as of:          {success.as_of_date} (published "
            f"{finished:%Y-%m-%d %H:%M} UTC, {hours:.1f} h ago, "
            f"run {success.run_id})"
        )
    else:
        print("Data as of:          never published successfully")
    print("Recent runs (newest first):")
    for row in runs:
        _print_run(row)
    if success is None:
        return EXIT_CRASH  # nothing for BI yet, only failed runs' log rows
    if unlogged:
        return EXIT_FAILED
    return EXIT_OK if runs[0]["status"] == "success" else EXIT_FAILED


def _print_run(record: RunRow) -> None:
    row = RunLogRow.from_record(record)
    reason = f" - {row.failed_step}: {row.failure_reason}" if row.failure_reason else ""
    gx = "gx -"
    if row.expectations_evaluated is not None:
        gx = f"gx {row.expectations_failed}/{row.expectations_evaluated} failed"
    started = f"{row.started_at:%Y-%m-%d %H:%M}" if row.started_at else "?"
    print(
        f"  {started:<16} {row.run_id:<24} {row.command or '?':<9} "
        f"as of {row.as_of_date or '?'!s:<10} {row.status!s:<9} {gx}{reason}"
    )


def summary(settings: Settings) -> int:
    """Print where the warehouse is and a few headline figures."""
    import duckdb

    if not settings.warehouse_path.exists():
        _log(f"no warehouse at {settings.warehouse_path}: run `make run` first")
        return EXIT_CRASH
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        # the run that published these marts (the published file holds no
        # utilities or staging: the as-of date and quarantine are logged)
        published = con.sql(
            "select as_of_date, run_id, quarantined_rows, landing_dir "
            "from marts.pipeline_runs where published order by finished_at desc limit 1"
        ).fetchone() or (None, None, None, None)
        segments = con.sql(
            "select segment, count(*) from marts.dim_customers "
            "group by 1 order by 2 desc"
        ).fetchall()
        bridge = con.sql(
            "select month_start, closing_customers, closing_mrr, new_customers, "
            "reactivated_customers, churned_customers, new_mrr + reactivation_mrr "
            "+ expansion_mrr - contraction_mrr - churned_mrr "
            "from marts.fct_mrr_movements where segment = 'All' "
            "order by month_start desc limit 1"
        ).fetchone()
    finally:
        con.close()
    as_of, run_id, quarantine, landing_dir = published
    demo = holds_demo_data(landing_dir)
    banner = (
        f"*** DEMO DATA: these numbers come from generated demo data in "
        f"{landing_dir}, not from real exports ***"
    )
    print()
    if demo:
        print(banner)
    print(f"Warehouse: {settings.warehouse_path}")
    print(f"As of:     {as_of} (published by run {run_id})")
    total = sum(count for _, count in segments)
    print(f"Customers: {total:,}")
    for segment, count in segments:
        print(f"  {segment:<12} {count:>9,}")
    if bridge:
        month, active, mrr, new, back, lost, net_change = bridge
        print(
            f"MRR {month:%Y-%m}: {mrr:,.0f} (reporting currency) from {active:,} "
            "active customers"
        )
        print(
            f"  this month: {new:,} new, {back:,} reactivated, {lost:,} churned; "
            f"net MRR change without FX {net_change:+,.0f}"
        )
    by_table = sorted(json.loads(quarantine or "{}").items(), key=lambda item: -item[1])
    print(
        f"Quarantined landing rows: {sum(count for _, count in by_table):,} "
        f"(rows and rules: staging.stg_landing__quarantine in "
        f"{settings.build_path}, for engineers)"
    )
    for table, count in by_table[:8]:
        print(f"  {table:<32} {count:>7,}")
    print("BI tools read the schema `marts` of that file (open it read-only).")
    if demo:
        print(banner)
    return EXIT_OK


def write_report(settings: Settings, out: Path | None = None) -> int:
    """Write the report of the published file (``cvm report``)."""
    from cvm.report import write_report as write

    if not settings.warehouse_path.exists():
        _log(f"no warehouse at {settings.warehouse_path}: run `make run` first")
        return EXIT_CRASH
    try:
        path = write(settings.warehouse_path, out)
    except Exception as error:
        _log(f"report not written: {type(error).__name__}: {error_line(error, 300)}")
        return EXIT_CRASH
    _log(f"report written: {path}")
    return EXIT_OK


def export(settings: Settings, mart: str, out: str | None) -> int:
    """Write one published mart as CSV (``cvm export MART [--out FILE]``).

    Its own lines go to stderr: the CSV may be going to stdout.
    """
    from cvm.export import NotAMart, export_mart

    if not settings.warehouse_path.exists():
        _log(
            f"no warehouse at {settings.warehouse_path}: run `make run` first",
            to_stderr=True,
        )
        return EXIT_CRASH
    try:
        rows = export_mart(settings.warehouse_path, mart, out)
    except NotAMart as error:
        _log(f"not exported: {error}", to_stderr=True)
        return EXIT_CRASH
    if out not in (None, "-"):
        name = mart.removeprefix("marts.")
        _log(f"exported {rows:,} rows of marts.{name} to {out}", to_stderr=True)
    return EXIT_OK


# -- the command line ----------------------------------------------------------


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date YYYY-MM-DD, got '{value}'"
        ) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cvm",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    for name, text in [
        ("run", "build, validate and publish (demo data if landing is empty)"),
        ("build", "dbt build into the staging file"),
        ("validate", "Great Expectations suites on the staging file"),
        ("publish", "publish the validated staging file"),
    ]:
        command = commands.add_parser(name, help=text)
        if name == "run":
            command.add_argument(
                "--demo-if-empty",
                action="store_true",
                help="generate demo landing data when the landing directory is "
                "empty (what `make run` does); without it an empty landing "
                "directory fails the run",
            )
        if name in {"run", "build"}:
            command.add_argument(
                "--as-of",
                type=_date,
                help="as-of date YYYY-MM-DD (default: CVM_AS_OF_DATE, else the "
                "latest billing extract)",
            )
    backfill_parser = commands.add_parser(
        "backfill", help="run the job for a series of as-of dates"
    )
    backfill_parser.add_argument("--from", dest="start", type=_date, required=True)
    backfill_parser.add_argument("--to", dest="end", type=_date, required=True)
    backfill_parser.add_argument(
        "--every",
        choices=["day", "week", "month"],
        default="month",
        help="step between as-of dates (default: month)",
    )
    commands.add_parser("status", help="freshness, recent runs and the lock holder")
    commands.add_parser("summary", help="headline figures of the published warehouse")
    report_parser = commands.add_parser(
        "report", help="(re)write report/index.html from the published file"
    )
    report_parser.add_argument(
        "--out",
        metavar="FILE",
        type=Path,
        help="write the page here instead (default: report/"
        "index.html beside the published file)",
    )
    export_parser = commands.add_parser(
        "export", help="CSV of one mart of the published file"
    )
    export_parser.add_argument("mart", help="a mart, e.g. fct_mrr_movements")
    export_parser.add_argument(
        "--out", metavar="FILE", help="the CSV file to write (default: standard output)"
    )
    commands.add_parser(
        "generate",
        help="generate landing data (demo and test data; `cvm generate --help`)",
        add_help=False,
    )
    return parser


def final_line(settings: Settings) -> str:
    """What the latest published run built, tested and published, in one line."""
    from cvm.progress import node_counts

    latest = publish.last_published(settings.warehouse_path)
    if latest is None:
        return f"done: published {settings.warehouse_path}"
    row = RunLogRow.from_record(latest)
    counts = node_counts(Path(row.results_path or "") / "dbt_run_results.json")
    stored = row.marts_row_counts or {}  # JSON text as read back from the log
    marts = len(json.loads(stored) if isinstance(stored, str) else stored)
    built = (
        f"built {counts.get('model', 0)} models and {counts.get('seed', 0)} seeds"
        if counts
        else "built (dbt's run results not kept)"
    )
    tests = f"{counts.get('test', 0)} data tests"
    done = "done (DEMO DATA)" if holds_demo_data(row.landing_dir) else "done"
    return (
        f"{done}: {built}; passed {tests} and {row.expectations_evaluated or 0} "
        f"expectations; published {marts} marts to {settings.warehouse_path} "
        f"as of {row.as_of_date} (run {row.run_id})"
    )


def _report_in_child(settings: Settings) -> str:
    """Write the report in a fresh process; what the final line says of it."""
    from cvm.report import report_path

    code = subprocess.call(
        [sys.executable, "-m", "cvm", "report"],
        env={**os.environ, **settings.dbt_env()},
    )
    if code != EXIT_OK:
        return (
            f"WARNING: report NOT written (exit {code}, see above; the marts are "
            "published: `cvm report` writes it again)"
        )
    return f"report {report_path(settings.warehouse_path)}"


def _summary_in_child(settings: Settings) -> int:
    # dbt-duckdb and GX opened DuckDB in this process; read in a fresh one.
    return subprocess.call(
        [sys.executable, "-m", "cvm", "summary"],
        env={**os.environ, **settings.dbt_env()},
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["generate"]:  # the generator's own arguments
        from cvm.generate import main as generate_main

        return generate_main(argv[1:], prog="cvm generate")
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        if getattr(args, "as_of", None):
            settings = dataclasses.replace(settings, as_of_date=args.as_of.isoformat())
        if args.command == "status":
            return status(settings)
        if args.command == "summary":
            return summary(settings)
        if args.command == "report":
            return write_report(settings, args.out)
        if args.command == "export":
            return export(settings, args.mart, args.out)
        dates = (
            backfill_dates(args.start, args.end, args.every)
            if args.command == "backfill"
            else []
        )
    except Exception as error:
        _log(f"CRASHED (exit {EXIT_CRASH}): bad configuration: {error}")
        return EXIT_CRASH
    signal.signal(signal.SIGTERM, _on_sigterm)
    # the warehouse folder as the operator's umask makes it (BI users must
    # reach the published file); all else the job creates is its owner's
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    publish.restrict_umask()  # the published file gets its mode explicitly
    report = ""
    try:
        with locked(settings, args.command) as lock:
            if args.command == "backfill":
                code = backfill(settings, dates, lock)
            else:
                code = execute(
                    settings,
                    args.command,
                    STEPS[args.command],
                    lock,
                    demo_if_empty=getattr(args, "demo_if_empty", False),
                )
            if code == EXIT_OK and args.command in {"run", "publish", "backfill"}:
                # under the lock: a later run's report is never overwritten
                report = _report_in_child(settings)
    except LockHeld as held:
        _log(f"LOCKED (exit {EXIT_LOCKED}): {held}")
        return EXIT_LOCKED
    except KeyboardInterrupt:
        _log(f"interrupted (exit {EXIT_CRASH})")
        return EXIT_CRASH
    if code == EXIT_OK and args.command == "run" and _summary_in_child(settings):
        _log("published, but the summary could not be printed (see above)")
    if code == EXIT_OK and report:
        # the last line: what was built, tested and published
        _log(f"{final_line(settings)}; {report}")
    return code


if __name__ == "__main__":
    sys.exit(main())
