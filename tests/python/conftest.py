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
from personal_data import break_a_quarter_of_the_contacts, plant_personal_values

PROJECT_DIR = Path(__file__).resolve().parents[2]


# Test modules, the heaviest first (by their dbt builds and runs, measured
# with --durations; a session fixture counts for the first module that asks
# for it). `make pytest` runs two xdist workers with `--dist loadfile
# --no-loadscope-reorder`: whole modules, handed out in this order
# (pytest_collection_modifyitems), so the long ones start first and the
# short ones fill in at the end. The second module needs no session
# warehouse, so the second worker does not wait for the first one's
# `published_run`. Modules not named here come last.
HEAVIEST_FIRST = (
    "test_orchestration.py",
    "test_bad_input.py",
    # builds `failed_validation` while test_orchestration runs its other tests
    "test_private_data.py",
    "test_publish.py",
    "test_renewal_risk.py",
    "test_landing_contract.py",
    "test_semantic_layer.py",
    "test_machine_failures.py",
    "test_report.py",
    "test_dagster_defs.py",
    "test_generator.py",
    "test_dbt_invoke.py",
    "test_conventions.py",
    "test_end_to_end.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the modules as HEAVIEST_FIRST says (each module's tests in order)."""
    rank = {name: number for number, name in enumerate(HEAVIEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


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
class Workspace:
    """A landing directory and a warehouse path, the same for several tests."""

    landing: Path
    warehouse: Path


@pytest.fixture
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """An empty landing directory and warehouse directory at fixed paths.

    The paths are the same for every test of this worker process that uses
    them (one after the other), and dbt's target/ beside the warehouse is
    kept: dbt parses the project fully for the first such test only, and
    partially (nothing changed) for the next ones. dbt's partial parsing
    needs the same landing path (a project variable), the same warehouse
    path (in the profile) and the same target directory. For tests of small
    landing data whose build fails or is read at once; not for a memory
    limit of its own (also in the profile: a full parse again).
    """
    root = tmp_path_factory.getbasetemp() / "workspace"
    landing, warehouse = root / "landing", root / "warehouse" / "cvm.duckdb"
    shutil.rmtree(landing, ignore_errors=True)
    landing.mkdir(parents=True)
    warehouse.parent.mkdir(exist_ok=True)
    for path in warehouse.parent.iterdir():
        if path.name == "target":
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    return Workspace(landing, warehouse)


@dataclass
class Published:
    """A warehouse published by one real `run`, shared by a test session."""

    landing: Path
    warehouse: Path
    result: CliResult

    def cli(self, *args: str) -> CliResult:
        """``python -m cvm *args`` on this landing directory and warehouse."""
        return run_cli(*args, landing=self.landing, warehouse=self.warehouse)

    @property
    def manifest(self) -> dict:
        """What the generator says it wrote (its _manifest.json)."""
        return json.loads((self.landing / "_manifest.json").read_text())


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

    300 customers, 24 months, CSV, as of the generator's default date
    (2026-10-31), with every personal value replaced by a planted one and
    one contact record that cannot be split (personal_data.py). Tests that
    only read the published file or the build file (the report, export, the
    end-to-end comparison with the generator's manifest, the privacy scan)
    share it; a test that changes the warehouse works on a copy. The run's
    umask is the usual 022, so the published file's mode is the one a first
    publish gives BI users.
    """
    from cvm.generate import generate

    root = shared_dir(tmp_path_factory, "session_published")
    landing, warehouse = root / "landing", root / "warehouse" / "cvm.duckdb"
    recorded = root / "result.json"
    with built_once(root) as to_build:
        if to_build:
            generate(
                customers=300, months=24, seed=11, out=landing, fmt="csv", dirty=True
            )
            plant_personal_values(landing)
            umask = os.umask(0o022)
            try:
                result = run_cli("run", landing=landing, warehouse=warehouse)
            finally:
                os.umask(umask)
            assert result.exit_code == 0, result.output[-4000:]
            recorded.write_text(json.dumps(asdict(result)))
    return Published(landing, warehouse, CliResult(**json.loads(recorded.read_text())))


@dataclass
class FailedRun:
    """A `run` after the session's published run that failed validation."""

    landing: Path
    warehouse: Path
    result: CliResult


@pytest.fixture(scope="session")
def failed_validation(
    tmp_path_factory: pytest.TempPathFactory, published_run: Published
) -> FailedRun:
    """A copy of the published warehouse, then a `run` that fails in validate.

    Once per session, shared by test_orchestration (a failing expectation
    publishes nothing) and test_private_data (a failing run writes no
    personal value anywhere and keeps the operator's mode). The operator
    restricted the copy's published file to 0640 before the run; the
    landing data is the session's with a quarter of the contacts made
    records that cannot be split (personal_data.py).
    """
    root = shared_dir(tmp_path_factory, "failed_validation")
    landing = root / "landing"
    warehouse = root / "warehouse" / published_run.warehouse.name
    recorded = root / "result.json"
    with built_once(root) as to_build:
        if to_build:
            shutil.copytree(published_run.landing, landing)
            break_a_quarter_of_the_contacts(landing)
            copy_warehouse(published_run.warehouse, root)
            os.chmod(warehouse, 0o640)  # an operator restricts the published file
            result = run_cli("run", landing=landing, warehouse=warehouse)
            assert result.exit_code == 1, result.output[-4000:]
            recorded.write_text(json.dumps(asdict(result)))
    return FailedRun(landing, warehouse, CliResult(**json.loads(recorded.read_text())))


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
    copy that only test_publish's tests change (one xdist worker runs a
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


@pytest.fixture(scope="session")
def project_manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """dbt's manifest of the project as it is: one `dbt parse` per session.

    A full parse (partial parsing can keep a metric whose measure was
    removed) into the project's target/, where MetricFlow reads
    semantic_manifest.json (its path is fixed: test_semantic_layer); the
    manifest is read from a copy taken under the lock (test_conventions).
    No database is opened, but the warehouse file's name gives the catalog
    the semantic manifest names: `cvm`, as for every warehouse queried.
    """
    root = shared_dir(tmp_path_factory, "project_parse")
    copy = root / "manifest.json"
    with built_once(root) as to_build:
        if to_build:
            env = {
                key: value
                for key, value in os.environ.items()
                if not key.startswith(("CVM_", "DBT_"))
            }
            env.update(
                CVM_WAREHOUSE_PATH=str(root / "cvm.duckdb"),
                CVM_LANDING_DIR=str(root),
                DBT_LOG_PATH=str(root / "logs"),
            )
            dbt = str(Path(sys.executable).parent / "dbt")
            parsed = subprocess.run(
                [
                    *(dbt, "parse", "--no-partial-parse"),
                    *("--profiles-dir", "profiles", "--project-dir", "."),
                ],
                cwd=PROJECT_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
            )
            assert parsed.returncode == 0, parsed.stdout[-4000:]
            shutil.copy2(PROJECT_DIR / "target" / "manifest.json", copy)
    return json.loads(copy.read_text())
