"""Run dbt in process (dbtRunner), one invocation at a time, and explain it.

Outcome -> exit code: 0 success, 1 a model, test or landing check failed,
2 dbt itself could not run (bad configuration, crash).
"""

from __future__ import annotations

import dataclasses
import gc
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cvm.exit_codes import EXIT_CRASH, EXIT_FAILED, EXIT_OK
from cvm.machine import explain, machine_error
from cvm.settings import PROJECT_DIR, Settings

__all__ = ["EXIT_CRASH", "EXIT_FAILED", "EXIT_OK", "DbtOutcome", "run_dbt"]
# Prefix of the errors raised by the macro create_landing_views.
LANDING_CONTRACT_ERROR = "Landing contract violation:"


@dataclass
class DbtOutcome:
    """What a dbt invocation did, reduced to what a scheduler needs."""

    exit_code: int
    reason: str = ""
    failures: list[str] = field(default_factory=list)


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# dbt's generic first line: "Runtime Error in model x (models/x.sql)".
_DBT_HEADER = re.compile(r"^[A-Z][\w ]*Error in [\w ]+ \S+ \(.*\)$")
# DuckDB's (and Python's) error lines: "Out of Memory Error: ...".
_ERROR_LINE = re.compile(r"^[A-Z][\w ]*(Error|Exception): \S")
# Lines after it that say where: file, line, column, value, SQL context,
# the rows of a contract mismatch table. Never DuckDB's "Original Line: ..."
# (a landing record's text: it can hold personal data, and logs are read by
# more people than the landing files).
_DETAIL_LINES = re.compile(r"^(file = \S|Error when converting column |LINE \d+: |\|)")
# dbt's advice and DuckDB's tuning tips: not the reason.
_NOISE = re.compile(r"^(compiled code at |Possible solutions:|See also |\* )")


def error_line(message: object, limit: int = 500) -> str:
    """The line of an error message that says what is wrong, with where.

    dbt prefixes errors with a generic line ("Runtime Error in model x
    (path)"); DuckDB's own line follows ("Out of Memory Error: ... (61 MiB/
    61 MiB used)"), then lines naming the file, column and value, then
    advice. Keep DuckDB's line and the lines that name things, in one line.
    """
    lines = [line.strip() for line in str(message or "").splitlines()]
    lines = [line for line in lines if line and not _NOISE.match(line)]
    if not lines:
        return "no message"
    useful = [line for line in lines if not _DBT_HEADER.match(line)] or lines
    start = next(
        (number for number, line in enumerate(useful) if _ERROR_LINE.match(line)), 0
    )
    details = [
        line
        for line in useful[start + 1 :]
        if _DETAIL_LINES.match(line) and not re.fullmatch(r"[|\s-]*", line)
    ]
    return "; ".join([useful[start], *details])[:limit]


# DuckDB's copy of a landing record in an error ("Original Line: <text>").
_RAW_LINE = re.compile(r"Original Line:[^\n]*")
RAW_LINE_MASK = "Original Line: <masked: a landing record's text>"


def mask_raw_lines(path: Path) -> None:
    """Mask DuckDB's copies of landing records in a log or artifact, in place.

    dbt writes each error message whole into logs/dbt.log and
    run_results.json; a record's text there can hold personal data.
    """
    try:
        text = path.read_text(errors="surrogateescape")
    except OSError:  # no such file (yet): nothing to mask
        return
    if "Original Line:" not in text:
        return
    if path.suffix == ".json":  # JSON strings: newlines escaped as \n
        masked = re.sub(r"Original Line:(?:[^\\\n\"]|\\[^n])*", RAW_LINE_MASK, text)
    else:
        masked = _RAW_LINE.sub(RAW_LINE_MASK, text)
    path.write_text(masked, errors="surrogateescape")


def dbt_log_path() -> Path:
    """dbt's log file (DBT_LOG_PATH, else the project's logs/)."""
    return Path(os.environ.get("DBT_LOG_PATH") or PROJECT_DIR / "logs") / "dbt.log"


def dbt_run_results_path() -> Path:
    """dbt's run results (DBT_TARGET_PATH, else the project's target/)."""
    target = os.environ.get("DBT_TARGET_PATH") or PROJECT_DIR / "target"
    return Path(target) / "run_results.json"


def landing_read_error(message: str, landing_dir: Path) -> str | None:
    """The reason to give when dbt stopped because a landing file is unreadable.

    The landing hook reads every file before any model runs; DuckDB's error
    (a parquet file without its magic bytes, a CSV it cannot open) names the
    file. That is bad input, not a crash: exit 1 with DuckDB's own words.
    """
    if str(landing_dir) not in message:
        return None
    reason = f"{LANDING_CONTRACT_ERROR} a landing file cannot be read: "
    return reason + error_line(message)


def describe_failures(results: object) -> list[str]:
    """One line per failed node of a dbt result: kind, name and why."""
    failures = []
    for result in getattr(results, "results", None) or []:
        status = str(getattr(result, "status", "")).lower()
        if status not in {"error", "fail", "runtime error"}:
            continue
        node = getattr(result, "node", None)
        kind = getattr(node, "resource_type", "node")
        name = getattr(node, "name", "?")
        message = error_line(getattr(result, "message", ""))
        failures.append(f"{kind} {name}{_tested(node)} {status}: {message}")
    return failures


def _tested(node: object) -> str:
    """' on <model>.<column>' for a data test (dbt may shorten its name)."""
    attached = getattr(node, "attached_node", None)
    if not attached:
        return ""
    column = getattr(node, "column_name", None)
    table = str(attached).rsplit(".", 1)[-1]
    return f" on {table}.{column}" if column else f" on {table}"


def exit_code_for(failures: list[str]) -> int:
    """1 for a failing test or model; 2 when the machine is the problem.

    Out of memory, a full disk or a file locked by another process is not a
    data failure: re-running on a healthy machine would pass.
    """
    return EXIT_CRASH if machine_error(failures) else EXIT_FAILED


def release_warehouse() -> None:
    """Close the DuckDB connection dbt-duckdb keeps open after an invocation.

    dbt-duckdb holds one environment (and its read-write connection) for the
    life of the process; while it is open, no other process can open the
    warehouse file, not even read-only. Its close_all_connections() only
    drops the reference, so close the environment explicitly.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # another adapter: nothing held
        return
    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
        if environment is not None:
            environment.close()
    gc.collect()


def run_dbt(
    args: list[str],
    settings: Settings,
    warehouse: Path | None = None,
    callbacks: list[Callable[[Any], None]] | None = None,
) -> DbtOutcome:
    """Run one dbt command (e.g. ['build']).

    It writes to ``warehouse`` (the orchestration passes the staging file),
    else to the settings' warehouse path. ``callbacks`` receive every dbt
    event (cvm.progress counts the nodes that finished).
    """
    from dbt.cli.main import dbtRunner

    if warehouse is not None:
        settings = dataclasses.replace(settings, warehouse_path=warehouse)
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    full_args = [
        *args,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR / "profiles"),
    ]
    with _environment(settings.dbt_env()):
        try:
            result = dbtRunner(callbacks=callbacks or []).invoke(full_args)
        except Exception as error:  # dbt raised instead of reporting
            reason = explain(error_line(error), settings)
            return DbtOutcome(EXIT_CRASH, f"dbt crashed: {reason}")
        finally:
            release_warehouse()
            for path in (dbt_log_path(), dbt_run_results_path()):
                mask_raw_lines(path)
    if result.success:
        return DbtOutcome(EXIT_OK)
    failures = describe_failures(result.result)
    if failures:
        # the machine's failure first: the others may follow from it
        cause = machine_error(failures)
        if cause is not None:
            return DbtOutcome(EXIT_CRASH, explain(cause, settings), failures)
        return DbtOutcome(EXIT_FAILED, failures[0], failures)
    if result.exception is not None:
        reason = explain(error_line(result.exception), settings)
        if LANDING_CONTRACT_ERROR in str(result.exception):
            # The landing files break the contract: a data failure, not a crash.
            start = str(result.exception).index(LANDING_CONTRACT_ERROR)
            return DbtOutcome(EXIT_FAILED, error_line(str(result.exception)[start:]))
        unreadable = landing_read_error(str(result.exception), settings.landing_dir)
        if unreadable:
            return DbtOutcome(EXIT_FAILED, unreadable)
        return DbtOutcome(EXIT_CRASH, f"dbt could not run: {reason}")
    return DbtOutcome(
        EXIT_FAILED, "dbt reported failure without details; see logs/dbt.log"
    )
