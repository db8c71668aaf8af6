"""The run-log row is defined once (cvm.publish.RunLogRow): the table's
columns and comments come from it, writers cannot misspell a column, and
readers get every column back (missing ones null)."""

from __future__ import annotations

import pytest

from cvm.publish import RUN_LOG_COLUMNS, RUN_LOG_NAMES, RunLogRow


def test_the_table_columns_are_the_dataclass_fields() -> None:
    row = RunLogRow(run_id="r1", status="success", exit_code=0)
    assert list(row.to_record()) == RUN_LOG_NAMES
    assert [name for name, _, _ in RUN_LOG_COLUMNS] == RUN_LOG_NAMES
    assert all(kind and doc for _, kind, doc in RUN_LOG_COLUMNS)


def test_a_misspelt_column_is_an_error() -> None:
    with pytest.raises(TypeError):
        RunLogRow(run_id="r1", exitcode=0)  # type: ignore[call-arg]


def test_a_stored_row_reads_back_with_missing_columns_null() -> None:
    row = RunLogRow.from_record({"run_id": "r2", "status": "failed", "extra": 1})
    assert row.run_id == "r2"
    assert row.status == "failed"
    assert row.finished_at is None
    assert RunLogRow.from_record(row.to_record()) == row
