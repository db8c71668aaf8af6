"""The manifest (``_manifest.json``): raw, duplicate, quarantined and clean
rows per table, the expected customers and their segments, and every planted
trait, including MRR and customer movements per month computed from the clean
truth as ``docs/marts.md`` defines them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from cvm.generate.billing import BillingCounts
from cvm.generate.core import (
    EPOCH,
    GENERATOR_VERSION,
    RENEWAL_GRACE_DAYS,
    REPORTING_CURRENCY,
    Params,
    month_no,
)
from cvm.generate.customers import Accounts, Customers
from cvm.generate.fx import FxRates
from cvm.generate.spec import CURRENCIES, SPECS, TABLES
from cvm.generate.subscriptions import Lifecycle, VersionPrices, Versions
from cvm.generate.writer import Writer


def _mrr_share_top20(
    p: Params, c: Customers, v: Versions, prices: VersionPrices, fx: FxRates
) -> float:
    now = (v.valid_from <= p.as_of) & (v.valid_to > p.as_of) & ~c.is_test[v.cust]
    usd = prices.mrr[now] * fx.at(
        c.currency[v.cust[now]], np.full(int(now.sum()), p.as_of)
    )
    per = np.bincount(v.cust[now], weights=usd, minlength=c.n)
    per = np.sort(per[per > 0])[::-1]
    if not len(per):
        return 0.0
    top = per[: max(1, round(0.2 * len(per)))].sum()
    return round(float(top / per.sum()), 4)


def _native_mrr(v: Versions, prices: VersionPrices, idx: np.ndarray) -> np.ndarray:
    """Native MRR of versions (marts.md), from the values as written."""
    return (
        v.qty[idx]
        * (prices.price4[idx] / 1e4)
        * (1 - v.disc[idx] / 1e4)
        / v.interval[idx]
    )


def _mrr_monthly(
    p: Params,
    c: Customers,
    v: Versions,
    prices: VersionPrices,
    fx: FxRates,
    cust_idx: np.ndarray,
) -> tuple[list[dict[str, object]], np.ndarray]:
    """Active customers, MRR (USD) and customer movements per month, per marts.md.

    From the clean truth (the in-memory versions and fx rates; dirt never changes
    it), for the customers `cust_idx` (non-test, created on or before the as-of
    date): one entry per month from the first month any customer is active to the
    as-of month. A month is measured on its last day (the as-of date for the as-of
    month): versions of recurring plans in force then (valid_from <= day <
    valid_to), each at the latest rate on or before that day (rates as written, to
    8 decimals; USD = 1). `previous_mrr_cc` is the native MRR in force at the end
    of the month before, converted at this month's rates. Also returns the MRR of
    every customer index in the as-of month (0 for non-customers).

    Vectorised over versions and customers; one pass per month.
    """
    n = c.n
    is_cust = np.zeros(n, dtype=bool)
    is_cust[cust_idx] = True
    sel = np.flatnonzero(
        is_cust[v.cust] & (v.fam != 2) & (v.valid_from <= p.as_of)
    )  # product family 2 (services) is the only non-recurring one
    vc = v.cust[sel]
    cur = c.currency[vc]
    vf, vt = v.valid_from[sel], v.valid_to[sel]
    native = _native_mrr(v, prices, sel)
    m_last = int(month_no(np.array([p.as_of]))[0])
    m_first = int(month_no(np.array([vf.min()]))[0]) if len(sel) else m_last
    starts = (
        np.arange(m_first, m_last + 2)
        .astype("datetime64[M]")
        .astype("datetime64[D]")
        .astype(np.int64)
    )
    ends = starts[1:] - 1
    ends[-1] = p.as_of
    currencies = np.arange(len(CURRENCIES))
    rates = (
        np.rint(
            fx.at(np.tile(currencies, len(ends)), np.repeat(ends, len(currencies)))
            * 1e8
        ).reshape(len(ends), len(currencies))
        / 1e8
    )
    ever = np.zeros(n, dtype=bool)  # active in some month before this one
    prev_in = np.zeros(len(sel), dtype=bool)  # in force at the previous month's end
    rows: list[dict[str, object]] = []
    per: np.ndarray = np.zeros(n)
    for k, day in enumerate(ends.tolist()):
        rate = rates[k]
        now_in = (vf <= day) & (vt > day)
        i = np.flatnonzero(now_in)
        per = np.bincount(vc[i], weights=native[i] * rate[cur[i]], minlength=n)
        j = np.flatnonzero(prev_in)
        prev_cc = np.bincount(vc[j], weights=native[j] * rate[cur[j]], minlength=n)
        active = per > 0
        had = prev_cc > 0
        start = ~had & active
        rows.append(
            {
                "month": str(EPOCH + dt.timedelta(days=int(starts[k]))),
                "active_customers": int(active.sum()),
                "mrr_usd": round(float(per[cust_idx].sum()), 2),
                "new_customers": int((start & ~ever).sum()),
                "reactivated_customers": int((start & ever).sum()),
                "churned_customers": int((had & ~active).sum()),
                "expansion_customers": int((had & active & (per > prev_cc)).sum()),
                "contraction_customers": int((had & active & (per < prev_cc)).sum()),
            }
        )
        ever |= active
        prev_in = now_in
    first = next((k for k, r in enumerate(rows) if r["active_customers"]), len(rows))
    return rows[first:], per


def _mrr_as_of(
    per: np.ndarray, cust_idx: np.ndarray, seg: np.ndarray
) -> tuple[dict[str, float], dict[str, int]]:
    """MRR (USD) and active customers on the as-of date by segment, per marts.md.

    `per` is each customer's MRR in the as-of month from `_mrr_monthly`, so 'All'
    equals the last monthly entry. Uses the values as written (unit price to 4 and
    discount to 2 decimals, rates to 8 decimals); sums are floats, so compare to
    the cent with a tolerance.
    """
    names = ["SMB", "Mid-Market", "Enterprise", "Unassigned"]
    mrr = {"All": round(float(per[cust_idx].sum()), 2)}
    active = {"All": int((per[cust_idx] > 0).sum())}
    for i, name in enumerate(names):
        sel = cust_idx[seg == i]
        mrr[name] = round(float(per[sel].sum()), 2)
        active[name] = int((per[sel] > 0).sum())
    return mrr, active


def build_manifest(
    p: Params,
    fmt: str,
    c: Customers,
    accounts: Accounts,
    life: Lifecycle,
    prices: VersionPrices,
    fx: FxRates,
    wr: Writer,
    billing: BillingCounts,
    referral_conversions: int,
    cancellations_with_reason: int,
) -> dict[str, Any]:
    """What the tables hold and what was planted in them (``_manifest.json``)."""
    seg_names = ["SMB", "Mid-Market", "Enterprise"]
    expected_idx = np.flatnonzero(~c.is_test & ~c.after)
    win = accounts.winner_acc[expected_idx]
    seg = np.where(win >= 0, accounts.seg[np.maximum(win, 0)], 3)
    width = wr.width["cus"]
    names = [*seg_names, "Unassigned"]
    expected = {
        f"cus_{i + 1:0{width}d}": names[s]
        for i, s in zip(expected_idx.tolist(), seg.tolist(), strict=True)
    }
    t = life.terms
    after_t = t.contract_end <= p.as_of
    written = wr.written
    after = {
        name: w.after_as_of for name, w in written.items() if w.after_as_of is not None
    }
    after["billing_invoice_lines"] = billing.lines_after_as_of
    stray, unknown = {}, {}
    for w in written.values():
        if w.dirt:
            stray.update(w.dirt.stray)
            unknown.update(w.dirt.unknown)
    monthly, per = _mrr_monthly(p, c, life.versions, prices, fx, expected_idx)
    mrr, active = _mrr_as_of(per, expected_idx, seg)
    planted: dict[str, Any] = {
        "rows_after_as_of": {name: after.get(name, 0) for name in TABLES},
        "winbacks": life.winbacks,
        "addon_subscriptions": life.addon_subscriptions,
        "scheduled_amendments": life.scheduled_amendments,
        "advance_invoices": billing.advance_invoices,
        "failed_then_paid_invoices": billing.failed_then_paid_invoices,
        "referral_conversions": referral_conversions,
        "cancellations_with_reason": cancellations_with_reason,
        "test_customers": int(c.is_test.sum()),
        "customers_without_crm": int((c.crm_cat == 1).sum()),
        "prospects": int(accounts.n_prospects),
        "customers_with_two_accounts": int(np.isin(c.crm_cat, (2, 3)).sum()),
        "newer_account_deleted": int((c.crm_cat == 3).sum()),
        "deleted_only_accounts": int((c.crm_cat == 4).sum()),
        "created_after_as_of": int(c.after.sum()),
        "chronic_late_payers": int((c.late_payer & ~c.is_test).sum()),
        "late_renewals": int(
            ((t.outcome == 0) & (t.gap > 0) & (t.contract_end + t.gap <= p.as_of)).sum()
        ),
        "lapsed_renewals": int(((t.outcome == 1) & after_t).sum()),
        "early_terminations": int(((t.outcome == 2) & (t.end <= p.as_of)).sum()),
        "top20_mrr_share_as_of": _mrr_share_top20(p, c, life.versions, prices, fx),
        "unknown_categories": dict(sorted(unknown.items())),
        "stray_case_categories": dict(sorted(stray.items())),
        "monthly": monthly,
        "mrr_as_of_usd": mrr,
        "active_customers_as_of": active,
    }
    planted = dict(sorted(planted.items()))
    if p.dirty:
        planted["dirt"] = {
            "exact_duplicates": {
                name: w.dirt.exact_duplicates if w.dirt else 0
                for name, w in written.items()
            },
            "re_exports": {
                name: w.dirt.re_exports if w.dirt else 0 for name, w in written.items()
            },
        }
    return {
        "generator_version": GENERATOR_VERSION,
        "seed": p.seed,
        "customers": p.customers,
        "months": p.months,
        "as_of_date": str(EPOCH + dt.timedelta(days=p.as_of)),
        "usage_days": p.usage_days,
        "format": fmt,
        "dirty": p.dirty,
        "reporting_currency": REPORTING_CURRENCY,
        "contract_terms_months": 12,
        "renewal_grace_days": RENEWAL_GRACE_DAYS,
        "tables": {
            name: ("folder" if SPECS[name].folder and fmt == "parquet" else fmt)
            for name in TABLES
        },
        "raw_rows": {name: written[name].raw_rows for name in TABLES},
        "duplicates_removed": {
            name: written[name].duplicates_removed for name in TABLES
        },
        "quarantine": {name: written[name].quarantine for name in TABLES},
        "clean_rows": {name: written[name].clean_rows for name in TABLES},
        "expected_customers": expected,
        "planted": planted,
    }
