"""The build file engineers open: it reads no landing file, and lost nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb
from conftest import Published

from cvm import publish
from cvm.settings import Settings

FILE_READERS = (
    "select schema_name, view_name from duckdb_views() "
    "where database_name = current_database() and not internal "
    "and regexp_matches(sql, 'read_(parquet|csv)', 'i')"
)


def test_landing_views_that_read_files_are_emptied_with_their_columns(
    tmp_path: Path,
) -> None:
    export = tmp_path / "billing_invoices.parquet"
    build = tmp_path / "build.duckdb"
    con = duckdb.connect(str(build))
    con.execute(
        f"copy (select 'inv_1' as invoice_id, 12.5::decimal(18, 2) as total) "
        f"to '{export}' (format parquet)"
    )
    con.execute("create schema landing")
    con.execute(
        "create view landing.billing_invoices as select * exclude (filename), "
        f"filename as _landing_file from read_parquet('{export}', filename = true)"
    )
    con.execute("create view landing.kept as select 1 as x")  # reads no file
    con.close()

    assert publish.detach_landing_files(build) == 1

    export.unlink()  # the build file no longer needs the export
    con = duckdb.connect(str(build), read_only=True)
    try:
        assert con.sql(FILE_READERS).fetchall() == []
        assert con.sql("select * from landing.billing_invoices").fetchall() == []
        columns = con.sql(
            "select column_name, data_type from duckdb_columns() "
            "where table_name = 'billing_invoices' order by column_index"
        ).fetchall()
        assert columns == [
            ("invoice_id", "VARCHAR"),
            ("total", "DECIMAL(18,2)"),
            ("_landing_file", "VARCHAR"),
        ]
        comment = con.sql(
            "select comment from duckdb_views() where view_name = 'billing_invoices'"
        ).fetchone()[0]
        assert "staging.base_" in comment
        assert con.sql("select * from landing.kept").fetchall() == [(1,)]
    finally:
        con.close()


def test_the_build_file_reads_no_landing_file_and_keeps_the_rows_it_read(
    published_run: Published,
) -> None:
    build = Settings(published_run.landing, published_run.warehouse).build_path
    con = duckdb.connect(str(build), read_only=True)
    try:
        assert con.sql(FILE_READERS).fetchall() == []
        # every landing row the build read is in its base_ table, as many as
        # the run log counted before the landing views were emptied
        counted = con.sql(
            "select count(*) from staging.base_billing__invoices"
        ).fetchone()[0]
    finally:
        con.close()
    published = duckdb.connect(str(published_run.warehouse), read_only=True)
    try:
        logged = published.sql(
            "select json_extract(landing_rows, '$.billing_invoices')::bigint "
            "from marts.pipeline_runs where status = 'success' "
            "order by started_at desc limit 1"
        ).fetchone()[0]
    finally:
        published.close()
    assert counted == logged > 0
