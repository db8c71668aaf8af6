"""What people read holds no personal data; the job's files keep their modes.

A landing directory with a distinctive value planted in every personal column
of the landing contract (and in a record that cannot be split, which the
quarantine keeps whole) goes through a successful and a failing run. Neither
the published file (every table, view and column, and its bytes) nor anything
else the job writes (stdout, dbt's log and artifacts, runs/) may carry it.
The build file is for engineers and not scanned here.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import duckdb
import pytest
from conftest import CliResult, run_cli

from cvm.generate import generate
from cvm.settings import Settings

# landing contract: the personal columns, per table
PERSONAL_COLUMNS = {
    "crm_contacts": ("email", "full_name", "phone"),
    "billing_customers": ("email",),
    "crm_nps_responses": ("comment",),
    "crm_cancellations": ("reason_detail",),
}
MARKER = "zz-private"


def planted(table: str, column: str) -> str:
    return f"{MARKER}-{table}-{column}-7f3a@example.com"


def plant_personal_values(landing: Path) -> None:
    """Overwrite every personal column of a CSV landing directory."""
    con = duckdb.connect()
    for table, columns in PERSONAL_COLUMNS.items():
        path = landing / f"{table}.csv"
        replaced = ", ".join(
            f"'{planted(table, column)}' as {column}" for column in columns
        )
        con.execute(
            f"create or replace table planted as select * replace ({replaced}) "
            f"from read_csv('{path}', all_varchar = true, header = true)"
        )
        con.execute(f"copy planted to '{path}' (header, delimiter ',')")
    # a contact record that cannot be split (one field too many): the
    # quarantine keeps its whole text
    contacts = landing / "crm_contacts.csv"
    header = contacts.read_text().splitlines()[0].split(",")
    fields = [planted("crm_contacts", "malformed")] * (len(header) + 1)
    with contacts.open("a") as out:
        out.write(",".join(fields) + "\n")
    con.close()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("private")
    landing = root / "landing"
    generate(customers=120, months=24, seed=5, out=landing, fmt="csv", dirty=True)
    plant_personal_values(landing)
    warehouse = root / "warehouse" / "cvm.duckdb"
    umask = os.umask(0o022)  # the usual umask: files 0644 unless the job says
    try:
        ok = run_cli("run", landing=landing, warehouse=warehouse)
        assert ok.exit_code == 0, ok.output[-4000:]
        first_mode = _mode(warehouse)
        os.chmod(warehouse, 0o640)  # an operator restricts the published file
        failed = _fail_a_run(landing, warehouse)
    finally:
        os.umask(umask)
    return {
        "warehouse": warehouse,
        "outputs": [ok, failed],
        "first_mode": first_mode,
    }


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _fail_a_run(landing: Path, warehouse: Path) -> CliResult:
    # a failing run: a quarter of the contacts cannot be split, so the
    # quarantined share fails validation (its reasons are logged and printed)
    contacts = landing / "crm_contacts.csv"
    lines = contacts.read_text().splitlines()
    extra = ",".join([planted("crm_contacts", "malformed")] * 20)
    contacts.write_text(
        "\n".join(
            [lines[0]]
            + [
                line + ("," + extra if n % 4 == 0 else "")
                for n, line in enumerate(lines[1:])
            ]
        )
        + "\n"
    )
    failed = run_cli("run", landing=landing, warehouse=warehouse)
    assert failed.exit_code == 1, failed.output[-4000:]
    return failed


def _columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return con.sql(
        "select schema_name, table_name, column_name from duckdb_columns() "
        "where database_name = current_database() and not internal "
        "order by 1, 2, 3"
    ).fetchall()


def test_the_published_file_holds_the_marts_and_the_run_log_only(runs) -> None:
    con = duckdb.connect(str(runs["warehouse"]), read_only=True)
    try:
        schemas = {schema for schema, _, _ in _columns(con)}
        views = con.sql(
            "select count(*) from duckdb_views() "
            "where database_name = current_database() and not internal"
        ).fetchone()[0]
        described = con.sql(
            "select count(*) filter (where comment is null), count(*) "
            "from duckdb_tables() where database_name = current_database()"
        ).fetchone()
    finally:
        con.close()
    assert schemas == {"marts"}
    assert views == 0
    assert described[0] == 0 and described[1] > 20  # every table described


def test_no_personal_value_in_the_published_file(runs) -> None:
    warehouse = runs["warehouse"]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        found = [
            f"{schema}.{table}.{column}"
            for schema, table, column in _columns(con)
            if con.execute(
                f'select count(*) from "{schema}"."{table}" '
                f"where cast(\"{column}\" as varchar) ilike '%{MARKER}%'",
            ).fetchone()[0]
        ]
    finally:
        con.close()
    assert found == []
    assert MARKER.encode() not in warehouse.read_bytes()  # nor in freed blocks


def _written_files(warehouse: Path) -> list[Path]:
    """Every file the job wrote, except the build files (for engineers)."""
    settings = Settings(Path(), warehouse)
    build_files = {settings.staging_path, settings.build_path}
    return [
        path
        for path in warehouse.parent.rglob("*")
        if path.is_file()
        and path.with_name(path.name.removesuffix(".wal")) not in build_files
    ]


def test_no_personal_value_in_stdout_logs_or_run_results(runs) -> None:
    outputs: list[CliResult] = runs["outputs"]
    for result in outputs:
        assert MARKER not in result.output
    files = _written_files(runs["warehouse"])
    assert any(path.name == "dbt.log" for path in files)
    assert any(path.name == "dbt_run_results.json" for path in files)
    assert [path for path in files if MARKER.encode() in path.read_bytes()] == []


def test_the_job_keeps_the_published_mode_and_writes_everything_else_0600(
    runs,
) -> None:
    warehouse = runs["warehouse"]
    # a first publish under umask 022 is readable by BI users, in a folder
    # they can enter
    assert runs["first_mode"] == 0o644
    assert _mode(warehouse.parent) == 0o755
    # the operator's chmod survives the next run (its run-log row is added)
    assert _mode(warehouse) == 0o640
    assert Settings(Path(), warehouse).build_path.exists()
    # the report is for whoever reads the marts: the published file's mode
    # when it was written (by the first run; the failed run wrote none)
    report = warehouse.parent / "report"
    assert _mode(report / "index.html") == runs["first_mode"]
    assert _mode(report) == 0o755
    others = {
        str(path.relative_to(warehouse.parent)): oct(_mode(path))
        for path in warehouse.parent.rglob("*")
        if path not in {warehouse, report, report / "index.html"}
        and _mode(path) & 0o077
    }
    assert others == {}  # build file, logs, runs/, target/: the owner's only
