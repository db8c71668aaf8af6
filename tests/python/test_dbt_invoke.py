"""run_dbt leaves the warehouse file free for other processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Workspace
from landing_fixture import write_minimal_landing

from cvm.dbt_invoke import (
    EXIT_CRASH,
    EXIT_FAILED,
    EXIT_OK,
    exit_code_for,
    mask_raw_lines,
    run_dbt,
)
from cvm.settings import Settings


def test_warehouse_is_unlocked_after_an_in_process_build(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # dbt's artifacts and logs beside the warehouse, as for the command line
    # (cli_env), not in the project's target/; the staging file the job
    # builds into: dbt parses partially when this worker's workspace was
    # built before
    monkeypatch.setenv("DBT_TARGET_PATH", str(workspace.warehouse.parent / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(workspace.warehouse.parent / "logs"))
    landing = write_minimal_landing(workspace.landing, "csv")
    settings = Settings(landing_dir=landing, warehouse_path=workspace.warehouse)
    warehouse = settings.staging_path

    outcome = run_dbt(
        ["build", "--select", "+util_as_of_date", "--indirect-selection", "cautious"],
        settings,
        warehouse=warehouse,
    )

    assert outcome.exit_code == EXIT_OK, outcome.reason
    # another process can open the file while this one is still alive
    reader = subprocess.run(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; "
            "con = duckdb.connect(sys.argv[1], read_only=True); "
            "rows = con.sql('select count(*) from utilities.util_as_of_date'); "
            "print(rows.fetchone()[0])",
            str(warehouse),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert reader.returncode == 0, reader.stderr
    assert reader.stdout.strip() == "1"


def test_machine_failures_are_crashes_and_data_failures_are_not() -> None:
    test_failed = "test not_null_dim_customers_segment fail: Got 3 results"
    out_of_memory = (
        "model int_customer_mrr_monthly error: Out of Memory Error: "
        "failed to allocate data of size 64.0 MiB (15.9 GiB/16.0 GiB used)"
    )
    assert exit_code_for([test_failed]) == EXIT_FAILED
    assert exit_code_for([test_failed, out_of_memory]) == EXIT_CRASH
    assert exit_code_for(["model x error: IO Error: No space left on device"]) == 2


def test_landing_records_are_masked_in_dbts_log_and_run_results(
    tmp_path: Path,
) -> None:
    message = (
        "Conversion Error: CSV Error on Line: 3\nOriginal Line: c1,"
        'zz-private@example.com,"Jane \\"Doe\\""\nError when converting column "a"'
    )
    log = tmp_path / "dbt.log"
    log.write_text(message + "\n")
    results = tmp_path / "run_results.json"
    results.write_text(json.dumps({"results": [{"message": message}]}))

    for path in (log, results):
        mask_raw_lines(path)

    assert "zz-private" not in log.read_text()
    assert "Original Line: <masked" in log.read_text()
    assert 'converting column "a"' in log.read_text()
    masked = json.loads(results.read_text())["results"][0]["message"]
    assert "zz-private" not in masked and "Doe" not in masked
    assert masked.endswith('Error when converting column "a"')
