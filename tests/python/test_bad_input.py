"""Bad input is quarantined and named, and never silently changes the numbers.

One build of a small CSV landing directory that holds one bad value or
broken record of every kind a nightly export brings: the build passes
(every dbt test, the reconciliation included), each bad row is in the
quarantine with its rule, column, file and line, and the clean rows are
untouched. Inputs that cannot be read at all, or a landing path that is a
glob, stop the run with a last line naming table, file and column.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pytest
from conftest import Workspace, last_line, run_cli
from landing_fixture import (
    assert_built_from_minimal_rows,
    contract,
    write_minimal_landing,
)

from cvm.settings import Settings


def _minimal_row(landing: Path, table: str) -> dict[str, str]:
    with (landing / f"{table}.csv").open(newline="") as file:
        return next(csv.DictReader(file))


def _csv_line(values: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


def _write_table(landing: Path, table: str, records: list[dict | str]) -> None:
    """Rewrite ``table``.csv: the header, then each record after the minimal row.

    A dict is a row (the minimal row with these values changed); a str is a
    raw line written as it is (bytes included), for records that break CSV.
    """
    columns = list(contract()[table]["columns"])
    minimal = _minimal_row(landing, table)
    body = [
        _csv_line(columns).encode(),
        _csv_line([minimal[c] for c in columns]).encode(),
    ]
    for record in records:
        if isinstance(record, dict):
            values = {**minimal, **record}
            body.append(_csv_line([values[c] for c in columns]).encode())
        else:
            body.append(
                record.encode("latin-1") if "\xe9" in record else record.encode()
            )
    (landing / f"{table}.csv").write_bytes(b"".join(body))


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("bad_input")
    landing = write_minimal_landing(root / "landing", "csv")
    stamp = _minimal_row(landing, "billing_invoices")["_extracted_at"]
    # one bad value per row: each row is quarantined as invalid_value
    _write_table(
        landing,
        "billing_invoices",
        [
            {"invoice_id": "inv_comma", "total_amount": "12,50"},  # line 3
            {"invoice_id": "inv_date", "invoice_date": "2024-13-45"},  # line 4
            {"invoice_id": "inv_ok", "total_amount": "7.25"},  # line 5: clean
        ],
    )
    _write_table(
        landing, "billing_payments", [{"payment_id": "pay_text", "amount": "ten"}]
    )
    _write_table(
        landing,
        "billing_credit_notes",
        [{"credit_note_id": "cn_us", "issued_date": "01/31/2026"}],
    )
    _write_table(
        landing, "billing_invoice_lines", [{"line_id": "line_big", "amount": "1e20"}]
    )
    _write_table(
        landing, "billing_customers", [{"customer_id": "cus_maybe", "is_test": "maybe"}]
    )
    # an offset timestamp is converted to UTC, not read with the offset dropped
    _write_table(
        landing,
        "crm_accounts",
        [
            {
                "account_id": "acc_tz",
                "billing_customer_id": "",
                "created_at": "2025-11-25 13:06:29+02:00",
            }
        ],
    )
    # same key and _extracted_at, other content: both quarantined; an exact
    # duplicate stays a duplicate
    _write_table(
        landing,
        "billing_plans",
        [
            {"plan_id": "plan_conflict", "list_price": "10", "_extracted_at": stamp},
            {"plan_id": "plan_conflict", "list_price": "12", "_extracted_at": stamp},
            {"plan_id": "plan_twin", "list_price": "10", "_extracted_at": stamp},
            {"plan_id": "plan_twin", "list_price": "10", "_extracted_at": stamp},
        ],
    )
    _write_table(
        landing, "crm_feedback", [{"feedback_id": "fb_when", "_extracted_at": ""}]
    )
    # records that cannot be split into the header's columns
    columns = list(contract()["crm_activities"]["columns"])
    activity = _minimal_row(landing, "crm_activities")
    after = {**activity, "activity_id": "act_after"}
    _write_table(
        landing,
        "crm_activities",
        [
            "act_ragged,x\n",  # line 3: too few fields
            _csv_line([after[c] for c in columns]),  # line 4: clean
        ],
    )
    ticket = {**_minimal_row(landing, "crm_support_tickets"), "ticket_id": "t_comma"}
    ticket_columns = list(contract()["crm_support_tickets"]["columns"])
    unquoted = ",".join(ticket[c] for c in ticket_columns).replace(
        "t_comma,", "t_comma,oops, an unquoted comma,", 1
    )
    _write_table(landing, "crm_support_tickets", [unquoted + "\n"])
    contact = {**_minimal_row(landing, "crm_contacts"), "contact_id": "c_latin1"}
    contact_line = ",".join(
        "Ren\xe9 Dupont" if c == "full_name" else contact[c]
        for c in contract()["crm_contacts"]["columns"]
    )
    null_key_contact = {
        "contact_id": "",
        "email": "zz-private@example.com",
        "full_name": "Zz Private",
    }
    _write_table(landing, "crm_contacts", [contact_line + "\n", null_key_contact])
    _write_table(landing, "crm_referrals", ['ref_open,x,"never closed,x\n'])

    warehouse = root / "warehouse" / "cvm.duckdb"
    result = run_cli("build", landing=landing, warehouse=warehouse)
    staged = Settings(landing_dir=landing, warehouse_path=warehouse).staging_path
    con = duckdb.connect(str(staged), read_only=True) if staged.exists() else None
    yield landing, result, con
    if con is not None:
        con.close()


def _quarantine(con, table: str) -> list[tuple]:
    return con.sql(
        "select record_key, rule, rule_column, rule_detail, "
        "parse_filename(landing_file), landing_line "
        "from staging.stg_landing__quarantine where source_table = ? "
        "order by landing_line, record_key",
        params=[table],
    ).fetchall()


def test_the_build_passes_with_every_kind_of_bad_row(dirty) -> None:
    _, result, con = dirty
    # every dbt test passed, assert_landing_rows_reconcile included
    assert result.exit_code == 0, result.output[-3000:]
    assert con is not None


def test_the_csv_form_builds_every_table(dirty) -> None:
    # CSV files for every table (test_landing_contract builds folders of
    # parts): the clean minimal rows make one customer and one feedback row
    _, _, con = dirty
    assert_built_from_minimal_rows(con, feedback_rows=1)


def test_values_that_do_not_cast_are_quarantined_with_column_and_line(dirty) -> None:
    _, _, con = dirty
    assert _quarantine(con, "billing_invoices") == [
        (
            "inv_comma",
            "invalid_value",
            "total_amount",
            "'12,50' is not a valid decimal(18,2)",
            "billing_invoices.csv",
            3,
        ),
        (
            "inv_date",
            "invalid_value",
            "invoice_date",
            "'2024-13-45' is not a valid date",
            "billing_invoices.csv",
            4,
        ),
    ]
    expected = {
        "billing_payments": (
            "pay_text",
            "amount",
            "'ten' is not a valid decimal(18,2)",
        ),
        "billing_credit_notes": (
            "cn_us",
            "issued_date",
            "'01/31/2026' is not a valid date",
        ),
        "billing_invoice_lines": (
            "line_big",
            "amount",
            "'1e20' is not a valid decimal(18,2)",
        ),
        "billing_customers": ("cus_maybe", "is_test", "'maybe' is not a valid boolean"),
    }
    for table, (key, column, detail) in expected.items():
        assert _quarantine(con, table) == [
            (key, "invalid_value", column, detail, f"{table}.csv", 3)
        ], table
    # the clean rows around them are untouched
    assert con.sql(
        "select invoice_id, total_amount from staging.stg_billing__invoices "
        "order by invoice_id"
    ).fetchall() == [("inv_ok", 7.25), ("x", 10)]


def test_offset_timestamps_are_converted_to_utc(dirty) -> None:
    _, _, con = dirty
    created = con.sql(
        "select cast(created_at as varchar) from staging.stg_crm__accounts "
        "where account_id = 'acc_tz'"
    ).fetchone()
    assert created == ("2025-11-25 11:06:29",)


def test_conflicting_duplicates_are_both_quarantined(dirty) -> None:
    _, _, con = dirty
    rows = _quarantine(con, "billing_plans")
    assert [(key, rule, line) for key, rule, _, _, _, line in rows] == [
        ("plan_conflict", "conflicting_duplicate", 3),
        ("plan_conflict", "conflicting_duplicate", 4),
    ]
    assert "same key and _extracted_at" in rows[0][3]
    plans = con.sql(
        "select plan_id from staging.stg_billing__plans order by 1"
    ).fetchall()
    # the exact duplicate stays a duplicate: one clean row
    assert plans == [("plan_twin",), ("x",)]


def test_a_null_extracted_at_is_quarantined(dirty) -> None:
    _, _, con = dirty
    assert [row[:2] for row in _quarantine(con, "crm_feedback")] == [
        ("fb_when", "null_extracted_at")
    ]


def test_records_that_cannot_be_split_are_quarantined_as_malformed(dirty) -> None:
    _, _, con = dirty
    malformed = con.sql(
        "select source_table, rule, landing_line, rule_detail, raw_record "
        "from staging.stg_landing__quarantine where rule = 'malformed_row' "
        "order by source_table"
    ).fetchall()
    assert [(table, line) for table, _, line, _, _ in malformed] == [
        ("crm_activities", 3),
        ("crm_contacts", 3),
        ("crm_referrals", 3),
        ("crm_support_tickets", 3),
    ]
    details = {table: detail for table, _, _, detail, _ in malformed}
    assert details["crm_activities"].startswith("MISSING COLUMNS")
    assert details["crm_contacts"].startswith("INVALID ENCODING")
    assert details["crm_referrals"].startswith("UNQUOTED VALUE")
    assert details["crm_support_tickets"].startswith("TOO MANY COLUMNS")
    raw = {table: record for table, _, _, _, record in malformed}
    assert "act_ragged" in raw["crm_activities"]
    # a good record after a malformed one keeps its own line number
    assert con.sql(
        "select _landing_line from staging.base_crm__activities "
        "where activity_id = 'act_after'"
    ).fetchone() == (4,)
    assert con.sql("select count(*) from staging.stg_crm__activities").fetchone() == (
        2,
    )


def test_personal_columns_are_masked_in_the_quarantine(dirty) -> None:
    _, _, con = dirty
    records = con.sql(
        "select rule, raw_record from staging.stg_landing__quarantine "
        "where source_table = 'crm_contacts' order by rule"
    ).fetchall()
    assert [rule for rule, _ in records] == ["malformed_row", "null_key"]
    for _, record in records:
        assert "zz-private" not in record
        assert "Zz Private" not in record
        assert "Ren" not in record
        assert "[masked" in record
    # the rest of the row stays as it arrived
    assert '"job_title":"x"' in records[1][1]


def test_raw_rows_reconcile_for_every_dirty_table(dirty) -> None:
    _, _, con = dirty
    for table in [
        "billing_invoices",
        "billing_plans",
        "crm_activities",
        "crm_referrals",
    ]:
        entity = table.split("_", 1)[1]
        source = table.split("_", 1)[0]
        raw = con.sql(f"select count(*) from landing.{table}").fetchone()[0]
        raw += con.sql(
            "select count(*) from landing.malformed_rows where source_table = ?",
            params=[table],
        ).fetchone()[0]
        clean = con.sql(
            f"select count(*) from staging.stg_{source}__{entity}"
        ).fetchone()[0]
        quarantined = len(_quarantine(con, table))
        duplicates = {"billing_plans": 1}.get(table, 0)
        assert raw == clean + quarantined + duplicates, table


@pytest.mark.parametrize(
    ("broken", "table"),
    [
        # a clean row goes missing between the landing file and staging
        (
            "delete from staging.base_billing__invoices where invoice_id = 'inv_ok'",
            "billing_invoices",
        ),
        # the quarantine loses a row
        (
            "delete from staging.stg_landing__quarantine "
            "where record_key = 'inv_comma'",
            "billing_invoices",
        ),
        # de-duplication drops a key: both exact copies of plan_twin removed
        (
            "update staging.base_billing__plans set _dedup_rank = 2 "
            "where plan_id = 'plan_twin'",
            "billing_plans",
        ),
    ],
)
def test_the_reconciliation_fails_when_a_row_is_lost(
    dirty, tmp_path: Path, broken: str, table: str
) -> None:
    """assert_landing_rows_reconcile, as compiled by the build, on a copy of
    the staging file with one row lost on purpose, names the table."""
    landing, _, con = dirty
    assert con is not None
    warehouse = landing.parent / "warehouse" / "cvm.duckdb"
    staged = Settings(landing_dir=landing, warehouse_path=warehouse).staging_path
    test_sql = (
        warehouse.parent
        / "target/compiled/cvm/tests/singular/assert_landing_rows_reconcile.sql"
    ).read_text()
    copy = tmp_path / staged.name  # the same name: the same catalog
    copy.write_bytes(staged.read_bytes())
    with duckdb.connect(str(copy)) as broken_con:
        failing = f"select source_table from ({test_sql}) as failing"
        assert broken_con.sql(failing).fetchall() == []
        broken_con.execute(broken)
        assert broken_con.sql(failing).fetchall() == [(table,)]


# -- inputs that stop the run ----------------------------------------------------


def test_a_parquet_part_missing_a_column_fails_naming_table_part_and_column(
    workspace: Workspace,
) -> None:
    landing = write_minimal_landing(workspace.landing, "folder")
    folder = landing / "billing_subscription_versions"
    duckdb.sql(
        "copy (select * exclude (valid_to) "
        f"from read_parquet('{folder}/part-0.parquet')) to '{folder}/part-1.parquet'"
    )

    result = run_cli("build", landing=landing, warehouse=workspace.warehouse)

    assert result.exit_code == 1, result.output[-2000:]
    line = last_line(result.output)
    assert "FAILED in landing (exit 1): Landing contract violation" in line
    assert "table 'billing_subscription_versions'" in line
    assert "part-1.parquet" in line
    assert "missing required column(s): valid_to" in line


def test_a_header_naming_a_column_twice_fails_naming_it(workspace: Workspace) -> None:
    landing = write_minimal_landing(workspace.landing, "csv")
    path = landing / "billing_invoices.csv"
    header, row = path.read_text().splitlines()[:2]
    path.write_text(f"{header},status\n{row},paid\n")

    result = run_cli("build", landing=landing, warehouse=workspace.warehouse)

    assert result.exit_code == 1, result.output[-2000:]
    line = last_line(result.output)
    assert "FAILED in landing (exit 1)" in line
    assert "table 'billing_invoices'" in line
    assert "billing_invoices.csv" in line
    assert "names column 'status' twice" in line


def test_a_file_that_cannot_be_read_fails_naming_it(workspace: Workspace) -> None:
    landing = write_minimal_landing(workspace.landing, "parquet")
    (landing / "crm_referrals.parquet").write_text("referral_id,oops\n")

    result = run_cli("build", landing=landing, warehouse=workspace.warehouse)

    assert result.exit_code == 1, result.output[-2000:]
    line = last_line(result.output)
    assert "FAILED in landing (exit 1)" in line
    assert "crm_referrals.parquet" in line
    assert "cannot be read" in line


def test_a_landing_path_with_glob_characters_is_refused(
    tmp_path: Path, warehouse: Path
) -> None:
    write_minimal_landing(tmp_path / "landOLD", "csv")
    write_minimal_landing(tmp_path / "land", "csv")

    result = run_cli("build", landing=tmp_path / "land*", warehouse=warehouse)

    assert result.exit_code == 2, result.output[-2000:]
    line = last_line(result.output)
    assert "CRASHED (exit 2): bad configuration" in line
    assert "contains the glob character(s) *" in line
    assert not warehouse.parent.exists() or not any(warehouse.parent.iterdir())
