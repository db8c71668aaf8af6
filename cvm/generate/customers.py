"""Customers (billing), their latent health, and their CRM accounts.

Customers are internal indices 0..n-1 in order of creation (``cus_<i + 1>``).
Each has a segment, a country and currency, payment terms, a size (seats), a
first plan, and a latent health on a monthly grid that drives every signal
later stages draw. Planted groups: test customers, customers without a CRM
account, with two accounts (the newer wins, or the newer is deleted), with
only a deleted account; plus prospects (accounts never billed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cvm.generate.core import (
    DAY,
    Params,
    add_months,
    choose,
    expand,
    month_no,
    pick,
    stage_rng,
)
from cvm.generate.spec import COUNTRIES, INDUSTRIES

SEG_P = [0.68, 0.24, 0.08]
TIER_P = [[0.45, 0.45, 0.1, 0.0], [0.05, 0.4, 0.45, 0.1], [0.0, 0.1, 0.45, 0.45]]
INTERVAL_P = [[0.7, 0.1, 0.2], [0.35, 0.25, 0.4], [0.1, 0.15, 0.75]]
INTERVALS = np.array([1, 3, 12])
# keeps churns and come-backs (reactivations) in most months of a run
FOUNDING_SHARE = 0.3  # customers migrated at the start (first term 1-12 months)


@dataclass(frozen=True)
class Customers:
    """One element per customer (index = creation order)."""

    created: np.ndarray  # seconds
    founding: np.ndarray  # migrated in the first 45 days
    after: np.ndarray  # created after the as-of date
    seg: np.ndarray  # 0 SMB, 1 Mid-Market, 2 Enterprise
    region: np.ndarray
    country: np.ndarray
    currency: np.ndarray
    tax_rate: np.ndarray
    is_test: np.ndarray
    crm_cat: np.ndarray  # 0 one account, 1 none, 2 two (newer wins), 3 two
    # (newer deleted), 4 only a deleted one
    terms: np.ndarray  # payment terms in days (-1: null)
    late_payer: np.ndarray
    return_prone: np.ndarray
    price_factor: np.ndarray
    base_disc: np.ndarray  # in 1/100 percent
    seats: np.ndarray
    tier: np.ndarray
    interval: np.ndarray
    start: np.ndarray  # day of the first subscription
    first_term: np.ndarray  # months of the first contract term
    name_seed: np.ndarray
    person_seed: np.ndarray
    email_null: np.ndarray
    country_null: np.ndarray

    @property
    def n(self) -> int:
        return len(self.created)


@dataclass(frozen=True)
class Health:
    """Latent health per customer on a monthly grid (AR(1), lasting shocks)."""

    base_month: int  # month number of the grid's first month
    ms: np.ndarray  # first day of each grid month (one more than H's columns)
    H: np.ndarray  # customers x months

    def at(self, cust: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Latent health, linearly interpolated between monthly grid points."""
        g = self.H.shape[1]
        m = np.clip(month_no(day) - self.base_month, 0, g - 2)
        f = np.clip((day - self.ms[m]) / (self.ms[m + 1] - self.ms[m]), 0.0, 1.0)
        return self.H[cust, m] * (1 - f) + self.H[cust, m + 1] * f


def build_customers(p: Params) -> tuple[Customers, Health]:
    rng = stage_rng(p.seed, "customers")
    n = p.customers
    n_after = max(1, round(0.003 * n))
    n_now = n - n_after
    hs, a = p.history_start, p.as_of
    founding = rng.random(n_now) < FOUNDING_SHARE
    span = a - hs + 1
    day = np.where(
        founding,
        hs + rng.integers(0, 45, n_now),
        hs + np.floor(span * rng.random(n_now) ** 0.85).astype(np.int64),
    )
    day = np.minimum(day, a)
    day = np.concatenate([day, a + 1 + rng.integers(0, 30, n_after)])
    created = day * DAY + rng.integers(7 * 3600, 20 * 3600, n)
    founding = np.concatenate([founding, np.zeros(n_after, dtype=bool)])
    order = np.argsort(created, kind="stable")
    created = created[order]
    founding = founding[order]
    after = created // DAY > a

    seg = choose(rng, n, SEG_P)
    region = choose(rng, n, [0.5, 0.3, 0.12, 0.08])
    country = pick(rng, _country_weights()[region])
    currency = np.array([c[2] for c in COUNTRIES])[country]
    tax_rate = np.array([c[4] for c in COUNTRIES])[country]

    # planted groups (disjoint), among customers created on or before as-of
    perm = rng.permutation(np.flatnonzero(~after))
    sizes = [
        max(1, round(0.005 * n)),  # test customers
        max(1, round(0.03 * n)),  # no CRM account
        max(1, round(0.02 * n)),  # two accounts, newer wins
        max(1, round(0.01 * n)),  # two accounts, newer deleted
        max(1, round(0.01 * n)),  # only account deleted
    ]
    bounds = np.cumsum([0, *sizes])
    groups = [perm[bounds[i] : bounds[i + 1]] for i in range(len(sizes))]
    is_test = np.zeros(n, dtype=bool)
    is_test[groups[0]] = True
    crm_cat = np.zeros(n, dtype=np.int64)  # 0 single account
    for cat, members in zip((1, 2, 3, 4), groups[1:], strict=True):
        crm_cat[members] = cat
    currency[is_test] = 0
    country[is_test] = 0
    tax_rate[is_test] = 0.0

    terms = np.array([30, -1, 15, 45, 60])
    tp = np.array(
        [
            [0.72, 0.18, 0.06, 0.03, 0.01],
            [0.62, 0.14, 0.02, 0.14, 0.08],
            [0.4, 0.1, 0.0, 0.25, 0.25],
        ]
    )
    terms = terms[pick(rng, tp[seg])]
    late_payer = rng.random(n) < np.array([0.07, 0.05, 0.03])[seg]
    return_prone = rng.random(n) < 0.05
    price_factor = np.select(
        [seg == 0, seg == 1],
        [np.ones(n), rng.uniform(0.9, 1.0, n)],
        rng.uniform(0.78, 0.95, n),
    )
    base_disc = np.select(
        [seg == 0, seg == 1],
        [np.where(rng.random(n) < 0.15, 1000, 0), rng.choice([0, 500, 1000, 1500], n)],
        rng.integers(10, 31, n) * 100,
    )
    seats = np.select(
        [seg == 0, seg == 1],
        [
            3 + np.floor(rng.pareto(2.5, n) * 6),
            10 + np.floor(rng.pareto(2.0, n) * 25),
        ],
        30 + np.floor(rng.pareto(2.2, n) * 80),
    )
    seats = np.minimum(seats, np.array([80, 900, 10000])[seg]).astype(np.int64)
    tier = pick(rng, np.array(TIER_P)[seg])
    interval = INTERVALS[pick(rng, np.array(INTERVAL_P)[seg])]
    cday = created // DAY
    start = np.where(
        after,
        cday + rng.integers(0, 11, n),
        np.minimum(cday + rng.integers(0, 6, n), a),
    )
    first_term = np.where(founding, rng.integers(1, 13, n), 12)
    customers = Customers(
        created=created,
        founding=founding,
        after=after,
        seg=seg,
        region=region,
        country=country,
        currency=currency,
        tax_rate=tax_rate,
        is_test=is_test,
        crm_cat=crm_cat,
        terms=terms,
        late_payer=late_payer,
        return_prone=return_prone,
        price_factor=price_factor,
        base_disc=base_disc,
        seats=seats,
        tier=tier,
        interval=interval,
        start=start,
        first_term=first_term,
        name_seed=rng.integers(0, 2**31, n),
        person_seed=rng.integers(0, 2**31, n),
        email_null=rng.random(n) < 0.05,
        country_null=rng.random(n) < 0.03,
    )

    # latent health on a monthly grid (AR(1) around a mean; lasting shocks)
    g = p.months + 4
    base_month = int(month_no(np.array([hs]))[0])
    ms = add_months(np.full(g + 1, hs), np.arange(g + 1))
    mu = rng.normal(0.25, 0.6, n)
    shock_m = rng.integers(0, g, n)
    u = rng.random(n)
    shock = np.where(
        u < 0.18,
        -rng.uniform(1.0, 2.2, n),
        np.where(u < 0.26, rng.uniform(0.5, 1.2, n), 0.0),
    )
    h = mu + rng.normal(0.0, 0.5, n)
    H = np.empty((n, g), dtype=np.float32)
    for m in range(g):  # vectorised over customers; one step per month
        H[:, m] = h
        target = mu + shock * (m >= shock_m)
        h = h + 0.25 * (target - h) + 0.25 * rng.normal(0.0, 1.0, n)
    return customers, Health(base_month, ms, H)


def _country_weights() -> np.ndarray:
    """Region x country: each country's weight within its region."""
    ctab = np.zeros((4, len(COUNTRIES)))
    for i, (_, r, _, wt, _) in enumerate(COUNTRIES):
        ctab[r, i] = wt
    return ctab


@dataclass(frozen=True)
class Accounts:
    """One element per CRM account: the customers' accounts, then prospects."""

    cust: np.ndarray  # customer index, -1 for a prospect
    created: np.ndarray  # seconds
    seg: np.ndarray
    deleted: np.ndarray
    region: np.ndarray
    country: np.ndarray
    industry: np.ndarray
    channel: np.ndarray  # 0 referral
    referred_by: np.ndarray  # account index, -1 none
    name_seed: np.ndarray
    null_region: np.ndarray
    null_country: np.ndarray
    null_industry: np.ndarray
    null_channel: np.ndarray
    n_prospects: int
    # per customer: the account CRM events go to, and the one whose segment
    # the warehouse shows (-1: none)
    event_acc: np.ndarray
    winner_acc: np.ndarray


def build_account_structure(p: Params, c: Customers) -> Accounts:
    rng = stage_rng(p.seed, "accounts")
    n = c.n
    cat = c.crm_cat
    n_acc = np.array([1, 0, 2, 2, 1])[cat]
    par, pos = expand(n_acc)
    end = p.extract_end
    first = c.created - rng.integers(5 * DAY, 180 * DAY, n)
    first = np.maximum(first, (p.history_start - 300) * DAY)
    second = (
        first
        + 3600
        + np.floor(rng.uniform(0.2, 0.9, n) * np.maximum(end - first - 3600, 0)).astype(
            np.int64
        )
    )
    created = np.where(pos == 0, first[par], second[par])
    true_seg = c.seg[par]
    other = (true_seg + rng.integers(1, 3, len(par))) % 3
    mism = rng.random(len(par)) < 0.6
    cp = cat[par]
    seg = np.where(
        ((cp == 2) & (pos == 0) | (cp == 3) & (pos == 1)) & mism, other, true_seg
    )
    deleted = ((cp == 3) & (pos == 1)) | (cp == 4)
    # prospects: accounts never billed
    n_pro = max(1, round(0.06 * n))
    p_created = rng.integers((p.history_start - 200) * DAY, end, n_pro)
    p_region = choose(rng, n_pro, [0.5, 0.3, 0.12, 0.08])
    m = len(par) + n_pro
    acc_cust = np.concatenate([par, np.full(n_pro, -1)])
    acc_created = np.concatenate([created, p_created])
    acc_seg = np.concatenate([seg, choose(rng, n_pro, [0.75, 0.2, 0.05])])
    acc_deleted = np.concatenate([deleted, rng.random(n_pro) < 0.05])
    acc_region = np.concatenate([c.region[par], p_region])
    acc_country = np.concatenate(
        [c.country[par], pick(rng, _country_weights()[p_region])]
    )
    acc_industry = rng.integers(0, len(INDUSTRIES), m)
    acc_channel = 1 + choose(rng, m, [0.35, 0.25, 0.2, 0.12, 0.08])
    acc_channel[rng.random(m) < 0.02] = 0  # referral, referrer unknown
    acc_name_seed = np.concatenate([c.name_seed[par], rng.integers(0, 2**31, n_pro)])
    null_region = rng.random(m) < 0.03
    null_country = rng.random(m) < 0.05
    null_industry = rng.random(m) < 0.05
    null_channel = (rng.random(m) < 0.03) & (acc_channel != 0)
    idx0 = np.cumsum(n_acc) - n_acc
    return Accounts(
        cust=acc_cust,
        created=acc_created,
        seg=acc_seg,
        deleted=acc_deleted,
        region=acc_region,
        country=acc_country,
        industry=acc_industry,
        channel=acc_channel,
        referred_by=np.full(m, -1),
        name_seed=acc_name_seed,
        null_region=null_region,
        null_country=null_country,
        null_industry=null_industry,
        null_channel=null_channel,
        n_prospects=n_pro,
        event_acc=np.select(
            [cat == 0, cat == 2, cat == 3, cat == 4], [idx0, idx0 + 1, idx0, idx0], -1
        ),
        winner_acc=np.select(
            [cat == 0, cat == 2, cat == 3], [idx0, idx0 + 1, idx0], -1
        ),
    )
