"""What customers show before they churn: NPS answers and support tickets
drawn from their latent health, the churn model over the signals observable
at a decision day, and the latent signals export (``--latent-out``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from cvm.generate.core import Arrays, Params, expand, month_no, sigmoid, stage_rng
from cvm.generate.customers import Accounts, Customers, Health

SEG_CHURN_OFFSET = np.array([0.35, 0.0, -0.6])


@dataclass(frozen=True)
class NpsAnswers(Arrays):
    """One element per NPS answer, by customer then day."""

    cust: np.ndarray
    day: np.ndarray
    score: np.ndarray
    sec: np.ndarray  # second of the day it was given


@dataclass(frozen=True)
class Tickets(Arrays):
    """One element per support ticket, by customer then day."""

    cust: np.ndarray
    day: np.ndarray
    prio: np.ndarray  # 0 low, 1 normal, 2 high, 3 urgent
    h: np.ndarray  # the customer's health that day


@dataclass(frozen=True)
class Signals:
    nps: NpsAnswers
    tickets: Tickets


def build_signals(p: Params, c: Customers, health: Health, acc: Accounts) -> Signals:
    """NPS answers and support tickets over each customer's potential lifetime."""
    rng = stage_rng(p.seed, "signals")
    has = (acc.event_acc >= 0) & (c.start <= p.as_of)
    # NPS survey waves every ~6 months from 75 days after start
    first = c.start + 75
    waves = np.where(has & (first <= p.as_of), (p.as_of - first) // 182 + 1, 0)
    par, k = expand(waves)
    day = np.minimum(first[par] + 182 * k + rng.integers(-10, 11, len(par)), p.as_of)
    resp = rng.random(len(par)) < np.array([0.4, 0.5, 0.6])[c.seg[par]]
    par, day = par[resp], day[resp]
    h = health.at(par, day)
    score = np.clip(
        np.rint(7.4 + 1.8 * h + rng.normal(0.0, 1.3, len(par))), 0, 10
    ).astype(np.int64)
    o = np.lexsort((day, par))
    nps = NpsAnswers(
        par[o], day[o], score[o], rng.integers(8 * 3600, 20 * 3600, len(o))
    )
    # tickets: Poisson per customer-month
    m0 = month_no(c.start) - health.base_month
    m1 = month_no(np.array([p.as_of]))[0] - health.base_month
    months = np.where(has, m1 - m0 + 1, 0)
    cm, k = expand(months)
    mi = m0[cm] + k
    hm = health.H[cm, mi]
    rate = np.array([0.12, 0.35, 0.9])[c.seg[cm]] * np.exp(-0.5 * hm)
    cnt = rng.poisson(rate)
    tp, _ = expand(cnt)
    cust = cm[tp]
    ms = health.ms
    mstart, mlen = ms[mi[tp]], ms[mi[tp] + 1] - ms[mi[tp]]
    day = mstart + np.floor(rng.random(len(tp)) * mlen).astype(np.int64)
    day = np.clip(day, c.start[cust], p.as_of)
    h = health.at(cust, day)
    p_urg = sigmoid(-3.0 - 1.1 * h)
    u = rng.random(len(tp))
    prio = np.where(
        u < p_urg, 3, np.where(u < p_urg + 0.18, 2, np.where(u < p_urg + 0.4, 0, 1))
    )
    o = np.lexsort((day, cust))
    return Signals(nps, Tickets(cust[o], day[o], prio[o], h[o]))


@dataclass(frozen=True)
class Features(Arrays):
    """The signals a customer shows at a decision day."""

    h: np.ndarray  # latent health
    dh: np.ndarray  # its change over 91 days
    detractor: np.ndarray  # last NPS answer within 365 days 0-6
    promoter: np.ndarray  # ... 9-10
    urgent: np.ndarray  # urgent tickets in the past 180 days
    late: np.ndarray  # chronic late payer


class ChurnModel:
    """The churn probability at a decision point, from observable signals."""

    def __init__(
        self, p: Params, c: Customers, health: Health, signals: Signals
    ) -> None:
        self.p, self.c, self.health = p, c, health
        self.nps = signals.nps
        self.nps_key = p.event_key(signals.nps.cust, signals.nps.day)
        urgent = signals.tickets.take(signals.tickets.prio == 3)
        self.urgent_key = p.event_key(urgent.cust, urgent.day)

    def features(self, cust: np.ndarray, day: np.ndarray) -> Features:
        """The signals at a decision day (all observable in the data)."""
        h = self.health.at(cust, day)
        dh = h - self.health.at(cust, day - 91)
        key = self.p.event_key(cust, day)
        nps_key, nps = self.nps_key, self.nps
        i = np.searchsorted(nps_key, key, side="right") - 1
        i0 = np.maximum(i, 0)
        ok = (i >= 0) & (len(nps_key) > 0)
        if len(nps_key):
            ok &= (nps.cust[i0] == cust) & (day - nps.day[i0] <= 365)
            score = np.where(ok, nps.score[i0], -1)
        else:
            score = np.full(len(cust), -1)
        urg = np.searchsorted(self.urgent_key, key, side="right") - np.searchsorted(
            self.urgent_key, self.p.event_key(cust, day - 180), side="right"
        )
        return Features(
            h=h,
            dh=dh,
            detractor=ok & (score <= 6),
            promoter=ok & (score >= 9),
            urgent=urg,
            late=self.c.late_payer[cust],
        )

    def logit(self, cust: np.ndarray, fam: np.ndarray, f: Features) -> np.ndarray:
        return (
            -2.5
            - 0.9 * f.h
            - 1.8 * f.dh
            + 1.1 * f.detractor
            - 0.5 * f.promoter
            + 0.45 * np.minimum(f.urgent, 3)
            + 1.3 * f.late
            + SEG_CHURN_OFFSET[self.c.seg[cust]]
            + 0.7 * (fam == 1)
        )


def latent_signals(
    p: Params, c: Customers, health: Health, model: ChurnModel, id_width: int
) -> pa.Table:
    """The signals churn was drawn from, per customer and month end.

    One row per customer and month of history from the customer's first month
    (the month's last day, or the as-of date): latent health, its 3-month
    trend, detractor / promoter (last NPS answer within 365 days), urgent
    tickets in the past 180 days, the chronic late-payer flag, the segment's
    churn offset and the churn logit without the product-family term (the
    inputs of ``ChurnModel.logit``).
    """
    g = p.months
    ends = np.minimum(health.ms[1 : g + 1] - 1, p.as_of)
    starts = health.ms[:g]
    cust = np.repeat(np.arange(c.n), g)
    day = np.tile(ends, c.n)
    keep = (c.start[cust] <= day) & ~c.is_test[cust]
    cust, day, mstart = cust[keep], day[keep], np.tile(starts, c.n)[keep]
    f = model.features(cust, day)
    seg_offset = SEG_CHURN_OFFSET[c.seg[cust]]
    logit = model.logit(cust, np.zeros(len(cust), dtype=np.int64), f)
    ids = np.char.add("cus_", np.char.zfill((cust + 1).astype(str), id_width))
    return pa.table(
        {
            "customer_id": pa.array(ids, pa.string()),
            "month_start": pa.array(mstart.astype("datetime64[D]")),
            "observed_on": pa.array(day.astype("datetime64[D]")),
            "health": pa.array(f.h.astype(np.float64)),
            "health_trend_3m": pa.array(f.dh.astype(np.float64)),
            "is_detractor": pa.array(f.detractor),
            "is_promoter": pa.array(f.promoter),
            "urgent_tickets_180d": pa.array(f.urgent.astype(np.int64)),
            "is_late_payer": pa.array(f.late),
            "segment_churn_offset": pa.array(seg_offset.astype(np.float64)),
            "churn_logit": pa.array(logit.astype(np.float64)),
        }
    )
