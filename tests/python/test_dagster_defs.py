"""The optional Dagster definitions (cvm/dagster_defs.py).

Skipped unless requirements-dagster.txt is installed. dbt's artifacts and
logs go to temp dirs; the job's subprocess is faked except in one real run.
"""

import importlib
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("dagster_dbt")

import dagster as dg
import duckdb
from landing_fixture import write_minimal_landing

PROJECT_DIR = Path(__file__).resolve().parents[2]
KNOWN_MODELS = [
    dg.AssetKey(["marts", "dim_customers"]),
    dg.AssetKey(["marts", "fct_mrr_movements"]),
    dg.AssetKey(["staging", "stg_billing__customers"]),
    dg.AssetKey(["seeds", "category_mappings"]),
]


@pytest.fixture(scope="module")
def dagster_defs(tmp_path_factory: pytest.TempPathFactory):
    """The module, imported as from a fresh clone: no manifest yet, so it parses."""
    dbt_dir = tmp_path_factory.mktemp("dbt")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_TARGET_PATH", str(dbt_dir / "target"))
        patch.setenv("DBT_LOG_PATH", str(dbt_dir / "logs"))
        patch.delenv("DAGSTER_IS_DEV_CLI", raising=False)
        sys.modules.pop("cvm.dagster_defs", None)
        module = importlib.import_module("cvm.dagster_defs")
        assert module.cvm_project.manifest_path == dbt_dir / "target/manifest.json"
        yield module
    sys.modules.pop("cvm.dagster_defs", None)


@pytest.fixture
def cvm_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """CVM_* and DBT_* variables of a run, all pointing into tmp_path."""
    for key in list(os.environ):
        if key.startswith(("CVM_", "DBT_")):
            monkeypatch.delenv(key)
    env = {
        "CVM_LANDING_DIR": str(tmp_path / "landing"),
        "CVM_WAREHOUSE_PATH": str(tmp_path / "warehouse" / "cvm.duckdb"),
        "CVM_AS_OF_DATE": "2026-01-31",
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


class FakeCvm:
    """Stands in for subprocess.Popen: records the call, prints, exits."""

    def __init__(self, *runs: tuple[int, list[str]]) -> None:
        self.runs, self.calls = list(runs), []

    def __call__(self, args, **kwargs):
        self.calls.append({"args": args, **kwargs})
        self.returncode, lines = self.runs.pop(0)
        self.stdout = iter(f"{line}\n" for line in lines)
        return self

    def wait(self, timeout: float | None = None) -> int:
        return self.returncode

    def poll(self) -> int:
        return self.returncode


def _run(dagster_defs) -> tuple[dg.ExecuteInProcessResult, dg.DagsterInstance]:
    instance = dg.DagsterInstance.ephemeral()
    job = dagster_defs.defs.resolve_job_def("cvm_nightly")
    return job.execute_in_process(instance=instance, raise_on_error=False), instance


def _logged(result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance):
    return [entry.user_message for entry in instance.all_logs(result.run_id)]


def _failure(result: dg.ExecuteInProcessResult):
    [event] = result.get_step_failure_events()
    return event.step_failure_data.user_failure_data


def test_definitions_load_with_job_and_nightly_schedule(dagster_defs) -> None:
    defs = dagster_defs.defs
    dg.Definitions.validate_loadable(defs)
    job = defs.resolve_job_def("cvm_nightly")
    [schedule] = defs.schedules
    assert schedule.job_name == job.name == "cvm_nightly"
    assert schedule.cron_schedule == "15 2 * * *"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED


def test_asset_graph_has_dbt_models_and_their_lineage(dagster_defs) -> None:
    graph = dagster_defs.defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    assert set(KNOWN_MODELS) <= keys
    # the job materialises every model and seed in one step
    assert set(KNOWN_MODELS) <= dagster_defs.cvm_warehouse.keys
    assert len(dagster_defs.cvm_warehouse.keys) > 80
    # lineage from the manifest: landing source -> staging -> marts
    stg_customers = dg.AssetKey(["staging", "stg_billing__customers"])
    assert (
        dg.AssetKey(["billing", "billing_customers"])
        in graph.get(dg.AssetKey(["staging", "base_billing__customers"])).parent_keys
    )
    assert (
        dg.AssetKey(["intermediate", "int_customers_enriched"])
        in graph.get(dg.AssetKey(["marts", "dim_customers"])).parent_keys
    )
    assert stg_customers in graph.get_ancestor_asset_keys(
        dg.AssetKey(["marts", "fct_mrr_movements"])
    )


def test_job_runs_the_cvm_command_from_the_project_root(
    dagster_defs, cvm_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeCvm((0, ["[cvm] dbt build passed", "[cvm] published"]))
    monkeypatch.setattr(dagster_defs.subprocess, "Popen", fake)

    result, instance = _run(dagster_defs)

    assert result.success
    [call] = fake.calls
    assert call["args"] == [sys.executable, "-m", "cvm", "run"]
    assert Path(call["cwd"]) == PROJECT_DIR
    assert cvm_env.items() <= call["env"].items()
    assert call["env"]["PYTHONUNBUFFERED"] == "1"
    materialised = {
        event.asset_key for event in result.get_asset_materialization_events()
    }
    assert materialised == set(dagster_defs.cvm_warehouse.keys)
    assert "[cvm] published" in _logged(result, instance)


def test_failure_reports_the_last_line_and_exit_code(
    dagster_defs, cvm_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a real child process, so that output streaming is exercised too
    script = (
        "print('[cvm] dbt build into staging'); "
        "print('[cvm] FAILED (exit 1): test not_null_dim_customers_segment fail')"
        "; raise SystemExit(1)"
    )
    monkeypatch.setattr(dagster_defs, "CVM_RUN", [sys.executable, "-c", script])

    result, instance = _run(dagster_defs)

    assert not result.success
    failure = _failure(result)
    assert failure.description == (
        "[cvm] FAILED (exit 1): test not_null_dim_customers_segment fail"
    )
    assert failure.metadata["exit_code"].value == 1
    assert not result.get_asset_materialization_events()
    assert "[cvm] dbt build into staging" in _logged(result, instance)


def test_lock_held_is_retried(
    dagster_defs, cvm_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = (3, ["[cvm] another run holds the lock"])
    fake = FakeCvm(locked, (0, ["[cvm] published"]))
    monkeypatch.setattr(dagster_defs.subprocess, "Popen", fake)
    monkeypatch.setattr(dagster_defs, "LOCK_RETRY_SECONDS", 0)

    result, _ = _run(dagster_defs)

    assert result.success
    assert len(fake.calls) == 2
    assert result.get_asset_materialization_events()


def test_lock_held_too_long_fails_with_the_reason(
    dagster_defs, cvm_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = (3, ["[cvm] another run holds the lock"])
    fake = FakeCvm(*[locked] * (dagster_defs.LOCK_RETRIES + 1))
    monkeypatch.setattr(dagster_defs.subprocess, "Popen", fake)
    monkeypatch.setattr(dagster_defs, "LOCK_RETRY_SECONDS", 0)

    result, _ = _run(dagster_defs)

    assert not result.success
    assert len(fake.calls) == dagster_defs.LOCK_RETRIES + 1
    [event] = result.get_step_failure_events()
    assert "another run holds the lock" in str(event.step_failure_data.error)


def test_a_subset_is_refused_without_running(
    dagster_defs, cvm_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeCvm()
    monkeypatch.setattr(dagster_defs.subprocess, "Popen", fake)
    job = dagster_defs.defs.resolve_job_def("cvm_nightly")

    result = job.execute_in_process(
        asset_selection=[dg.AssetKey(["marts", "dim_customers"])],
        raise_on_error=False,
    )

    assert not result.success
    assert "builds the whole warehouse" in _failure(result).description
    assert not fake.calls


def test_real_run_publishes_the_warehouse(
    dagster_defs, cvm_env: dict[str, str]
) -> None:
    write_minimal_landing(Path(cvm_env["CVM_LANDING_DIR"]))

    result, instance = _run(dagster_defs)

    assert result.success, "\n".join(map(str, _logged(result, instance)[-20:]))
    warehouse = Path(cvm_env["CVM_WAREHOUSE_PATH"])
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.sql("select count(*) from marts.dim_customers").fetchone() == (1,)
        as_of = con.sql(
            "select cast(as_of_date as varchar) from marts.pipeline_runs "
            "where published"
        )
        assert as_of.fetchone() == (cvm_env["CVM_AS_OF_DATE"],)
    finally:
        con.close()
    assert len(result.get_asset_materialization_events()) == len(
        dagster_defs.cvm_warehouse.keys
    )
