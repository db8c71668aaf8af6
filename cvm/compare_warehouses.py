"""Prove a refactor: are two warehouse files' tables identical?

    python -m cvm.compare_warehouses BEFORE.duckdb AFTER.duckdb \
        [--schemas marts intermediate staging] [--ignore detected_at ...] [--views]

Every table (with --views: and view) of the given schemas that both files
hold is compared on the columns both have, with EXCEPT ALL both ways
(duplicates count); a relation that is a table in one file and a view in the
other is compared too (--views). A view is read as it is defined, so what it
reads (the landing files of the landing views) must still be there.
Prints one line per table: identical, or how many rows are only before and
only after; then the tables and columns that only one file has. Exits 0
when every common table is identical, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys

import duckdb

from cvm.db import scalar

# Columns that differ by construction between two builds.
DEFAULT_IGNORED = ("detected_at",)
# the schemas a build writes
DEFAULT_SCHEMAS = ("marts", "intermediate", "staging", "utilities")


def _tables(
    con: duckdb.DuckDBPyConnection, catalog: str, schemas: list[str], views: bool
) -> dict[str, list[str]]:
    types = ["BASE TABLE", "VIEW"] if views else ["BASE TABLE"]
    rows = con.sql(
        "select table_schema, table_name, column_name "
        "from information_schema.columns join information_schema.tables "
        "using (table_catalog, table_schema, table_name) "
        "where table_catalog = ? and list_contains(?, table_type) "
        "and list_contains(?, table_schema) order by ordinal_position",
        params=[catalog, types, schemas],
    ).fetchall()
    tables: dict[str, list[str]] = {}
    for schema, table, column in rows:
        tables.setdefault(f"{schema}.{table}", []).append(column)
    return tables


def _catalogs(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        name
        for (name,) in con.sql(
            "select database_name from duckdb_databases()"
        ).fetchall()
    }


def _attach(con: duckdb.DuckDBPyConnection, path: str, role: str, views: bool) -> str:
    """Attach ``path`` read-only; return its catalog name.

    Tables only: as ``role``. With views, under the name DuckDB gives the file
    (its name up to the first dot, as when dbt built it), which the views'
    own queries use: the two files must not share that name.
    """
    quoted = path.replace(chr(39), chr(39) * 2)
    if not views:
        con.execute(f"attach '{quoted}' as {role} (read_only)")
        return role
    before = _catalogs(con)
    con.execute(f"attach '{quoted}' (read_only)")
    (catalog,) = _catalogs(con) - before
    return catalog


def compare(
    before: str,
    after: str,
    schemas: list[str],
    ignored: list[str],
    views: bool = False,
) -> int:
    con = duckdb.connect()
    catalogs = {}
    for role, path in (("before", before), ("after", after)):
        catalogs[role] = _attach(con, path, role, views)
    old = _tables(con, catalogs["before"], schemas, views)
    new = _tables(con, catalogs["after"], schemas, views)
    differing = 0
    for name in sorted(old.keys() & new.keys()):
        columns = [c for c in old[name] if c in new[name] and c not in ignored]
        select = ", ".join(f'"{c}"' for c in columns)
        only_before, only_after = (
            scalar(
                con,
                f'select count(*) from (select {select} from "{a}".{name} '
                f'except all select {select} from "{b}".{name})',
            )
            for a, b in (
                (catalogs["before"], catalogs["after"]),
                (catalogs["after"], catalogs["before"]),
            )
        )
        rows = scalar(con, f'select count(*) from "{catalogs["after"]}".{name}')
        extra = sorted(set(new[name]) - set(old[name]))
        gone = sorted(set(old[name]) - set(new[name]))
        note = (f"; new columns {extra}" if extra else "") + (
            f"; columns gone {gone}" if gone else ""
        )
        if only_before or only_after:
            differing += 1
            print(
                f"DIFFERS   {name}: {only_before} rows only before, "
                f"{only_after} only after ({rows} rows){note}"
            )
        else:
            print(f"identical {name} ({rows} rows){note}")
    for name in sorted(old.keys() - new.keys()):
        print(f"only before: {name}")
    for name in sorted(new.keys() - old.keys()):
        print(f"only after:  {name}")
    common = len(old.keys() & new.keys())
    print(f"{common - differing} of {common} common tables identical")
    return 0 if differing == 0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument(
        "--schemas",
        nargs="+",
        default=list(DEFAULT_SCHEMAS),
    )
    parser.add_argument("--ignore", nargs="*", default=list(DEFAULT_IGNORED))
    parser.add_argument(
        "--views",
        action="store_true",
        help="compare views too (and a table in one file with a view in the other)",
    )
    args = parser.parse_args(argv)
    return compare(args.before, args.after, args.schemas, args.ignore, args.views)


if __name__ == "__main__":
    sys.exit(main())
