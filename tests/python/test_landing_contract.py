"""The landing contract at the door: forms, optional tables, clear errors."""

from __future__ import annotations

from pathlib import Path

import duckdb
from conftest import Workspace, last_line, run_cli
from landing_fixture import (
    assert_built_from_minimal_rows,
    contract,
    write_minimal_landing,
)

from cvm.settings import Settings

OPTIONAL = ("crm_feedback", "product_usage_daily")


def test_contract_lists_every_table_and_marks_optional_ones() -> None:
    tables = contract()
    assert len(tables) == 19
    assert {name for name, spec in tables.items() if spec["optional"]} == set(OPTIONAL)


def test_builds_from_folders_of_parts_without_the_optional_tables(
    workspace: Workspace,
) -> None:
    # folders of parquet parts with the optional tables missing altogether;
    # CSV files for every table are test_bad_input's build, parquet files
    # `make dbt-test`'s.
    landing = write_minimal_landing(workspace.landing, "folder", skip=OPTIONAL)

    result = run_cli("build", landing=landing, warehouse=workspace.warehouse)

    assert result.exit_code == 0, result.output[-3000:]
    # `build` writes the staging file; one customer is too few to validate
    staged = Settings(landing, workspace.warehouse).staging_path
    with duckdb.connect(str(staged), read_only=True) as con:
        # an absent optional table still has its contract's typed columns
        assert_built_from_minimal_rows(con, feedback_rows=0)


def test_missing_required_table_names_it(workspace: Workspace) -> None:
    landing = write_minimal_landing(workspace.landing, skip=("billing_invoices",))

    result = run_cli("build", landing=landing, warehouse=workspace.warehouse)

    assert result.exit_code == 1
    line = last_line(result.output)
    assert "required table 'billing_invoices' not found" in line
    assert "billing_invoices.parquet" in line


def test_missing_required_column_names_table_and_column(workspace: Workspace) -> None:
    landing = write_minimal_landing(
        workspace.landing,
        "parquet",
        drop_columns={
            "billing_subscription_versions": ("contract_end_date", "quantity")
        },
    )

    result = run_cli("build", landing=landing, warehouse=workspace.warehouse)

    assert result.exit_code == 1
    line = last_line(result.output)
    assert "table 'billing_subscription_versions'" in line
    assert "missing required column(s): quantity, contract_end_date" in line


def test_table_in_two_forms_is_an_error(workspace: Workspace) -> None:
    landing = write_minimal_landing(workspace.landing, "csv")
    duckdb.sql(
        f"copy (select * from read_csv('{landing}/crm_referrals.csv')) "
        f"to '{landing}/crm_referrals.parquet'"
    )

    result = run_cli("build", landing=landing, warehouse=workspace.warehouse)

    assert result.exit_code == 1
    line = last_line(result.output)
    assert "table 'crm_referrals' comes in two forms" in line
    assert "parquet and csv" in line


def test_bad_as_of_date_is_a_configuration_error(
    tmp_path: Path, warehouse: Path
) -> None:
    landing = write_minimal_landing(tmp_path / "landing", "csv")

    result = run_cli(
        "build", "--as-of", "31/10/2026", landing=landing, warehouse=warehouse
    )

    assert result.exit_code == 2
    assert "expected a date YYYY-MM-DD, got '31/10/2026'" in result.output
