"""``cvm export MART``: one mart of the published file as CSV.

Only tables of the schema ``marts`` (what BI may read) are exported; any
other name is refused, naming the marts there are.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb

from cvm.db import scalar

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


class NotAMart(ValueError):
    """The name is not a table of the published file's ``marts`` schema."""


def marts_of(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables and views of the schema ``marts``, by name."""
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = 'marts' and table_catalog = current_database() "
        "order by 1"
    ).fetchall()
    return [name for (name,) in rows]


def export_mart(warehouse: Path, mart: str, out: str | None = None) -> int:
    """Write ``mart`` as CSV to ``out`` (a path; None or '-': stdout); rows written."""
    name = mart.removeprefix("marts.")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        known = marts_of(con)
        if not _IDENTIFIER.fullmatch(name) or name not in known:
            raise NotAMart(
                f"'{mart}' is not a mart of {warehouse}; only the schema marts "
                f"is exported: {', '.join(known)}"
            )
        if out is not None and out != "-":
            return _copy(con, name, Path(out))
        # the same CSV as to a file: DuckDB writes it, then it is streamed
        with tempfile.TemporaryDirectory(prefix="cvm-export-") as folder:
            rows = _copy(con, name, Path(folder) / f"{name}.csv")
            sys.stdout.flush()
            with (Path(folder) / f"{name}.csv").open("rb") as source:
                shutil.copyfileobj(source, sys.stdout.buffer)
            sys.stdout.buffer.flush()
            return rows
    finally:
        con.close()


def _copy(con: duckdb.DuckDBPyConnection, name: str, target: Path) -> int:
    """COPY the mart to a CSV file (header, comma, ISO dates); rows written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    path = str(target).replace("'", "''")
    query = f"select * from marts.{name} order by all"  # the same order every time
    con.execute(f"copy ({query}) to '{path}' (format csv, header)")
    rows: int = scalar(con, f"select count(*) from marts.{name}")
    return rows
