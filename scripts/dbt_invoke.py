"""Run dbt in process (dbtRunner), one invocation at a time, and explain it.

Outcome -> exit code: 0 success, 1 a model, test or landing check failed,
2 dbt itself could not run (bad configuration, crash).
"""

from __future__ import annotations

import dataclasses
import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from scripts.exit_codes import EXIT_CRASH, EXIT_FAILED, EXIT_OK
from scripts.settings import PROJECT_DIR, Settings

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


def _first_line(message: object) -> str:
    lines = [line.strip() for line in str(message or "").splitlines() if line.strip()]
    # dbt prefixes errors with a generic line ("Compilation Error in ...");
    # the line after it says what is wrong.
    useful = [line for line in lines if not line.endswith(")") or len(lines) == 1]
    return (useful or lines or ["no message"])[0][:500]


def landing_read_error(message: str, landing_dir: Path) -> str | None:
    """The reason to give when dbt stopped because a landing file is unreadable.

    The landing hook reads every file before any model runs; DuckDB's error
    (a parquet file without its magic bytes, a CSV it cannot open) names the
    file. That is bad input, not a crash: exit 1 with DuckDB's own words.
    """
    if str(landing_dir) not in message:
        return None
    # DuckDB's error and where it was; never the record's text ("Original
    # Line: ..."), which can hold personal data
    lines = [
        line.strip()
        for line in message.splitlines()
        if line.strip() and not line.strip().startswith("Original Line")
    ]
    for number, line in enumerate(lines):
        if "Error:" in line:
            detail = " ".join(lines[number : number + 3])
            reason = f"{LANDING_CONTRACT_ERROR} a landing file cannot be read: {detail}"
            return reason[:700]
    return None


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
        message = _first_line(getattr(result, "message", ""))
        failures.append(f"{kind} {name} {status}: {message}")
    return failures


# DuckDB errors that say the machine, not the data, is the problem.
INFRASTRUCTURE_ERRORS = (
    "Out of Memory Error",
    "No space left on device",
    "IO Error",
    "Could not set lock on file",
)


def exit_code_for(failures: list[str]) -> int:
    """1 for a failing test or model; 2 when the machine is the problem.

    Out of memory, a full disk or a file locked by another process is not a
    data failure: re-running on a healthy machine would pass.
    """
    if any(marker in line for line in failures for marker in INFRASTRUCTURE_ERRORS):
        return EXIT_CRASH
    return EXIT_FAILED


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
    args: list[str], settings: Settings, warehouse: Path | None = None
) -> DbtOutcome:
    """Run one dbt command (e.g. ['build']).

    It writes to ``warehouse`` (the orchestration passes the staging file),
    else to the settings' warehouse path.
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
            result = dbtRunner().invoke(full_args)
        except Exception as error:  # dbt raised instead of reporting
            return DbtOutcome(EXIT_CRASH, f"dbt crashed: {_first_line(error)}")
        finally:
            release_warehouse()
    if result.success:
        return DbtOutcome(EXIT_OK)
    failures = describe_failures(result.result)
    if failures:
        return DbtOutcome(exit_code_for(failures), failures[0], failures)
    if result.exception is not None:
        reason = _first_line(result.exception)
        if LANDING_CONTRACT_ERROR in str(result.exception):
            # The landing files break the contract: a data failure, not a crash.
            start = str(result.exception).index(LANDING_CONTRACT_ERROR)
            return DbtOutcome(EXIT_FAILED, _first_line(str(result.exception)[start:]))
        unreadable = landing_read_error(str(result.exception), settings.landing_dir)
        if unreadable:
            return DbtOutcome(EXIT_FAILED, unreadable)
        return DbtOutcome(EXIT_CRASH, f"dbt could not run: {reason}")
    return DbtOutcome(
        EXIT_FAILED, "dbt reported failure without details; see logs/dbt.log"
    )
