"""The build file engineers open: it reads no landing file, and lost nothing."""

from __future__ import annotations

import duckdb
from conftest import Published

from cvm.settings import Settings


def test_the_build_file_reads_no_landing_file_and_keeps_the_rows_it_read(
    published_run: Published,
) -> None:
    build = Settings(published_run.landing, published_run.warehouse).build_path
    con = duckdb.connect(str(build), read_only=True)
    try:
        readers = con.sql(
            "select schema_name, view_name from duckdb_views() "
            "where database_name = current_database() and not internal "
            "and regexp_matches(sql, 'read_(parquet|csv)', 'i')"
        ).fetchall()
        assert readers == []
        # the session's landing data is parquet: its views were emptied,
        # their columns kept, and their comment says where the rows are
        rows, comment = con.sql(
            "select (select count(*) from landing.billing_invoices), comment "
            "from duckdb_views() where database_name = current_database() "
            "and schema_name = 'landing' and view_name = 'billing_invoices'"
        ).fetchone()
        assert rows == 0
        assert "staging.base_" in comment
        columns = {
            name
            for (name,) in con.sql(
                "select column_name from duckdb_columns() where schema_name = "
                "'landing' and table_name = 'billing_invoices'"
            ).fetchall()
        }
        assert {"invoice_id", "_landing_file", "_landing_line"} <= columns
        # every landing row the build read is in its base_ table, which the
        # run log counted before the views were emptied
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
