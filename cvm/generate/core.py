"""What every stage of the generator shares: run parameters, random streams,
calendar arithmetic on day numbers, vectorised helpers and the raw table frame.

Dates are day numbers since 1970-01-01 and timestamps seconds since then;
categorical values are codes into a domain (``spec.DOMAINS``); ids are
assigned at write time. Nothing here holds state between stages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import resource
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np

GENERATOR_VERSION = 1
REPORTING_CURRENCY = "USD"
DEFAULT_AS_OF = "2026-10-31"
EPOCH = dt.date(1970, 1, 1)
DAY = 86_400
INF = 10**7  # "no end" day sentinel
RENEWAL_GRACE_DAYS = 30
# one customer's events on one int64 key: customer * KEY_SPAN + day offset
KEY_SPAN = 1 << 19


def stage_rng(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per stage, stable across runs and versions."""
    return np.random.default_rng(
        np.random.SeedSequence([seed, zlib.crc32(name.encode())])
    )


def day_number(d: dt.date) -> int:
    return (d - EPOCH).days


def add_months(days: np.ndarray, k: np.ndarray | int) -> np.ndarray:
    """Calendar month arithmetic on day numbers (day of month clipped to month end)."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    dom = (d - m.astype("datetime64[D]")).astype(np.int64)
    m2 = m + np.asarray(k, dtype=np.int64)
    first = m2.astype("datetime64[D]").astype(np.int64)
    nxt = (m2 + 1).astype("datetime64[D]").astype(np.int64)
    return (first + np.minimum(dom, nxt - first - 1)).astype(np.int64)


def month_no(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of each day number."""
    return (
        np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]")
    ).astype(np.int64)


def month_start(days: np.ndarray) -> np.ndarray:
    """First day of the month of each day number."""
    return np.asarray(days, dtype=np.int64) - _dom(days)


def _dom(days: np.ndarray) -> np.ndarray:
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    return (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(parent index, position within parent) for a repeat by counts."""
    counts = np.asarray(counts, dtype=np.int64)
    parent = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    pos = np.arange(len(parent)) - np.repeat(starts, counts)
    return parent, pos


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def pick(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One category per row from a rows x categories weight matrix."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cum[:, -1]
    return (cum < u[:, None]).sum(axis=1).astype(np.int64)


def choose(rng: np.random.Generator, n: int, p: list[float]) -> np.ndarray:
    p_arr = np.asarray(p, dtype=float)
    return rng.choice(len(p_arr), size=n, p=p_arr / p_arr.sum()).astype(np.int64)


def group_first(keys: np.ndarray) -> np.ndarray:
    """True where a sorted key array starts a new group."""
    out = np.ones(len(keys), dtype=bool)
    if len(keys):
        out[1:] = keys[1:] != keys[:-1]
    return out


def group_last(keys: np.ndarray) -> np.ndarray:
    """True where a sorted key array ends a group."""
    out = np.ones(len(keys), dtype=bool)
    if len(keys):
        out[:-1] = keys[1:] != keys[:-1]
    return out


def rank_ids(*keys: np.ndarray) -> np.ndarray:
    """1-based ids in lexicographic order of the keys (first key primary)."""
    order = np.lexsort(tuple(reversed(keys)))
    ids = np.empty(len(order), dtype=np.int64)
    ids[order] = np.arange(1, len(order) + 1)
    return ids


def working_hours(
    rng: np.random.Generator, day: np.ndarray, lo: int = 8, hi: int = 19
) -> np.ndarray:
    """A timestamp (seconds) inside working hours of each day."""
    return day * DAY + rng.integers(lo * 3600, hi * 3600, len(day))


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------------- params
@dataclass(frozen=True)
class Params:
    """Run parameters and the calendar derived from them."""

    customers: int
    months: int
    seed: int
    as_of: int
    usage_days: int
    dirty: bool

    @property
    def history_start(self) -> int:
        """First day of the first month of history."""
        return int(month_start(add_months(np.array([self.as_of]), 1 - self.months))[0])

    @property
    def horizon(self) -> int:
        return self.as_of + 75

    @property
    def fx_start(self) -> int:
        d = self.history_start - 200
        wd = (d + 3) % 7  # 0 = Monday
        return d + (7 - wd if wd >= 5 else 0)

    @property
    def extract_ts(self) -> int:
        return self.as_of * DAY + 23 * 3600

    @property
    def extract_end(self) -> int:
        """The last second CRM rows are dated (22:00 on the as-of date)."""
        return self.as_of * DAY + 22 * 3600

    def event_key(self, cust: np.ndarray, day: np.ndarray) -> np.ndarray:
        """One sortable key per customer and day (see KEY_SPAN)."""
        return cust.astype(np.int64) * KEY_SPAN + (day - (self.fx_start - 2000))


# ---------------------------------------------------------------------- arrays
class Arrays:
    """A dataclass of equal-length arrays, one element per row."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    def take(self, idx: np.ndarray) -> Self:
        """The rows ``idx`` (an index or boolean mask), as a new object."""
        return dataclasses.replace(
            self,
            **{f.name: getattr(self, f.name)[idx] for f in dataclasses.fields(self)},
        )

    @classmethod
    def concat(cls, parts: Sequence[Self]) -> Self:
        """The rows of every part, in order."""
        return cls(
            **{
                f.name: np.concatenate([getattr(p, f.name) for p in parts])
                for f in dataclasses.fields(cls)
            }
        )


# ----------------------------------------------------------------------- frame
class Frame:
    """Raw columns of one table: numbers, day numbers, seconds and category codes."""

    def __init__(
        self, cols: dict[str, np.ndarray], nulls: dict[str, np.ndarray] | None = None
    ):
        self.cols = cols
        self.nulls = {k: v for k, v in (nulls or {}).items() if v is not None}
        self.n = len(next(iter(cols.values())))

    def take(self, idx: np.ndarray) -> Frame:
        return Frame(
            {k: v[idx] for k, v in self.cols.items()},
            {k: v[idx] for k, v in self.nulls.items()},
        )

    def null(self, name: str) -> np.ndarray:
        return self.nulls.get(name, np.zeros(self.n, dtype=bool))

    def sort_key(self, key: tuple[str, ...]) -> np.ndarray:
        """One int64 per row ordering rows by the key columns (null keys last)."""
        big = np.iinfo(np.int64).max
        k1 = self.cols[key[0]].astype(np.int64)
        if len(key) == 2:
            k1 = k1 * (1 << 32) + self.cols[key[1]].astype(np.int64)
        null = self.null(key[0])
        for k in key[1:]:
            null = null | self.null(k)
        return np.where(null, big, k1)

    @staticmethod
    def concat(frames: list[Frame]) -> Frame:
        names = list(frames[0].cols)
        cols = {k: np.concatenate([f.cols[k] for f in frames]) for k in names}
        null_names = sorted({k for f in frames for k in f.nulls})
        nulls = {k: np.concatenate([f.null(k) for f in frames]) for k in null_names}
        return Frame(cols, nulls)
