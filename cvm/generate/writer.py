"""Writing a table: dirt (if asked), key order, typed values, parquet or CSV.

Raw numbers become typed values in DuckDB SQL (ids zero padded, so text
order is numeric order; codes to category labels; day numbers and seconds to
dates and timestamps; names and e-mails from seeds). DuckDB writes with one
thread so that rows keep their (key) order and the files are the same for a
seed. The writer records what it wrote per table, for the manifest.
"""

from __future__ import annotations

import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from cvm.generate.core import DAY, Frame, Params, peak_rss_mib
from cvm.generate.dirt import DirtCounts, add_dirt
from cvm.generate.spec import DEC_SCALE, DOMAINS, SPECS, SQL_TYPES, Col, TableSpec


@dataclass(frozen=True)
class Written:
    """What one table got: rows, and the dirt planted in it (dirty mode)."""

    raw_rows: int
    clean_rows: int
    after_as_of: int | None  # clean rows dated after the as-of date
    dirt: DirtCounts | None

    @property
    def duplicates_removed(self) -> int:
        return self.dirt.duplicates_removed if self.dirt else 0

    @property
    def quarantine(self) -> dict[str, int]:
        return self.dirt.quarantine if self.dirt else {}


class Writer:
    """Writes tables into the landing directory, in parquet or CSV."""

    def __init__(self, p: Params, out: Path, fmt: str, verbose: bool = False):
        self.p = p
        self.out = out
        self.fmt = fmt
        self.verbose = verbose
        self.width: dict[str, int] = {}
        self.written: dict[str, Written] = {}  # in the order written
        self.con = duckdb.connect()
        # one thread keeps rows in insertion (key) order without buffering the
        # whole result, which preserve_insertion_order does with several threads
        self.con.execute("set threads = 1")
        self.con.execute("set preserve_insertion_order = true")

    def set_width(self, prefix: str, n: int) -> None:
        """Zero padding of ids: 7 digits or more, with room for dirty fresh keys."""
        need = len(str(int(n * 1.05) + 1000))
        self.width[prefix] = max(self.width.get(prefix, 7), need)

    def write(self, name: str, f: Frame) -> None:
        spec = SPECS[name]
        t0 = time.time()
        # _extracted_at: seconds relative to the extract time (0 = as_of 23:00:00)
        f.cols.setdefault("_extracted_at", np.zeros(f.n, dtype=np.int32))
        if len(spec.key) == 1 and spec.key[0] not in f.nulls:
            key = f.cols[spec.key[0]]  # the common case: no copy needed
        else:
            key = f.sort_key(spec.key)
        if f.n > 1 and not bool(np.all(key[1:] > key[:-1])):
            order = np.argsort(key, kind="stable")
            for k in f.cols:
                f.cols[k] = f.cols[k][order]
            for k in f.nulls:
                f.nulls[k] = f.nulls[k][order]
            del order
        del key
        n_clean = f.n
        after_as_of = None
        if spec.dated_by:  # clean rows dated after the as-of date
            d = f.cols[spec.dated_by]
            if spec.col(spec.dated_by).kind == "ts":
                d = d // DAY
            after_as_of = int((d > self.p.as_of).sum())
        dirt = None
        if self.p.dirty:
            f, dirt = add_dirt(self.p, spec, f)
        written = Written(f.n, n_clean, after_as_of, dirt)
        self.written[name] = written
        assert f.n == n_clean + written.duplicates_removed + sum(
            written.quarantine.values()
        )
        self._copy(spec, f)
        if self.verbose:
            print(
                f"  {name}: {f.n:,} rows ({time.time() - t0:.1f}s, "
                f"peak RSS {peak_rss_mib():,.0f} MiB)",
                file=sys.stderr,
            )

    def _arrow(self, spec: TableSpec, f: Frame) -> pa.Table:
        """Raw columns as arrow (numbers passed without copies; SQL converts)."""
        arrays: dict[str, pa.Array] = {}
        for c in [*spec.cols, Col("_extracted_at", "ts")]:
            if c.kind == "text":
                if c.nullable:
                    arrays[c.name + "__null"] = pa.array(f.null(c.name))
                continue
            v = f.cols[c.name]
            mask = f.nulls.get(c.name)
            if c.kind in DEC_SCALE:
                arrays[c.name] = _decimal(v, *DEC_SCALE[c.kind], mask)
            elif c.kind == "bool":
                arrays[c.name] = pa.array(np.asarray(v, dtype=bool), mask=mask)
            else:
                arrays[c.name] = pa.array(v, mask=mask)
        for h in spec.helpers:
            arrays[h] = pa.array(f.cols[h])
        return pa.table(arrays)

    def _select(self, spec: TableSpec) -> str:
        out = []
        extract_us = self.p.extract_ts * 1_000_000
        for c in [*spec.cols, Col("_extracted_at", "ts")]:
            q = f'"{c.name}"'
            if c.name == "_extracted_at":
                expr = f"make_timestamp({extract_us} + cast({q} as bigint) * 1000000)"
            elif c.kind == "id":
                width = self.width[c.arg]
                expr = f"'{c.arg}_' || lpad(cast({q} as varchar), {width}, '0')"
            elif c.kind == "cid":
                expr = (
                    f"case when {q} < 0 then '{c.arg}_ghost_' || "
                    f"lpad(cast(-{q} as varchar), 6, '0') else '{c.arg}_' || "
                    f"lpad(cast({q} as varchar), {self.width[c.arg]}, '0') end"
                )
            elif c.kind == "cat":
                expr = f"{DOMAINS[c.arg].sql()}[{q} + 1]"
            elif c.kind == "text":
                expr = f"({c.arg})"
                if c.nullable:
                    expr = f'case when "{c.name}__null" then null else {expr} end'
            elif c.kind == "date":
                expr = f"date '1970-01-01' + cast({q} as integer)"
            elif c.kind == "ts":
                expr = f"make_timestamp(cast({q} as bigint) * 1000000)"
            else:
                expr = q
            out.append(f"cast({expr} as {SQL_TYPES[c.kind]}) as {q}")
        return ", ".join(out)

    def _copy(self, spec: TableSpec, f: Frame) -> None:
        for prefix in {c.arg for c in spec.cols if c.kind in ("id", "cid")}:
            for c in spec.cols:
                if c.arg == prefix and c.kind in ("id", "cid") and f.n:
                    mx = int(np.max(f.cols[c.name], initial=0))
                    if len(str(mx)) > self.width.setdefault(prefix, 7):
                        self.width[prefix] = len(str(mx))
                        raise RuntimeError(f"id width of {prefix} too small for {mx}")
        for stale in (
            self.out / f"{spec.name}.parquet",
            self.out / f"{spec.name}.csv",
            self.out / spec.name,
        ):
            if stale.is_dir():
                shutil.rmtree(stale)
            elif stale.exists():
                stale.unlink()
        tbl = self._arrow(spec, f)
        select = self._select(spec)
        if self.fmt == "csv":
            self._copy_one(tbl, select, self.out / f"{spec.name}.csv", "csv")
        elif spec.folder:
            folder = self.out / spec.name
            folder.mkdir(parents=True)
            n_parts = max(3, -(-f.n // 4_000_000))
            bounds = np.linspace(0, f.n, n_parts + 1).astype(np.int64)
            for i in range(n_parts):
                part = tbl.slice(int(bounds[i]), int(bounds[i + 1] - bounds[i]))
                self._copy_one(
                    part, select, folder / f"part-{i:05d}.parquet", "parquet"
                )
        else:
            self._copy_one(tbl, select, self.out / f"{spec.name}.parquet", "parquet")

    def _copy_one(self, tbl: pa.Table, select: str, path: Path, fmt: str) -> None:
        self.con.register("raw_rows", tbl)
        opts = "format csv, header true" if fmt == "csv" else "format parquet"
        self.con.execute(f"copy (select {select} from raw_rows) to '{path}' ({opts})")
        self.con.unregister("raw_rows")


def _decimal(
    v: np.ndarray, precision: int, scale: int, mask: np.ndarray | None
) -> pa.Array:
    """A decimal128 arrow array from integers already scaled by 10**scale."""
    v = np.ascontiguousarray(v, dtype=np.int64)
    buf = np.empty((len(v), 2), dtype=np.int64)
    buf[:, 0] = v
    buf[:, 1] = v >> 63
    validity = None
    if mask is not None and mask.any():
        validity = pa.array(~mask).buffers()[1]
    return pa.Array.from_buffers(
        pa.decimal128(precision, scale), len(v), [validity, pa.py_buffer(buf)]
    )
