"""What people read holds no personal data; the job's files keep their modes.

The session's landing data has a distinctive value planted in every personal
column of the landing contract (and in a record that cannot be split, which
the quarantine keeps whole; personal_data.py). It goes through the session's
successful run (conftest's ``published_run``) and a failing run on a copy of
its warehouse (``failed_validation``). Neither the published files (every
table, view and column, and their bytes) nor anything else either run wrote
(stdout, dbt's log and artifacts, runs/) may carry it. The build file is for
engineers and not scanned here.
"""

from __future__ import annotations

import stat
from pathlib import Path

import duckdb
from conftest import FailedRun, Published
from personal_data import MARKER

from cvm.settings import Settings


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return con.sql(
        "select schema_name, table_name, column_name from duckdb_columns() "
        "where database_name = current_database() and not internal "
        "order by 1, 2, 3"
    ).fetchall()


def _published_files(
    published_run: Published, failed_validation: FailedRun
) -> list[Path]:
    """The published file after the successful run, and after the failed one."""
    return [published_run.warehouse, failed_validation.warehouse]


def test_the_published_file_holds_the_marts_and_the_run_log_only(
    published_run: Published, failed_validation: FailedRun
) -> None:
    for warehouse in _published_files(published_run, failed_validation):
        con = duckdb.connect(str(warehouse), read_only=True)
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
        assert schemas == {"marts"}, warehouse
        assert views == 0, warehouse
        # every table described
        assert described[0] == 0 and described[1] > 20, warehouse


def test_no_personal_value_in_the_published_file(
    published_run: Published, failed_validation: FailedRun
) -> None:
    for warehouse in _published_files(published_run, failed_validation):
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
        assert found == [], warehouse
        # nor in freed blocks
        assert MARKER.encode() not in warehouse.read_bytes(), warehouse


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


def test_the_planted_values_went_through_both_runs(
    published_run: Published, failed_validation: FailedRun
) -> None:
    # the scans here mean something: the runs read the planted values (the
    # build file keeps the landing rows, and the quarantine the records
    # that could not be split, their text withheld)
    builds = [
        # the published run's build file; the failed run's staging file
        Settings(Path(), published_run.warehouse).build_path,
        Settings(Path(), failed_validation.warehouse).staging_path,
    ]
    for build in builds:
        with duckdb.connect(str(build), read_only=True) as con:
            planted_emails = con.sql(
                "select count(*) from landing.crm_contacts "
                f"where email like '{MARKER}%'"
            ).fetchone()[0]
            unsplit = con.sql(
                "select count(*) from staging.stg_landing__quarantine "
                "where source_table = 'crm_contacts' and rule = 'malformed_row'"
            ).fetchone()[0]
        assert planted_emails > 100, build
        assert unsplit >= 1, build


def test_no_personal_value_in_stdout_logs_or_run_results(
    published_run: Published, failed_validation: FailedRun
) -> None:
    for result in (published_run.result, failed_validation.result):
        assert MARKER not in result.output
    for warehouse in _published_files(published_run, failed_validation):
        files = _written_files(warehouse)
        assert any(path.name == "dbt.log" for path in files)
        assert any(path.name == "dbt_run_results.json" for path in files)
        assert [path for path in files if MARKER.encode() in path.read_bytes()] == []


def test_the_job_keeps_the_published_mode_and_writes_everything_else_0600(
    published_run: Published, failed_validation: FailedRun
) -> None:
    # a first publish under umask 022 is readable by BI users, in a folder
    # they can enter
    first = published_run.warehouse
    assert _mode(first) == 0o644
    assert _mode(first.parent) == 0o755
    # the operator's chmod (0640, on a copy) survives the next run, whose
    # run-log row is added to the published file
    warehouse = failed_validation.warehouse
    with duckdb.connect(str(warehouse), read_only=True) as con:
        statuses = con.sql("select status from marts.pipeline_runs").fetchall()
    assert sorted(statuses) == [("failed",), ("success",)]
    assert _mode(warehouse) == 0o640
    assert Settings(Path(), warehouse).build_path.exists()
    for published in (first, warehouse):
        # the report is for whoever reads the marts: the published file's
        # mode when it was written (by the first run; the failed run wrote none)
        report = published.parent / "report"
        assert _mode(report / "index.html") == 0o644
        assert _mode(report) == 0o755
        others = {
            str(path.relative_to(published.parent)): oct(_mode(path))
            for path in published.parent.rglob("*")
            if path not in {published, report, report / "index.html"}
            and _mode(path) & 0o077
        }
        assert others == {}  # build file, logs, runs/, target/: the owner's only
