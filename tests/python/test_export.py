"""`cvm export MART`: a published mart as CSV; nothing outside marts."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
from conftest import Published, last_line


def _count(warehouse: Path, table: str) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        row = con.execute(f"select count(*) from {table}").fetchone()
        assert row is not None
        return int(row[0])
    finally:
        con.close()


def test_export_writes_a_mart_as_csv(published_run: Published, tmp_path: Path) -> None:
    out = tmp_path / "exports" / "movements.csv"
    result = published_run.cli("export", "fct_mrr_movements", "--out", str(out))
    assert result.exit_code == 0, result.output
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    expected = _count(published_run.warehouse, "marts.fct_mrr_movements")
    assert len(rows) == expected > 0
    assert {"month_start", "segment", "closing_mrr"} <= set(rows[0])
    assert f"exported {expected:,} rows of marts.fct_mrr_movements" in result.output


def test_export_to_stdout_is_the_same_csv(
    published_run: Published, tmp_path: Path
) -> None:
    out = tmp_path / "customers.csv"
    to_file = published_run.cli("export", "marts.dim_customers", "--out", str(out))
    to_stdout = published_run.cli("export", "dim_customers")
    assert to_file.exit_code == to_stdout.exit_code == 0, to_stdout.output
    assert to_stdout.output == out.read_text()


def test_export_refuses_anything_but_a_mart(
    published_run: Published, tmp_path: Path
) -> None:
    for name in [
        "stg_landing__quarantine",
        "staging.stg_landing__quarantine",
        "landing.crm_contacts",
        "fct_mrr_movements; select 1",
        "no_such_mart",
    ]:
        result = published_run.cli("export", name, "--out", str(tmp_path / "x.csv"))
        assert result.exit_code == 2, (name, result.output)
        line = last_line(result.output)
        assert f"not exported: '{name}' is not a mart of" in line
        assert "only the schema marts is exported: dim_customers" in line
        assert not (tmp_path / "x.csv").exists()
