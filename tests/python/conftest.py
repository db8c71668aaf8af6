"""Shared pytest helpers: run the warehouse CLI in a child process.

The warehouses several test modules read are built once per test session,
also when pytest-xdist runs the session in several worker processes
(``make test`` runs two): the first worker to need one builds it under a
file lock in the session's shared temporary directory, the others wait for
it and read what it recorded there.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
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


def shared_dir(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A directory every xdist worker of this session sees (else the basetemp's)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # pytest-N/popen-gwK -> pytest-N, shared by the workers
    return base / name


@contextmanager
def built_once(root: Path) -> Iterator[bool]:
    """Hold ``root``'s lock; yield whether it still has to be built.

    The caller builds into ``root`` when told to; leaving the block without
    an exception marks it built, so a failed build is retried by the next
    worker instead of being read half-made.
    """
    root.parent.mkdir(parents=True, exist_ok=True)
    done = root.with_name(root.name + ".done")
    with open(root.with_name(root.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if done.exists():
                yield False
                return
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            yield True
            done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def published_run(tmp_path_factory: pytest.TempPathFactory) -> Published:
    """Small dirty landing data and one successful `run` on it, once per session.

    Tests that only read the published file (the report, export) share it;
    a test that changes the warehouse works on a copy.
    """
    from cvm.generate import generate

    root = shared_dir(tmp_path_factory, "session_published")
    landing, warehouse = root / "landing", root / "warehouse" / "cvm.duckdb"
    recorded = root / "result.json"
    with built_once(root) as to_build:
        if to_build:
            # as of the generator's default date, 2026-10-31
            generate(
                customers=150, months=24, seed=3, out=landing, fmt="parquet", dirty=True
            )
            result = run_cli("run", landing=landing, warehouse=warehouse)
            assert result.exit_code == 0, result.output[-4000:]
            recorded.write_text(json.dumps(asdict(result)))
    return Published(landing, warehouse, CliResult(**json.loads(recorded.read_text())))


def copy_warehouse(published: Path, tmp_path: Path) -> Path:
    """A private copy of a published warehouse's directory (without dbt's target)."""
    target = tmp_path / "warehouse"
    shutil.copytree(published.parent, target, ignore=shutil.ignore_patterns("target"))
    return target / published.name


@pytest.fixture(scope="session")
def staged(
    tmp_path_factory: pytest.TempPathFactory, published_run: Published
) -> dict[str, Path]:
    """The session's published warehouse plus a built, then a validated, staging file.

    Snapshots of the staging file and its state after `build` and after
    `validate`, so that tests of `publish` start from either without building.
    ``published`` is the published file beside them; ``warehouse`` a working
    copy that only test_orchestration's tests change (one xdist worker runs a
    module's tests: ``--dist loadfile``), each first restoring it.
    """
    from cvm.settings import Settings

    root = shared_dir(tmp_path_factory, "staged")
    landing = published_run.landing
    warehouse = root / "warehouse" / published_run.warehouse.name
    snapshots = {
        "warehouse": warehouse,
        "build": root / "build",
        "validate": root / "validate",
        "published": root / "published.duckdb",
    }
    with built_once(root) as to_build:
        if to_build:
            copy_warehouse(published_run.warehouse, root)
            settings = Settings(landing_dir=landing, warehouse_path=warehouse)
            for command in ("build", "validate"):
                result = run_cli(command, landing=landing, warehouse=warehouse)
                assert result.exit_code == 0, result.output[-3000:]
                snapshots[command].mkdir()
                for path in (settings.staging_path, settings.staging_state_path):
                    # copy2 keeps the mtime: the same fingerprint
                    shutil.copy2(path, snapshots[command] / path.name)
            shutil.copy2(warehouse, snapshots["published"])
    return snapshots
