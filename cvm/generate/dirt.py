"""The dirty mode (``--dirty``): what real exports get wrong, planted exactly.

Per table: exact duplicates, older re-exports of real keys with other non-key
values, stray case, spaces and spellings in categorical values, unknown
categories, null keys, and extra rows that each break exactly one hard rule
of ``docs/quarantine_rules.md``. Rule-breaking rows are copies of real rows
with fresh keys, never duplicated, so the counts returned predict the
quarantine exactly and the clean rows stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cvm.generate.core import DAY, Frame, Params, stage_rng
from cvm.generate.spec import DOMAINS, SEK, TableSpec

# dirt rates (share of a table's real rows; at least one row each)
DUP_RATE = 0.01
REEXPORT_RATE = 0.005
NULL_KEY_RATE = 0.001
RULE_RATE = 0.001
STRAY_RATE = 0.02
UNKNOWN_RATE = 0.004


def n_of(rate: float, n: int) -> int:
    """A dirt count: rate of n, at least one."""
    return max(1, round(rate * n))


@dataclass(frozen=True)
class DirtCounts:
    """What was planted in one table."""

    exact_duplicates: int = 0
    re_exports: int = 0
    quarantine: dict[str, int] = field(default_factory=dict)  # rule -> rows
    stray: dict[str, int] = field(default_factory=dict)  # table.column -> rows
    unknown: dict[str, int] = field(default_factory=dict)

    @property
    def duplicates_removed(self) -> int:
        return self.exact_duplicates + self.re_exports


def add_dirt(p: Params, spec: TableSpec, f: Frame) -> tuple[Frame, DirtCounts]:
    """Add dirt to the key-ordered rows ``f``; return all rows in key order."""
    rng = stage_rng(p.seed, "dirt/" + spec.name)
    n = f.n
    if n == 0:  # nothing to copy dirt from (tiny runs)
        return f, DirtCounts()
    for name in {*spec.stray, *spec.unknown}:
        f.cols[name] = f.cols[name].copy()  # never alter the caller's arrays
    _categories(spec, f, rng)
    extras = []
    n_dup = min(n, n_of(DUP_RATE, n))
    extras.append(f.take(np.sort(rng.choice(n, n_dup, replace=False))))
    n_re = min(n, n_of(REEXPORT_RATE, n))
    re = f.take(np.sort(rng.choice(n, n_re, replace=False)))
    re.cols["_extracted_at"] = -rng.integers(DAY, 5 * DAY + 1, n_re).astype(np.int32)
    _perturb(spec, re, rng)
    extras.append(re)
    quarantine: dict[str, int] = {}
    nk = n_of(NULL_KEY_RATE, n)
    nkf = f.take(rng.choice(n, nk))
    which = rng.integers(0, len(spec.key), nk)
    for i, k in enumerate(spec.key):
        nkf.nulls[k] = nkf.null(k) | (which == i)
    extras.append(nkf)
    quarantine["null_key"] = nk
    next_key = int(f.cols[spec.key[0]].max()) + 1 if len(spec.key) == 1 else 0
    for rule in spec.rules:
        bad = break_rule(p, spec.name, rule, f, n_of(RULE_RATE, n), rng)
        if not bad.n:
            continue
        if len(spec.key) == 1:
            bad.cols[spec.key[0]] = next_key + np.arange(bad.n)
            next_key += bad.n
        extras.append(bad)
        quarantine[rule] = bad.n
    stray: dict[str, int] = {}
    unknown: dict[str, int] = {}
    for name in spec.stray + spec.unknown:
        dom = DOMAINS[spec.col(name).arg]
        codes = f.cols[name][~f.null(name)]
        nv, ns = len(dom.values), len(dom.stray)
        if name in spec.stray:
            stray[f"{spec.name}.{name}"] = int(
                ((codes >= nv) & (codes < nv + ns)).sum()
            )
        if name in spec.unknown:
            unknown[f"{spec.name}.{name}"] = int((codes >= nv + ns).sum())
    # merge the extra rows into the key-ordered real rows, one column at a time
    x = Frame.concat(extras)
    xkey = x.sort_key(spec.key)
    o = np.lexsort((x.cols["_extracted_at"], xkey))
    x = x.take(o)
    xkey = xkey[o]
    pos = np.searchsorted(f.sort_key(spec.key), xkey, side="left")
    for k in f.cols:
        f.cols[k] = np.insert(f.cols[k], pos, x.cols[k].astype(f.cols[k].dtype))
    for k in {*f.nulls, *x.nulls}:
        f.nulls[k] = np.insert(f.null(k), pos, x.null(k))
    f.n += x.n
    return f, DirtCounts(n_dup, n_re, quarantine, stray, unknown)


def _categories(spec: TableSpec, f: Frame, rng: np.random.Generator) -> None:
    """Stray spellings and unknown values in categorical columns (in place)."""
    for name in spec.stray:
        dom = DOMAINS[spec.col(name).arg]
        codes = f.cols[name]
        ok = ~f.null(name) & (codes < len(dom.values))
        cand = np.flatnonzero(ok)
        if not len(cand):
            continue
        idx = rng.choice(
            cand, min(len(cand), n_of(STRAY_RATE, len(cand))), replace=False
        )
        for ci, value in enumerate(dom.values):
            variants = [
                len(dom.values) + j for j, (_, c) in enumerate(dom.stray) if c == value
            ]
            sel = idx[codes[idx] == ci]
            if variants and len(sel):
                codes[sel] = rng.choice(variants, len(sel))
    for name in spec.unknown:
        dom = DOMAINS[spec.col(name).arg]
        codes = f.cols[name]
        ok = ~f.null(name) & (codes < len(dom.values))
        for v in dom.protect:
            ok &= codes != dom.code(v)
        cand = np.flatnonzero(ok)
        if not len(cand):
            continue
        idx = rng.choice(
            cand, min(len(cand), n_of(UNKNOWN_RATE, len(cand))), replace=False
        )
        base = len(dom.values) + len(dom.stray)
        codes[idx] = base + rng.integers(0, len(dom.unknown), len(idx))


def _perturb(spec: TableSpec, f: Frame, rng: np.random.Generator) -> None:
    """Other non-key values for re-exported rows (in place)."""
    for name in spec.perturb:
        v = f.cols[name]
        if name in spec.helpers:
            f.cols[name] = v + rng.integers(1, 997, f.n)
            continue
        col = spec.col(name)
        if col.kind == "cat":
            nv = len(DOMAINS[col.arg].values)
            canon = v < nv
            f.cols[name] = np.where(canon, (v + rng.integers(1, nv, f.n)) % nv, v)
        elif col.kind == "int":
            f.cols[name] = v + rng.integers(1, 6, f.n).astype(v.dtype)
        elif col.kind.startswith("dec"):
            f.cols[name] = np.rint(v * rng.uniform(1.01, 1.2, f.n)).astype(np.int64)
        elif col.kind == "bool":
            f.cols[name] = ~v


def break_rule(
    p: Params, table: str, rule: str, f: Frame, k: int, rng: np.random.Generator
) -> Frame:
    """Up to ``k`` rows that each break ``rule`` of ``table`` (without keys yet).

    Each starts as a copy of a real (clean) row; the caller gives it a fresh
    key, so the clean truth is untouched and the row is quarantined for the rule.
    """
    elig = np.ones(f.n, dtype=bool)
    if table == "billing_invoice_lines":
        elig = ~f.null("period_start")
    elif table == "crm_opportunities":
        elig = ~f.null("amount")
    cand = np.flatnonzero(elig)
    if not len(cand):
        return f.take(cand)
    t = f.take(rng.choice(cand, k))
    nulls = t.nulls
    second = np.arange(k) % 3 == 1  # a few variants use null as the bad value
    if rule == "unknown_billing_customer":
        col = "billing_customer_id" if table == "crm_accounts" else "customer_id"
        t.cols[col] = -(1 + np.arange(k))
        nulls[col] = second & (table == "billing_subscriptions")
    elif rule == "invalid_date_range":
        lo, hi = {
            "crm_support_tickets": ("opened_at", "closed_at"),
            "billing_subscription_versions": ("valid_from", "valid_to"),
            "billing_invoices": ("invoice_date", "due_date"),
            "billing_invoice_lines": ("period_start", "period_end"),
        }[table]
        step = (
            rng.integers(3600, 3 * DAY, k)
            if lo == "opened_at"
            else rng.integers(1, 21, k)
        )
        t.cols[hi] = t.cols[lo] - step
        nulls[hi] = np.zeros(k, dtype=bool)
    elif rule == "score_out_of_range":
        col = "csat_score" if table == "crm_support_tickets" else "score"
        bad = [0, 6, 9, -1] if table == "crm_support_tickets" else [11, -1, 12]
        t.cols[col] = rng.choice(bad, k)
        nulls[col] = second & (table == "crm_nps_responses")
    elif rule == "currency_without_rate":
        t.cols["currency"] = np.full(k, SEK)
        nulls["currency"] = np.zeros(k, dtype=bool)
    elif rule == "quantity_not_positive":
        t.cols["quantity"] = rng.choice([0, -1, -5], k)
        nulls["quantity"] = second
    elif rule == "discount_out_of_range":
        t.cols["discount_pct"] = rng.choice([12000, -500, 10050], k)
        nulls["discount_pct"] = np.zeros(k, dtype=bool)
    elif rule == "invalid_billing_interval":
        t.cols["billing_interval_months"] = rng.choice([6, 2, 24, 0], k)
    elif rule == "rate_not_positive":
        t.cols["rate_date"] = p.fx_start - 1 - np.arange(k)
        t.cols["rate_to_reporting"] = np.where(
            rng.random(k) < 0.5, 0, -t.cols["rate_to_reporting"]
        )
        nulls["rate_to_reporting"] = second
    else:
        raise ValueError(f"no breaker for {table}.{rule}")
    return t
