"""Failures of the machine (out of memory, disk full): exit 2 and a last line
an on-call engineer can act on; a failure the run log cannot take is still
found by `status`.

Out of memory is produced for real (a 16 MB DuckDB memory limit fails at the
first seeds). A full disk cannot be: a child process runs the real command
line with dbt's invocation and file copies replaced by ones failing as they
do on a full disk (the replacement lives in this test, not in the job).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from conftest import PROJECT_DIR, cli_env, run_cli
from landing_fixture import write_minimal_landing

from cvm import publish
from cvm.dbt_invoke import describe_failures, error_line, exit_code_for
from cvm.exit_codes import EXIT_CRASH, EXIT_FAILED
from cvm.machine import disk_report, explain, machine_error
from cvm.settings import Settings

# What dbt reported for a test when DuckDB's memory limit was 64MB.
OUT_OF_MEMORY = (
    "Runtime Error in test assert_landing_rows_reconcile "
    "(tests/singular/assert_landing_rows_reconcile.sql)\n"
    "  Out of Memory Error: could not allocate block of size 256.0 KiB "
    "(61.2 MiB/61.0 MiB used)\n  \n  Possible solutions:\n"
    "  * Reducing the number of threads (SET threads=X)\n"
    "  * Increasing the memory limit (SET memory_limit='...GB')\n  \n"
    "  See also https://duckdb.org/docs/stable/guides/performance/how_to_tune_workloads"
)
# What DuckDB says about a CSV value that does not parse (abridged).
CSV_VALUE = (
    "Runtime Error in model stg_billing__plans (models/stg_billing__plans.sql)\n"
    "  Conversion Error: CSV Error on Line: 3\n  Original Line: p2,abc\n"
    '  Error when converting column "list_price". Could not convert string '
    "\"abc\" to 'DECIMAL(18,2)'\n\n  Column list_price is being converted as type "
    "DECIMAL(18,2)\n  This type was either manually set or derived from an "
    "existing table.\n\n  file = /data/raw/billing_plans.csv\n"
    "  delimiter = , (Set By User)\n"
)


def _results(*failures: tuple[str, str, str]) -> SimpleNamespace:
    """A dbt result whose nodes failed: (resource type, name, message)."""
    return SimpleNamespace(
        results=[
            SimpleNamespace(
                status="error",
                node=SimpleNamespace(resource_type=kind, name=name),
                message=message,
            )
            for kind, name, message in failures
        ]
    )


def test_out_of_memory_is_a_machine_failure_naming_duckdbs_line() -> None:
    failures = describe_failures(
        _results(("test", "assert_landing_rows_reconcile", OUT_OF_MEMORY))
    )

    assert failures == [
        "test assert_landing_rows_reconcile error: Out of Memory Error: could not "
        "allocate block of size 256.0 KiB (61.2 MiB/61.0 MiB used)"
    ]
    assert exit_code_for(failures) == EXIT_CRASH


def test_error_line_names_file_line_column_and_value() -> None:
    line = error_line(CSV_VALUE)

    assert line.startswith("Conversion Error: CSV Error on Line: 3")
    # never the record's text: it can hold personal data
    assert "p2,abc" not in line
    assert 'column "list_price". Could not convert string "abc"' in line
    assert "file = /data/raw/billing_plans.csv" in line
    assert "delimiter" not in line and "Runtime Error in" not in line


def test_error_line_keeps_a_contract_mismatch_table_and_plain_messages() -> None:
    contract = (
        "Compilation Error in model dim_customers (models/dim_customers.sql)\n"
        "  This model has an enforced contract that failed.\n\n"
        "  | column_name | definition_type | contract_type | mismatch_reason |\n"
        "  | ----------- | --------------- | ------------- | --------------- |\n"
        "  | segment     | INTEGER         | TEXT          | data type mismatch |\n"
    )
    line = error_line(contract)
    assert line.startswith("This model has an enforced contract that failed.")
    assert "| segment | INTEGER | TEXT | data type mismatch |" in " ".join(line.split())
    assert error_line("Got 3 results, configured to fail if != 0") == (
        "Got 3 results, configured to fail if != 0"
    )


def test_a_failing_data_test_names_its_model_and_column() -> None:
    result = _results(("test", "dbt_utils_accepted_range_fct_a_3f2c1", "Got 2 results"))
    result.results[0].node.attached_node = "model.cvm.fct_growth_kpis"
    result.results[0].node.column_name = "new_customer_revenue_share"

    assert describe_failures(result) == [
        "test dbt_utils_accepted_range_fct_a_3f2c1 on "
        "fct_growth_kpis.new_customer_revenue_share error: Got 2 results"
    ]


def test_out_of_memory_names_the_memory_limit_and_its_value() -> None:
    settings = Settings(Path(), Path("/w/cvm.duckdb"), memory_limit="64MB")
    line = "Out of Memory Error: could not allocate block (61.2 MiB/61.0 MiB used)"

    reason = explain(line, settings)

    assert reason.startswith("out of memory: DuckDB's memory_limit is 64MB")
    assert "(CVM_MEMORY_LIMIT) with 2 threads (CVM_THREADS)" in reason
    assert reason.endswith(line)


def test_a_full_disk_is_named_before_the_errors_it_caused(tmp_path: Path) -> None:
    staging = tmp_path / ".cvm.duckdb.staging"
    failures = [
        "model a error: FATAL Error: Failed: database has been invalidated",
        f'model b error: IO Error: Could not write file "{staging}": '
        "No space left on device",
    ]

    cause = machine_error(failures)
    reason = explain(cause, Settings(Path(), tmp_path / "cvm.duckdb"))

    assert cause == failures[1] and exit_code_for(failures) == EXIT_CRASH
    assert reason.startswith(f"disk full: {staging} is on the filesystem mounted at")
    assert " free of " in reason and reason.endswith(failures[1])
    assert disk_report(tmp_path / "not" / "yet").startswith(
        f"{tmp_path / 'not' / 'yet'} is on the filesystem mounted at /"
    )


def test_out_of_memory_for_real_exits_2_naming_the_limit(tmp_path: Path) -> None:
    landing = write_minimal_landing(tmp_path / "landing", "parquet")
    warehouse = tmp_path / "warehouse" / "cvm.duckdb"

    result = run_cli(
        "build", landing=landing, warehouse=warehouse, CVM_MEMORY_LIMIT="16MB"
    )

    assert result.exit_code == 2, result.output[-3000:]
    last = result.output.strip().splitlines()[-1]
    assert (
        "CRASHED in build (exit 2): out of memory: DuckDB's memory_limit is 16MB"
        in last
    )
    assert "Out of Memory Error: " in last


# -- disk full: a child process with dbt and file copies failing as on a full disk

CHILD = """
import errno, json, os, shutil, sys
from types import SimpleNamespace
import dbt.cli.main
from cvm import cli

scenario, staging = sys.argv[1], sys.argv[2]
node = lambda name, message: SimpleNamespace(
    status="error", node=SimpleNamespace(resource_type="model", name=name),
    message=message,
)
if scenario == "disk_full":
    nodes = [
        node("int_a", "Runtime Error in model int_a (models/int_a.sql)\\n"
             "  FATAL Error: Failed: database has been invalidated"),
        node("int_b", "Runtime Error in model int_b (models/int_b.sql)\\n"
             f'  IO Error: Could not write file "{staging}": No space left on device'),
    ]
    def no_space(source, target, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(target))
    shutil.copyfile = no_space
else:
    nodes = [node("stg_x", "Got 1 result, configured to fail if != 0")]

def invoke(self, args):
    target = os.environ["DBT_TARGET_PATH"]
    os.makedirs(target, exist_ok=True)
    with open(os.path.join(target, "run_results.json"), "w") as out:
        json.dump({"results": []}, out)
    return SimpleNamespace(
        success=False, exception=None, result=SimpleNamespace(results=nodes)
    )

dbt.cli.main.dbtRunner.invoke = invoke
sys.exit(cli.main(["build"]))
"""


def _child(scenario: str, landing: Path, warehouse: Path) -> tuple[int, str]:
    staging = Settings(landing, warehouse).staging_path
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, scenario, str(staging)],
        cwd=PROJECT_DIR,
        env=cli_env(landing, warehouse),
        capture_output=True,
        text=True,
        timeout=300,
    )
    return completed.returncode, completed.stdout + completed.stderr


@pytest.fixture
def published_log(tmp_path: Path) -> tuple[Path, Path]:
    """A warehouse whose run log holds one successful run, and a landing dir."""
    warehouse = tmp_path / "warehouse" / "cvm.duckdb"
    warehouse.parent.mkdir()
    settings = Settings(tmp_path / "landing", warehouse)
    now = publish.utc_now()
    publish.record_without_publishing(
        settings,
        [
            {
                "run_id": "20261101T000000Z-000000",
                "command": "run",
                "as_of_date": "2026-10-31",
                "started_at": now,
                "finished_at": now,
                "status": "success",
                "exit_code": 0,
                "published": True,
            }
        ],
    )
    # nothing was published, so the row went to the unpublished run log:
    # make that the published file (a run log and no marts will do here)
    settings.unpublished_log_path.rename(warehouse)
    return write_minimal_landing(tmp_path / "landing", "csv"), warehouse


def _run_log(warehouse: Path) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.sql(
            "select status, exit_code, failure_reason from marts.pipeline_runs "
            "order by started_at"
        ).fetchall()
    finally:
        con.close()


def test_disk_full_names_the_disk_and_status_finds_the_failure(
    published_log: tuple[Path, Path],
) -> None:
    landing, warehouse = published_log
    settings = Settings(landing, warehouse)

    code, output = _child("disk_full", landing, warehouse)

    assert code == 2, output[-3000:]
    last = output.strip().splitlines()[-1]
    expected = (
        f"CRASHED in build (exit 2): disk full: {settings.staging_path} is on the "
        "filesystem mounted at /"
    )
    assert expected in last, last
    assert " free of " in last and "No space left on device" in last
    assert "could not write the run log" in output
    assert len(_run_log(warehouse)) == 1  # the run log could not take the row
    record = json.loads(settings.failure_record_path.read_text())
    assert (record["status"], record["exit_code"]) == ("crashed", 2)

    status = run_cli("status", landing=landing, warehouse=warehouse)

    assert status.exit_code == EXIT_FAILED, status.output
    assert "Latest run, not in the run log" in status.output
    assert "crashed" in status.output and "disk full:" in status.output

    # the next run that can write the run log carries the failure into it
    code, output = _child("test_fails", landing, warehouse)

    assert code == 1, output[-3000:]
    assert [row[:2] for row in _run_log(warehouse)] == [
        ("success", 0),
        ("crashed", 2),
        ("failed", 1),
    ]
    assert publish.unlogged_failure(settings) is None
    status = run_cli("status", landing=landing, warehouse=warehouse)
    assert "not in the run log" not in status.output
