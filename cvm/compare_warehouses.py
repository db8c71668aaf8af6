"""Prove a refactor: are two warehouse files' tables identical?

    python -m cvm.compare_warehouses BEFORE.duckdb AFTER.duckdb \
        [--schemas marts intermediate staging] [--ignore detected_at ...]

Every table (not view) of the given schemas that both files hold is compared
on the columns both have, with EXCEPT ALL both ways (duplicates count).
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
    con: duckdb.DuckDBPyConnection, catalog: str, schemas: list[str]
) -> dict[str, list[str]]:
    rows = con.sql(
        "select table_schema, table_name, column_name "
        "from information_schema.columns join information_schema.tables "
        "using (table_catalog, table_schema, table_name) "
        "where table_catalog = ? and table_type = 'BASE TABLE' "
        "and list_contains(?, table_schema) order by ordinal_position",
        params=[catalog, schemas],
    ).fetchall()
    tables: dict[str, list[str]] = {}
    for schema, table, column in rows:
        tables.setdefault(f"{schema}.{table}", []).append(column)
    return tables


def compare(before: str, after: str, schemas: list[str], ignored: list[str]) -> int:
    con = duckdb.connect()
    con.execute(
        f"attach '{before.replace(chr(39), chr(39) * 2)}' as before (read_only)"
    )
    con.execute(f"attach '{after.replace(chr(39), chr(39) * 2)}' as after (read_only)")
    old, new = _tables(con, "before", schemas), _tables(con, "after", schemas)
    differing = 0
    for name in sorted(old.keys() & new.keys()):
        columns = [c for c in old[name] if c in new[name] and c not in ignored]
        select = ", ".join(f'"{c}"' for c in columns)
        only_before, only_after = (
            scalar(
                con,
                f"select count(*) from (select {select} from {a}.{name} "
                f"except all select {select} from {b}.{name})",
            )
            for a, b in (("before", "after"), ("after", "before"))
        )
        rows = scalar(con, f"select count(*) from after.{name}")
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
    args = parser.parse_args(argv)
    return compare(args.before, args.after, args.schemas, args.ignore)


if __name__ == "__main__":
    sys.exit(main())
