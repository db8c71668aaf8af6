"""Subscriptions and their versions: contract terms simulated forward.

Every recurring subscription commits to 12-month terms. Within a term,
amendments (seats, tier, discount) close a version and open the next; at
mid-term a customer may cancel early, 30 days before the end it renews or
lapses, both with the probability of ``signals.ChurnModel``. Addons start
while the core subscription is in force; 30% of the customers who left come
back. What the systems know on the as-of date is cut from that truth.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from cvm.generate.core import (
    DAY,
    INF,
    KEY_SPAN,
    RENEWAL_GRACE_DAYS,
    Arrays,
    Frame,
    Params,
    add_months,
    choose,
    expand,
    group_first,
    group_last,
    rank_ids,
    sigmoid,
    stage_rng,
)
from cvm.generate.customers import Customers
from cvm.generate.pricing import monthly, mrr_cents, unit_price4
from cvm.generate.signals import ChurnModel

MAX_TIER = np.array([3, 1])
AMEND_RATE = np.array([0.25, 0.6, 1.0])
EARLY_SHIFT = 2.6
# these keep churns and come-backs (reactivations) in most months of a run
LATE_RENEWAL_SHARE = 0.2  # renewals signed 1-30 days after the contract end
WINBACK_RATE = 0.3  # share of customers who left that come back
WINBACK_GAP_DAYS = (30, 180)  # how long after they left


@dataclass(frozen=True)
class Starts(Arrays):
    """Subscription terms about to start: one element per subscription."""

    sub: np.ndarray  # subscription index
    cust: np.ndarray
    fam: np.ndarray  # product family: 0 core, 1 addon, 2 services
    tier: np.ndarray
    interval: np.ndarray  # billing interval in months
    qty: np.ndarray
    disc: np.ndarray  # discount in 1/100 percent
    uplift: np.ndarray  # price factor from renewals
    start: np.ndarray  # day
    term_months: np.ndarray
    kind: np.ndarray  # 0 new, 2 renewal, 3 come-back


@dataclass(frozen=True)
class Versions(Arrays):
    """One element per subscription version."""

    sub: np.ndarray
    cust: np.ndarray
    fam: np.ndarray
    tier: np.ndarray
    interval: np.ndarray
    qty: np.ndarray
    disc: np.ndarray
    uplift: np.ndarray
    valid_from: np.ndarray
    valid_to: np.ndarray  # INF: no end known
    contract_end: np.ndarray
    anchor: np.ndarray  # the term start, billing periods count from it
    kind: np.ndarray  # 0 new, 1 amendment, 2 renewal, 3 come-back
    amend: np.ndarray  # amendment kind, -1 for a term's first version
    last_in_term: np.ndarray
    outcome: np.ndarray  # of its term: 0 renewed, 1 lapsed, 2 cancelled early,
    # 3 undecided
    request: np.ndarray  # day the outcome was requested


@dataclass(frozen=True)
class Terms(Arrays):
    """One element per contract term, with the signals of its decision."""

    sub: np.ndarray
    cust: np.ndarray
    fam: np.ndarray
    start: np.ndarray
    contract_end: np.ndarray
    end: np.ndarray  # contract end, or the early cancellation day
    outcome: np.ndarray
    request: np.ndarray
    gap: np.ndarray  # days a renewal is late
    last_mrr: np.ndarray
    next_mrr: np.ndarray
    detractor: np.ndarray
    urgent: np.ndarray
    late: np.ndarray
    dh: np.ndarray
    first_kind: np.ndarray


@dataclass(frozen=True)
class Lifecycle:
    """All subscriptions: versions known on the as-of date, every term."""

    versions: Versions  # by subscription, then valid_from
    terms: Terms
    n_subs: int
    winbacks: dict[str, int]
    addon_subscriptions: int
    scheduled_amendments: int


@dataclass(frozen=True)
class SubscriptionIds:
    """Ids as written: per subscription index, and per version."""

    by_sub: np.ndarray  # 0 for a subscription without a known version
    of_version: np.ndarray  # the subscription id of each version
    version_id: np.ndarray


@dataclass(frozen=True)
class VersionPrices:
    """Per version: unit price in 1/10000 of its currency, native MRR (cents)."""

    price4: np.ndarray
    mrr: np.ndarray


def _gcum(x: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each group start (groups contiguous)."""
    c = np.cumsum(x)
    base = (c - x)[first]
    return c - np.repeat(base, np.diff(np.append(np.flatnonzero(first), len(x))))


def simulate(
    p: Params, model: ChurnModel, st: Starts, rng: np.random.Generator
) -> tuple[Versions, Terms]:
    """Run 12-month contract terms forward for a batch of subscription starts.

    Returns one row per version and one per term.
    """
    c, health = model.c, model.health
    vers: list[Versions] = []
    terms: list[Terms] = []
    cur = st
    while True:  # one pass per contract term, vectorised over subscriptions
        m = len(cur.sub)
        sub, cust, fam, ts = cur.sub, cur.cust, cur.fam, cur.start
        e = add_months(ts, cur.term_months)
        span = e - ts
        seg = c.seg[cust]
        # amendments inside the term
        lam = np.where(fam == 0, AMEND_RATE[seg], 0.35) * np.minimum(span / 365.0, 1.0)
        n_am = np.minimum(rng.poisson(lam), 3)
        n_am[span < 3] = 0
        ap, _ = expand(n_am)
        na = len(ap)
        a_day = ts[ap] + 1 + np.floor(rng.random(na) * (span[ap] - 1)).astype(np.int64)
        a_kind = choose(rng, na, [0.6, 0.14, 0.08, 0.18])
        up = rng.random(na) < sigmoid(0.6 + 1.2 * health.at(cust[ap], a_day))
        # no empty amendments: a tier change that is not possible becomes a seat change
        base_tier = cur.tier[ap]
        top = base_tier >= MAX_TIER[fam[ap]]
        up = np.where(a_kind == 1, True, np.where(a_kind == 2, False, up))
        a_kind[((a_kind == 1) & top) | ((a_kind == 2) & (base_tier == 0))] = 0
        up |= cur.qty[ap] <= 1
        mag = np.maximum(1, np.rint(cur.qty[ap] * rng.uniform(0.05, 0.4, na))).astype(
            np.int64
        )
        dq = np.where(a_kind == 0, np.where(up, mag, -mag), 0)
        dtier = np.where(a_kind == 1, 1, np.where(a_kind == 2, -1, 0))
        step = np.where(
            cur.disc[ap] == 0,
            rng.choice([500, 1000], na),
            rng.choice([-500, 500, 1000], na),
        )
        new_disc = np.clip(cur.disc[ap] + step, 0, 4000)
        par = np.concatenate([np.arange(m), ap])
        day = np.concatenate([ts, a_day])
        isam = np.concatenate([np.zeros(m, dtype=bool), np.ones(na, dtype=bool)])
        dqa = np.concatenate([cur.qty, dq])
        dta = np.concatenate([cur.tier, dtier])
        dset = np.concatenate([np.ones(m, dtype=bool), a_kind == 3])
        dval = np.concatenate([cur.disc, new_disc])
        akind = np.concatenate([np.full(m, -1), a_kind])
        o = np.lexsort((isam, day, par))
        par, day, isam, dqa, dta, dset, dval, akind = (
            x[o] for x in (par, day, isam, dqa, dta, dset, dval, akind)
        )
        # decisions: early cancellation (decided mid-term), lapse (30 days before end)
        mid = ts + span // 2
        f_mid = model.features(cust, mid)
        early = (
            (span >= 60)
            & (mid <= p.horizon)
            & (rng.random(m) < sigmoid(model.logit(cust, fam, f_mid) - EARLY_SHIFT))
        )
        cancel_day = mid + np.floor(rng.random(m) * (e - mid)).astype(np.int64)
        f_dec = model.features(cust, e - 30)
        decided = e <= p.horizon
        lapse = (
            ~early & decided & (rng.random(m) < sigmoid(model.logit(cust, fam, f_dec)))
        )
        end = np.where(early, cancel_day, e)
        keep = day < end[par]
        same = np.zeros(len(par), dtype=bool)
        same[1:] = (par[1:] == par[:-1]) & (day[1:] == day[:-1])
        keep &= ~same
        par, day, isam, dqa, dta, dset, dval, akind = (
            x[keep] for x in (par, day, isam, dqa, dta, dset, dval, akind)
        )
        first = group_first(par)
        qty = np.maximum(1, _gcum(dqa, first))
        tier = np.clip(_gcum(dta, first), 0, MAX_TIER[fam[par]])
        disc = dval[np.maximum.accumulate(np.where(dset, np.arange(len(par)), 0))]
        last = group_last(par)
        valid_to = np.where(last, end[par], np.append(day[1:], 0))
        outcome = np.where(early, 2, np.where(lapse, 1, np.where(decided, 0, 3)))
        request = np.where(
            early, cancel_day - rng.integers(0, 31, m), e - rng.integers(10, 61, m)
        )
        request = np.maximum(request, ts)
        vers.append(
            Versions(
                sub=sub[par],
                cust=cust[par],
                fam=fam[par],
                tier=tier,
                interval=cur.interval[par],
                qty=qty,
                disc=disc,
                uplift=cur.uplift[par],
                valid_from=day,
                valid_to=valid_to,
                contract_end=e[par],
                anchor=ts[par],
                kind=np.where(isam, 1, cur.kind[par]),
                amend=akind,
                last_in_term=last,
                outcome=outcome[par],
                request=request[par],
            )
        )
        li = np.flatnonzero(last)
        l_qty, l_tier, l_disc = qty[li], tier[li], disc[li]
        gap = np.where(
            rng.random(m) < LATE_RENEWAL_SHARE,
            rng.integers(1, RENEWAL_GRACE_DAYS + 1, m),
            0,
        )
        # next term (renewal) state
        uplift = cur.uplift * np.where(
            rng.random(m) < 0.6, rng.uniform(1.02, 1.08, m), 1.0
        )
        n_qty = np.where(
            rng.random(m) < 0.3,
            np.maximum(1, np.rint(l_qty * rng.uniform(0.8, 1.3, m))).astype(np.int64),
            l_qty,
        )
        n_disc = np.where(
            rng.random(m) < 0.2,
            np.clip(l_disc + rng.choice([-500, 0, 500], m), 0, 4000),
            l_disc,
        )
        u = rng.random(m)
        interval = cur.interval
        n_int = np.where(
            (u < 0.05) & (interval == 1),
            12,
            np.where((u < 0.05) & (interval == 12), 1, interval),
        )
        n_int = np.where((u < 0.05) & (interval == 3), 12, n_int)
        l_mrr = mrr_cents(c, cust, fam, l_tier, interval, l_qty, l_disc, cur.uplift)
        nx_mrr = mrr_cents(c, cust, fam, l_tier, n_int, n_qty, n_disc, uplift)
        terms.append(
            Terms(
                sub=sub,
                cust=cust,
                fam=fam,
                start=ts,
                contract_end=e,
                end=end,
                outcome=outcome,
                request=request,
                gap=gap,
                last_mrr=l_mrr,
                next_mrr=nx_mrr,
                detractor=f_dec.detractor | (early & f_mid.detractor),
                urgent=np.where(early, f_mid.urgent, f_dec.urgent),
                late=f_dec.late,
                dh=np.where(early, f_mid.dh, f_dec.dh),
                first_kind=cur.kind,
            )
        )
        nxt = (outcome == 0) & (e + gap <= p.horizon)
        cur = Starts(
            sub=sub[nxt],
            cust=cust[nxt],
            fam=fam[nxt],
            tier=l_tier[nxt],
            interval=n_int[nxt],
            qty=n_qty[nxt],
            disc=n_disc[nxt],
            uplift=uplift[nxt],
            start=(e + gap)[nxt],
            term_months=np.full(int(nxt.sum()), 12),
            kind=np.full(int(nxt.sum()), 2),
        )
        if not len(cur.sub):
            break
    return Versions.concat(vers), Terms.concat(terms)


def build_lifecycle(p: Params, model: ChurnModel) -> Lifecycle:
    """Every customer's subscriptions: core, addons and come-backs, simulated
    term by term, cut at what the systems know on the as-of date."""
    rng = stage_rng(p.seed, "lifecycle")
    c = model.c
    n = c.n
    core = Starts(
        sub=np.arange(n),
        cust=np.arange(n),
        fam=np.zeros(n, dtype=np.int64),
        tier=c.tier,
        interval=c.interval,
        qty=c.seats,
        disc=c.base_disc,
        uplift=np.ones(n),
        start=c.start,
        term_months=c.first_term,
        kind=np.zeros(n, dtype=np.int64),
    )
    v, t = simulate(p, model, core, rng)
    # addon subscriptions, started while the core subscription is in force
    pa_ = np.array([0.15, 0.35, 0.5])[c.seg]
    cand = np.flatnonzero((rng.random(n) < pa_) & ~c.after)
    a_start = c.start[cand] + rng.integers(30, 541, len(cand))
    ok = a_start <= p.as_of
    cand, a_start = cand[ok], a_start[ok]
    o = np.lexsort((v.valid_from, v.sub))
    vkey = v.sub[o] * KEY_SPAN * 64 + v.valid_from[o]
    i = np.searchsorted(vkey, cand * KEY_SPAN * 64 + a_start, side="right") - 1
    i0 = np.maximum(i, 0)
    alive = (i >= 0) & (v.sub[o][i0] == cand) & (v.valid_to[o][i0] > a_start)
    cand, a_start = cand[alive], a_start[alive]
    na = len(cand)
    addon = Starts(
        sub=n + np.arange(na),
        cust=cand,
        fam=np.ones(na, dtype=np.int64),
        tier=choose(rng, na, [0.6, 0.4]),
        interval=c.interval[cand],
        qty=np.maximum(1, np.rint(c.seats[cand] * rng.uniform(0.3, 1.0, na))).astype(
            np.int64
        ),
        disc=np.zeros(na, dtype=np.int64),
        uplift=np.ones(na),
        start=a_start,
        term_months=np.full(na, 12),
        kind=np.zeros(na, dtype=np.int64),
    )
    va, ta = simulate(p, model, addon, rng)
    v, t = Versions.concat([v, va]), Terms.concat([t, ta])
    # come-backs: customers whose every subscription ended return 2-10 months later
    sub_end = np.full(n + na, -1, dtype=np.int64)
    sub_alive = np.zeros(n + na, dtype=bool)
    ended = np.isin(t.outcome, (1, 2))
    o = np.lexsort((t.start, t.sub))
    last_t = o[group_last(t.sub[o])]
    sub_end[t.sub[last_t]] = np.where(ended[last_t], t.end[last_t], INF)
    sub_alive[t.sub[last_t]] = ~ended[last_t]
    sub_cust = np.concatenate([np.arange(n), cand])
    cust_end = np.full(n, -1, dtype=np.int64)
    np.maximum.at(cust_end, sub_cust, sub_end)
    cust_alive = np.zeros(n, dtype=bool)
    np.logical_or.at(cust_alive, sub_cust, sub_alive)
    gap = rng.integers(WINBACK_GAP_DAYS[0], WINBACK_GAP_DAYS[1] + 1, n)
    wb = (
        ~cust_alive
        & (cust_end > 0)
        & (cust_end + gap <= p.as_of)
        & (rng.random(n) < WINBACK_RATE)
    )
    wc = np.flatnonzero(wb)
    same_sub = rng.random(len(wc)) < 0.35
    # last core version state of each come-back customer
    core_v = v.fam == 0
    oc = np.flatnonzero(core_v)[np.lexsort((v.valid_from[core_v], v.sub[core_v]))]
    last_core = oc[group_last(v.sub[oc])]
    lc = np.full(n, -1)
    lc[v.sub[last_core]] = last_core
    li = lc[wc]
    # a comeback on the old subscription starts a new term after the old one ended
    wb_start = cust_end[wc] + gap[wc]
    same_sub &= np.maximum(wb_start, v.contract_end[li] + 31) <= p.as_of
    wb_start = np.where(
        same_sub, np.maximum(wb_start, v.contract_end[li] + 31), wb_start
    )
    nw = len(wc)
    wbst = Starts(
        sub=np.where(same_sub, wc, n + na + np.arange(nw)),
        cust=wc,
        fam=np.zeros(nw, dtype=np.int64),
        tier=v.tier[li],
        interval=v.interval[li],
        qty=np.maximum(1, np.rint(v.qty[li] * rng.uniform(0.7, 1.1, nw))).astype(
            np.int64
        ),
        disc=np.zeros(nw, dtype=np.int64),
        uplift=v.uplift[li],
        start=wb_start,
        term_months=np.full(nw, 12),
        kind=np.full(nw, 3),
    )
    vw, tw = simulate(p, model, wbst, rng)
    v, t = Versions.concat([v, vw]), Terms.concat([t, tw])
    known, scheduled = apply_cutoff(p, c, v)
    return Lifecycle(
        versions=known,
        terms=t,
        n_subs=n + na + nw,
        winbacks={
            "new_subscription": int((~same_sub).sum()),
            "same_subscription": int(same_sub.sum()),
        },
        addon_subscriptions=na,
        scheduled_amendments=scheduled,
    )


def apply_cutoff(p: Params, c: Customers, v: Versions) -> tuple[Versions, int]:
    """What the systems know on the as-of date: no future versions but planted ones.

    Returns the versions known (by subscription, then start) and how many of
    them are amendments scheduled after the as-of date.
    """
    rng = stage_rng(p.seed, "cutoff")
    o = np.lexsort((v.valid_from, v.sub))
    v = v.take(o)
    nv = len(o)
    sub = v.sub
    vf = v.valid_from
    first = group_first(sub)
    prev_ok = np.zeros(nv, dtype=bool)
    prev_ok[1:] = (sub[1:] == sub[:-1]) & (vf[:-1] <= p.as_of)
    scheduled = (
        (v.kind == 1)
        & (vf > p.as_of)
        & (vf <= p.as_of + 30)
        & prev_ok
        & (rng.random(nv) < 0.3)
    )
    after_cust = c.after[v.cust] & first
    keep = (vf <= p.as_of) | scheduled | after_cust
    succ_kept = np.zeros(nv, dtype=bool)
    succ_kept[:-1] = (sub[1:] == sub[:-1]) & keep[1:]
    vt = v.valid_to
    known_end = v.last_in_term & np.isin(v.outcome, (1, 2)) & (v.request <= p.as_of)
    vt = np.where(succ_kept | (vt <= p.as_of) | known_end, vt, INF)
    return dataclasses.replace(v, valid_to=vt).take(keep), int(scheduled.sum())


def build_subscriptions(
    p: Params, c: Customers, life: Lifecycle
) -> tuple[Frame, SubscriptionIds]:
    """The ``billing_subscriptions`` table, and the ids of subscriptions and
    versions (by customer, then start)."""
    rng = stage_rng(p.seed, "subscriptions")
    v = life.versions
    sub = v.sub
    first = group_first(sub)
    lastm = group_last(sub)
    s_ids = sub[first]
    s_first = v.valid_from[first]
    s_last_to = v.valid_to[lastm]
    s_cust = v.cust[first]
    in_force_now = np.zeros(life.n_subs, dtype=bool)
    nowf = (v.valid_from <= p.as_of) & (v.valid_to > p.as_of)
    in_force_now[sub[nowf]] = True
    # ids: by customer, then start
    sid = rank_ids(s_cust, s_first, s_ids)
    by_sub = np.zeros(life.n_subs, dtype=np.int64)
    by_sub[s_ids] = sid
    of_version = by_sub[sub]
    ids = SubscriptionIds(by_sub, of_version, rank_ids(of_version, v.valid_from))
    ns = len(s_ids)
    live = in_force_now[s_ids]
    future = s_first > p.as_of
    req = v.request[lastm]
    # in a late renewal's gap on the as-of date: renewal expected, not canceled
    pending = ~live & ~future & (v.outcome[lastm] == 0)
    status = np.where(live | future, 0, np.where(pending, 2, 1))
    status = np.where(live & c.late_payer[s_cust] & (rng.random(ns) < 0.4), 2, status)
    status = np.where(live & (status == 0) & (rng.random(ns) < 0.01), 3, status)
    ended = ~live & ~future & ~pending
    sched = live & (s_last_to < INF)
    cancel_day = np.where(
        ended, np.minimum(np.where(req <= p.as_of, req, s_last_to), s_last_to), req
    )
    canceled_at = cancel_day * DAY + rng.integers(8 * 3600, 19 * 3600, ns)
    ar = np.where(rng.random(ns) < 0.93, 1, 0)
    auto_null = rng.random(ns) < 0.05
    ar = np.where(ended | sched, 0, ar)
    created = np.maximum(
        s_first * DAY + rng.integers(8 * 3600, 18 * 3600, ns), c.created[s_cust] + 300
    )
    table = Frame(
        {
            "subscription_id": sid,
            "customer_id": s_cust + 1,
            "created_at": created,
            "status": status,
            "canceled_at": canceled_at,
            "auto_renew": ar.astype(bool),
        },
        {"canceled_at": ~(ended | sched), "auto_renew": auto_null & ~(ended | sched)},
    )
    return table, ids


def price_versions(c: Customers, v: Versions) -> VersionPrices:
    """Each version's unit price (as written) and native MRR."""
    price4 = unit_price4(c, v.cust, v.fam, v.tier, v.interval, v.uplift)
    return VersionPrices(price4, monthly(v.qty, price4, v.disc, v.interval))
