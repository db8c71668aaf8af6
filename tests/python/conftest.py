"""Shared pytest helpers: run the warehouse CLI in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]


@dataclass
class CliResult:
    exit_code: int
    output: str


def cli_env(landing: Path, warehouse: Path, **env: str) -> dict[str, str]:
    """The environment of a child ``python -m cvm``: its own paths."""
    child_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CVM_") and not key.startswith("DBT_")
    }
    child_env.update(
        CVM_LANDING_DIR=str(landing),
        CVM_WAREHOUSE_PATH=str(warehouse),
        # keep dbt's logs and artifacts out of the repository's target/
        DBT_LOG_PATH=str(warehouse.parent / "logs"),
        DBT_TARGET_PATH=str(warehouse.parent / "target"),
        **env,
    )
    return child_env


def start_cli(*args: str, landing: Path, warehouse: Path, **env: str):
    """Start ``python -m cvm`` without waiting (a subprocess.Popen)."""
    return subprocess.Popen(
        [sys.executable, "-m", "cvm", *args],
        cwd=PROJECT_DIR,
        env=cli_env(landing, warehouse, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_cli(*args: str, landing: Path, warehouse: Path, **env: str) -> CliResult:
    """Run ``python -m cvm`` with its own landing dir and warehouse."""
    completed = subprocess.run(
        [sys.executable, "-m", "cvm", *args],
        cwd=PROJECT_DIR,
        env=cli_env(landing, warehouse, **env),
        capture_output=True,
        text=True,
        timeout=900,
    )
    return CliResult(completed.returncode, completed.stdout + completed.stderr)


def last_line(output: str) -> str:
    """The job's last line: what a scheduler shows as the reason."""
    lines = [line for line in output.splitlines() if line.startswith("[cvm ")]
    return lines[-1] if lines else ""


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "cvm.duckdb"


@dataclass
class Published:
    """A warehouse published by one real `run`, shared by a test session."""

    landing: Path
    warehouse: Path
    result: CliResult

    def cli(self, *args: str) -> CliResult:
        """``python -m cvm *args`` on this landing directory and warehouse."""
        return run_cli(*args, landing=self.landing, warehouse=self.warehouse)


@pytest.fixture(scope="session")
def published_run(tmp_path_factory: pytest.TempPathFactory) -> Published:
    """Small dirty landing data and one successful `run` on it, once per session.

    Tests that only read the published file (the report, export) share it;
    a test that changes the warehouse works on a copy.
    """
    from cvm.generate import generate

    root = tmp_path_factory.mktemp("session_published")
    landing = root / "landing"
    generate(customers=150, months=24, seed=3, out=landing, fmt="parquet", dirty=True)
    warehouse = root / "warehouse" / "cvm.duckdb"
    result = run_cli("run", landing=landing, warehouse=warehouse)
    assert result.exit_code == 0, result.output[-4000:]
    return Published(landing, warehouse, result)
