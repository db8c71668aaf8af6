"""The landing checks of the expectations, on a tiny warehouse file.

No build: a file holding only the (empty) quarantine table is all the
landing suite reads; the mart suites are left out.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from cvm import expectations
from cvm.landing_contract import contract
from cvm.settings import Settings

AS_OF = "2026-10-31"


@pytest.fixture
def landing_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """validate() with only the landing suite, against a tiny file."""
    path = tmp_path / "built.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema staging")
    con.execute("create table staging.stg_landing__quarantine (source_table varchar)")
    con.close()
    monkeypatch.setattr(expectations, "mart_assets", lambda row_counts: [])
    settings = Settings(Path(), tmp_path / "cvm.duckdb")

    def validate(built: dict[str, int], previous: dict[str, int] | None, **kwargs):
        last = None
        if previous is not None:
            last = {"as_of_date": "2026-09-30", "landing_rows": json.dumps(previous)}
        return expectations.validate(
            settings, path, AS_OF, built, last, tmp_path / "results", **kwargs
        )

    return validate


def _rows(**overrides: int) -> dict[str, int]:
    return {table: 100 for table in contract()} | overrides


def test_a_reporting_currency_only_company_needs_no_fx_rates(landing_only) -> None:
    outcome = landing_only(_rows(fx_rates=0), _rows(fx_rates=0))

    assert outcome.success, outcome.failures


def test_a_required_table_without_rows_fails_naming_what_arrived(
    landing_only,
) -> None:
    outcome = landing_only(
        _rows(billing_plans=0, fx_rates=0),
        None,
        landing_files={table: True for table in contract()},
    )

    assert not outcome.success and outcome.failed == 1
    assert "landing_tables.required_rows" in outcome.failures[0]
    assert (
        "billing_plans | empty export: a file without rows = 0" in (outcome.failures[0])
    )


def test_an_absent_optional_table_is_not_a_shrinking_export(landing_only) -> None:
    outcome = landing_only(
        _rows(crm_feedback=0, product_usage_daily=0),
        _rows(crm_feedback=80, product_usage_daily=5000),
    )

    assert outcome.success, outcome.failures
    assert len(outcome.notes) == 2
    assert outcome.notes[0].startswith("crm_feedback: deliberately absent")
    assert "the last publish had 80 rows" in outcome.notes[0]
    assert outcome.summary["_notes"] == outcome.notes


def test_notes_say_whether_the_file_was_missing_or_held_no_rows(
    landing_only,
) -> None:
    files = {table: True for table in contract()} | {"crm_feedback": False}

    outcome = landing_only(
        _rows(crm_feedback=0, product_usage_daily=0),
        _rows(crm_feedback=80, product_usage_daily=5000),
        landing_files=files,
    )

    assert outcome.success, outcome.failures
    feedback, usage = outcome.notes
    assert "crm_feedback: deliberately absent: no file (optional)" in feedback
    assert "product_usage_daily: deliberately absent: a file without rows" in usage


def test_a_shrinking_optional_export_fails_and_says_so(landing_only) -> None:
    outcome = landing_only(_rows(crm_feedback=40), _rows(crm_feedback=200))

    assert not outcome.success and outcome.failed == 1
    assert "landing_tables.rows_vs_last_published" in outcome.failures[0]
    shrinking = "shrinking export: 40 rows, 200 at the last publish = 0.2"
    assert f"crm_feedback | {shrinking}" in outcome.failures[0]
