"""Product usage: one row per account and day with usage in the last
``usage_days`` days, while a subscription is in force; active users,
sessions and key actions follow the customer's health and seats."""

from __future__ import annotations

import numpy as np

from cvm.generate.core import Frame, Params, sigmoid, stage_rng
from cvm.generate.customers import Accounts, Customers, Health
from cvm.generate.subscriptions import Versions
from cvm.generate.writer import Writer


def build_usage(
    p: Params,
    c: Customers,
    health: Health,
    accounts: Accounts,
    acc_id: np.ndarray,
    v: Versions,
    wr: Writer,
) -> None:
    """One row per account and day with usage in the last `usage_days` days."""
    rng = stage_rng(p.seed, "usage")
    nd = p.usage_days
    d0 = p.as_of - nd + 1
    has = accounts.winner_acc[v.cust] >= 0
    a = np.maximum(v.valid_from, d0) - d0
    b = np.minimum(v.valid_to, p.as_of + 1) - d0
    sel = has & (a < b)
    vc, va, vb = v.cust[sel], a[sel], b[sel]
    custs = np.unique(vc)
    custs = custs[
        np.argsort(acc_id[accounts.winner_acc[custs]])
    ]  # rows come out in key order
    rank = np.full(c.n, -1)
    rank[custs] = np.arange(len(custs))
    vr = rank[vc]
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("acc", "day", "u", "s", "k")}
    chunk = max(1, 4_000_000 // (nd + 1))
    for c0 in range(0, len(custs), chunk):  # chunks of customers, vectorised inside
        cc = custs[c0 : c0 + chunk]
        nc = len(cc)
        m = (vr >= c0) & (vr < c0 + nc)
        row = vr[m] - c0
        cover = np.bincount(
            row * (nd + 1) + va[m], minlength=nc * (nd + 1)
        ) - np.bincount(row * (nd + 1) + vb[m], minlength=nc * (nd + 1))
        live = np.cumsum(cover.reshape(nc, nd + 1), axis=1)[:, :nd] > 0
        r, col = np.nonzero(live)
        cust = cc[r]
        day = d0 + col
        h = health.at(cust, day)
        weekday = (day + 3) % 7 < 5
        p_use = np.where(weekday, 0.92, 0.3) * sigmoid(1.2 + 1.3 * h)
        use = rng.random(len(day)) < p_use
        cust, day, h = cust[use], day[use], h[use]
        seats = c.seats[cust]
        users = np.maximum(1, rng.binomial(seats, np.clip(0.3 + 0.2 * h, 0.03, 0.95)))
        out["acc"].append(acc_id[accounts.winner_acc[cust]].astype(np.int32))
        out["day"].append(day.astype(np.int32))
        out["u"].append(users.astype(np.int32))
        out["s"].append((users + rng.poisson(users * 1.3)).astype(np.int32))
        out["k"].append(rng.poisson(users * 3.0 * np.exp(0.7 * h)).astype(np.int32))
    cat = {}
    for k in list(out):
        cat[k] = np.concatenate(out.pop(k)) if out[k] else np.zeros(0, dtype=np.int32)
    wr.write(
        "product_usage_daily",
        Frame(
            {
                "account_id": cat["acc"],
                "usage_date": cat["day"],
                "active_users": cat["u"],
                "sessions": cat["s"],
                "key_actions": cat["k"],
            }
        ),
    )
