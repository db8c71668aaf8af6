"""Reading single rows from DuckDB, for queries that always return one."""

from __future__ import annotations

from typing import Any

import duckdb


def one_row(
    con: duckdb.DuckDBPyConnection, query: str, params: object = None
) -> tuple[Any, ...]:
    """The first row of ``query`` (an aggregate, ``current_database()``, ...)."""
    row = con.execute(query, params).fetchone()
    if row is None:
        raise LookupError(f"no row from {query}")
    return row


def scalar(con: duckdb.DuckDBPyConnection, query: str, params: object = None) -> Any:
    """The first value of the first row of ``query``."""
    return one_row(con, query, params)[0]
