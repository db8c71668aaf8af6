"""CRM: accounts (with referrals that converted), contacts, NPS answers,
referrals, support tickets, activities, feedback, opportunities and
cancellations, all following the customers' subscriptions and signals."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from cvm.generate.core import (
    DAY,
    INF,
    Arrays,
    Frame,
    Params,
    choose,
    expand,
    month_no,
    pick,
    rank_ids,
    sigmoid,
    stage_rng,
    working_hours,
)
from cvm.generate.customers import Accounts, Customers, Health
from cvm.generate.signals import NpsAnswers, Signals
from cvm.generate.spec import BASE_RATE, JOB_TITLES
from cvm.generate.subscriptions import (
    Lifecycle,
    SubscriptionIds,
    VersionPrices,
    Versions,
)
from cvm.generate.writer import Writer

WON_REASONS = [0.35, 0.15, 0.1, 0.15, 0.2, 0.05, 0.0, 0.0, 0.0]


@dataclass(frozen=True)
class Spans:
    """Per customer: first day with a version, last valid_to (-1: none)."""

    first: np.ndarray
    last: np.ndarray


@dataclass(frozen=True)
class Referrals(Arrays):
    """One element per referral, in order of the day it was made."""

    referrer: np.ndarray  # account index
    referred_account: np.ndarray  # account index, -1 if not converted
    company_seed: np.ndarray
    at: np.ndarray  # seconds
    status: np.ndarray


def customer_spans(n: int, v: Versions) -> Spans:
    """When each customer had a subscription version."""
    first = np.full(n, INF, dtype=np.int64)
    np.minimum.at(first, v.cust, v.valid_from)
    last = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last, v.cust, v.valid_to)
    return Spans(first, last)


def observed(p: Params, signals: Signals, spans: Spans) -> Signals:
    """The signals the CRM holds: none later than 14 days after a customer left."""
    limit = np.minimum(p.as_of, spans.last + 14)
    nps, tk = signals.nps, signals.tickets
    return Signals(
        nps.take(nps.day <= limit[nps.cust]), tk.take(tk.day <= limit[tk.cust])
    )


def build_referrals(
    p: Params, c: Customers, accounts: Accounts, nps: NpsAnswers
) -> tuple[Accounts, Referrals, int]:
    """Referrals follow NPS answers (promoters refer most); some convert to accounts.

    Returns the accounts with the converted referrals' channel, referrer and
    creation time, the referrals, and how many converted.
    """
    rng = stage_rng(p.seed, "referrals")
    s = nps.score
    lam = np.where(s >= 9, 0.35, np.where(s >= 7, 0.08, 0.02))
    par, _ = expand(rng.poisson(lam))
    r_cust = nps.cust[par]
    r_day = nps.day[par] + rng.integers(1, 46, len(par))
    keep = r_day <= p.as_of
    r_cust, r_day = r_cust[keep], r_day[keep]
    o = np.argsort(r_day, kind="stable")
    r_cust, r_day = r_cust[o], r_day[o]
    nr = len(r_cust)
    status = choose(rng, nr, [0.3, 0.3, 0.0, 0.4])
    status[r_day > p.as_of - 21] = 0
    want = (rng.random(nr) < 0.35) & (r_day <= p.as_of - 30)
    elig = (
        (c.crm_cat == 0)
        & ~c.is_test
        & ~c.founding
        & ~c.after
        & (c.created // DAY >= p.history_start + 45)
    )
    cands = np.flatnonzero(elig)
    cand_day = c.created[cands] // DAY
    ci = np.flatnonzero(want)
    target = r_day[ci] + rng.integers(7, 61, len(ci))
    o = np.argsort(target, kind="stable")
    ci, target = ci[o], target[o]
    nc = len(ci)
    pos = np.searchsorted(cand_day, target, side="left")
    slot = np.arange(nc) + np.maximum.accumulate(pos - np.arange(nc)) if nc else pos
    valid = slot < len(cands)
    slot0 = np.minimum(slot, max(len(cands) - 1, 0))
    if len(cands):
        valid &= cand_day[slot0] - target <= 90
    else:
        valid &= False
    conv = ci[valid]
    referee = cands[slot0[valid]]
    status[ci] = 1
    status[conv] = 2
    ref_acc = np.full(nr, -1)
    ref_acc[conv] = accounts.event_acc[referee]
    acc = accounts.event_acc[referee]
    channel, null_channel = accounts.channel.copy(), accounts.null_channel.copy()
    referred_by, created = accounts.referred_by.copy(), accounts.created.copy()
    channel[acc] = 0
    null_channel[acc] = False
    referred_by[acc] = accounts.event_acc[r_cust[conv]]
    t0 = r_day[conv] * DAY + DAY
    created[acc] = t0 + (
        rng.uniform(0.2, 0.8, len(acc)) * (c.created[referee] - t0)
    ).astype(np.int64)
    company = rng.integers(0, 2**31, nr)
    company[conv] = accounts.name_seed[acc]
    referrals = Referrals(
        referrer=accounts.event_acc[r_cust],
        referred_account=ref_acc,
        company_seed=company,
        at=working_hours(rng, r_day),
        status=status,
    )
    converted = dataclasses.replace(
        accounts,
        channel=channel,
        null_channel=null_channel,
        referred_by=referred_by,
        created=created,
    )
    return converted, referrals, len(conv)


def account_ids(accounts: Accounts) -> np.ndarray:
    """Account ids as written: in order of creation."""
    return rank_ids(accounts.created, np.arange(len(accounts.cust)))


def build_crm(
    p: Params,
    c: Customers,
    health: Health,
    accounts: Accounts,
    acc_id: np.ndarray,
    signals: Signals,
    spans: Spans,
    referrals: Referrals,
    life: Lifecycle,
    ids: SubscriptionIds,
    prices: VersionPrices,
    wr: Writer,
) -> int:
    """Accounts, contacts, NPS answers, referrals, tickets, activities,
    feedback, opportunities and cancellations; returns how many cancellations
    carry a reason."""
    rng = stage_rng(p.seed, "crm")
    end = p.extract_end
    nps, tk = signals.nps, signals.tickets
    # accounts
    na = len(accounts.cust)
    wr.set_width("acc", na)
    linked = accounts.cust >= 0
    ref_by = accounts.referred_by
    wr.write(
        "crm_accounts",
        Frame(
            {
                "account_id": acc_id,
                "name_seed": accounts.name_seed,
                "billing_customer_id": np.where(linked, accounts.cust + 1, 0),
                "segment": accounts.seg,
                "industry": accounts.industry,
                "region": accounts.region,
                "country_code": accounts.country,
                "acquisition_channel": accounts.channel,
                "referred_by_account_id": np.where(ref_by >= 0, acc_id[ref_by], 0),
                "created_at": accounts.created,
                "is_deleted": accounts.deleted,
            },
            {
                "billing_customer_id": ~linked,
                "industry": accounts.null_industry,
                "region": accounts.null_region,
                "country_code": accounts.null_country,
                "acquisition_channel": accounts.null_channel,
                "referred_by_account_id": ref_by < 0,
            },
        ),
    )
    # contacts
    seg = np.where(linked, c.seg[np.maximum(accounts.cust, 0)], 0)
    lo = np.where(linked, np.array([1, 2, 3])[seg], 1)
    hi = np.where(linked, np.array([3, 5, 8])[seg], 3)
    cnt = rng.integers(lo, hi)
    par, pos = expand(cnt)
    nc = len(par)
    c_created = accounts.created[par] + np.where(
        pos == 0, rng.integers(0, 3 * DAY, nc), rng.integers(DAY, 400 * DAY, nc)
    )
    c_created = np.maximum(np.minimum(c_created, end), accounts.created[par])
    c_id = rank_ids(acc_id[par], pos)
    wr.set_width("con", nc)
    first_contact = np.zeros(na, dtype=np.int64)
    first_contact[par[pos == 0]] = c_id[pos == 0]
    wr.write(
        "crm_contacts",
        Frame(
            {
                "contact_id": c_id,
                "account_id": acc_id[par],
                "person_seed": rng.integers(0, 2**31, nc),
                "company_seed": accounts.name_seed[par],
                "email": np.zeros(nc),
                "full_name": np.zeros(nc),
                "phone": np.zeros(nc),
                "job_title": rng.integers(0, len(JOB_TITLES), nc),
                "created_at": c_created,
            },
            {
                "email": rng.random(nc) < 0.05,
                "full_name": rng.random(nc) < 0.03,
                "phone": rng.random(nc) < 0.4,
                "job_title": rng.random(nc) < 0.15,
            },
        ),
    )
    del par, pos, c_created, c_id
    # NPS responses
    nn = len(nps.cust)
    acc = accounts.event_acc[nps.cust]
    s = nps.score
    grp = np.where(s >= 9, 2, np.where(s >= 7, 1, 0))
    wr_p = np.array([0.1, 0.5, 0.9])[grp]
    would = rng.random(nn) < wr_p
    would_null = rng.random(nn) < 0.1
    reason_w = np.array(
        [
            [0.1, 0.5, 0.05, 0.05, 0.2, 0.1],
            [0.4, 0.1, 0.15, 0.2, 0.05, 0.1],
            [0.5, 0.0, 0.3, 0.1, 0.0, 0.1],
        ]
    )
    reason = pick(rng, reason_w[grp])
    reason_null = would | (would_null & (rng.random(nn) < 0.5))
    comment_sets = [[3, 4, 6, 10], [1, 5, 9, 11, 6], [0, 1, 2, 9, 11]]
    comment = np.zeros(nn, dtype=np.int64)
    for g, cs in enumerate(comment_sets):
        sel = grp == g
        comment[sel] = rng.choice(cs, int(sel.sum()))
    comment = np.where(rng.random(nn) < 0.03, rng.choice([7, 8], nn), comment)
    at = nps.day * DAY + nps.sec
    contact = first_contact[acc]
    wr.set_width("nps", nn)
    wr.write(
        "crm_nps_responses",
        Frame(
            {
                "response_id": rank_ids(at, np.arange(nn)),
                "account_id": acc_id[acc],
                "contact_id": contact,
                "responded_at": at,
                "score": s,
                "would_refer": would,
                "not_referring_reason": reason,
                "comment": comment,
            },
            {
                "contact_id": (contact == 0) | (rng.random(nn) < 0.2),
                "would_refer": would_null,
                "not_referring_reason": reason_null,
                "comment": rng.random(nn) < 0.6,
            },
        ),
    )
    # referrals
    rf = referrals
    nr = len(rf.at)
    wr.set_width("ref", nr)
    wr.write(
        "crm_referrals",
        Frame(
            {
                "referral_id": rank_ids(rf.at, np.arange(nr)),
                "referrer_account_id": acc_id[rf.referrer],
                "company_seed": rf.company_seed,
                "referred_company": np.zeros(nr),
                "referred_account_id": np.where(
                    rf.referred_account >= 0, acc_id[rf.referred_account], 0
                ),
                "referred_at": rf.at,
                "status": rf.status,
            },
            {"referred_account_id": rf.referred_account < 0},
        ),
    )
    # support tickets
    nt = len(tk.cust)
    opened = working_hours(rng, tk.day, 0, 24)
    hours = np.array([96, 48, 24, 6])[tk.prio]
    closed = opened + (rng.exponential(1.0, nt) * hours * 3600).astype(np.int64) + 600
    still_open = (closed > end) | (rng.random(nt) < 0.01)
    cat_w = np.array(
        [
            [0.15, 0.1, 0.35, 0.0, 0.4],
            [0.2, 0.25, 0.3, 0.05, 0.2],
            [0.15, 0.4, 0.15, 0.2, 0.1],
            [0.1, 0.35, 0.05, 0.45, 0.05],
        ]
    )
    category = pick(rng, cat_w[tk.prio])
    csat = np.clip(
        np.rint(4.0 + 0.7 * tk.h - 0.5 * (tk.prio == 3) + rng.normal(0, 0.8, nt)),
        1,
        5,
    ).astype(np.int64)
    wr.set_width("tkt", nt)
    wr.write(
        "crm_support_tickets",
        Frame(
            {
                "ticket_id": rank_ids(opened, np.arange(nt)),
                "account_id": acc_id[accounts.event_acc[tk.cust]],
                "opened_at": opened,
                "closed_at": closed,
                "priority": tk.prio,
                "category": category,
                "csat_score": csat,
            },
            {
                "closed_at": still_open,
                "category": rng.random(nt) < 0.05,
                "csat_score": still_open | (rng.random(nt) < 0.45),
            },
        ),
    )
    del opened, closed, category, csat
    build_activities(p, c, health, accounts, acc_id, spans, life.versions, wr, rng)
    return build_deals(p, c, accounts, acc_id, life, ids, prices, wr, rng)


def _customer_months(
    p: Params, health: Health, accounts: Accounts, spans: Spans
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(customer, month index, first day, last day) of each month a customer is live."""
    has = (accounts.event_acc >= 0) & (spans.first <= p.as_of)
    last = np.minimum(spans.last, p.as_of)
    m0 = month_no(np.minimum(spans.first, p.as_of)) - health.base_month
    m1 = month_no(last) - health.base_month
    cm, k = expand(np.where(has, m1 - m0 + 1, 0))
    mi = m0[cm] + k
    lo = np.maximum(health.ms[mi], spans.first[cm])
    hi = np.minimum(health.ms[mi + 1] - 1, last[cm])
    return cm, mi, lo, hi


def build_activities(
    p: Params,
    c: Customers,
    health: Health,
    accounts: Accounts,
    acc_id: np.ndarray,
    spans: Spans,
    v: Versions,
    wr: Writer,
    rng: np.random.Generator,
) -> None:
    """Activities (everyday work, business reviews, onboarding) and feedback."""
    cm, mi, lo, hi = _customer_months(p, health, accounts, spans)
    seg = c.seg[cm]
    # everyday work
    cnt = rng.poisson(np.array([0.15, 0.6, 2.0])[seg])
    par, _ = expand(cnt)
    n1 = len(par)
    day1 = lo[par] + np.floor(rng.random(n1) * (hi[par] - lo[par] + 1)).astype(np.int64)
    typ1 = np.array([0, 1, 2, 5])[choose(rng, n1, [0.4, 0.4, 0.15, 0.05])]
    # business reviews (quarterly, larger accounts)
    m0 = month_no(np.minimum(spans.first, p.as_of)) - health.base_month
    br_p = np.array([0.0, 0.5, 0.9])[seg]
    brv = np.flatnonzero(((mi - m0[cm]) % 3 == 2) & (rng.random(len(cm)) < br_p))
    day2 = lo[brv] + np.floor(rng.random(len(brv)) * (hi[brv] - lo[brv] + 1)).astype(
        np.int64
    )
    # onboarding sessions after each new start
    st = np.flatnonzero(
        (v.fam == 0)
        & np.isin(v.kind, (0, 3))
        & (v.valid_from <= p.as_of)
        & (accounts.event_acc[v.cust] >= 0)
        & (rng.random(len(v.cust)) < 0.8)
    )
    op, _ = expand(np.array([1, 2, 3])[c.seg[v.cust[st]]])
    ob = st[op]
    day3 = np.minimum(v.valid_from[ob] + rng.integers(0, 31, len(ob)), p.as_of)
    cust = np.concatenate([cm[par], cm[brv], v.cust[ob]])
    day = np.concatenate([day1, day2, day3])
    typ = np.concatenate([typ1, np.full(len(brv), 3), np.full(len(ob), 4)])
    n = len(cust)
    dur_lo = np.array([5, 2, 20, 45, 45, 60])[typ]
    dur_hi = np.array([45, 15, 60, 90, 120, 180])[typ]
    dur = rng.integers(dur_lo, dur_hi + 1)
    dur_null = (rng.random(n) < 0.03) | ((typ == 1) & (rng.random(n) < 0.7))
    at = working_hours(rng, day)
    wr.set_width("act", n)
    wr.write(
        "crm_activities",
        Frame(
            {
                "activity_id": rank_ids(at, np.arange(n)),
                "account_id": acc_id[accounts.event_acc[cust]],
                "activity_type": typ,
                "occurred_at": at,
                "duration_minutes": dur,
            },
            {"duration_minutes": dur_null},
        ),
    )
    del cust, day, typ, at, dur
    # feedback
    cnt = rng.poisson(0.02 * np.array([1.0, 1.5, 3.0])[seg])
    par, _ = expand(cnt)
    nf = len(par)
    fc = cm[par]
    day = lo[par] + np.floor(rng.random(nf) * (hi[par] - lo[par] + 1)).astype(np.int64)
    h = health.at(fc, day)
    good = np.array([0.2, 0.05, 0.25, 0.1, 0.15, 0.15, 0.1])
    bad = np.array([0.35, 0.4, 0.15, 0.0, 0.0, 0.05, 0.05])
    ftype = pick(rng, np.where((h > 0.3)[:, None], good, bad))
    p_neg = sigmoid(-1.5 * h - 1.0)
    p_pos = sigmoid(1.5 * h)
    u = rng.random(nf)
    sent = np.where(u < p_neg, 2, np.where(u < p_neg + (1 - p_neg) * p_pos, 0, 1))
    at = working_hours(rng, day)
    wr.set_width("fb", nf)
    wr.write(
        "crm_feedback",
        Frame(
            {
                "feedback_id": rank_ids(at, np.arange(nf)),
                "account_id": acc_id[accounts.event_acc[fc]],
                "submitted_at": at,
                "feedback_type": ftype,
                "sentiment": sent,
            },
            {"sentiment": rng.random(nf) < 0.1},
        ),
    )


def build_deals(
    p: Params,
    c: Customers,
    accounts: Accounts,
    acc_id: np.ndarray,
    life: Lifecycle,
    ids: SubscriptionIds,
    prices: VersionPrices,
    wr: Writer,
    rng: np.random.Generator,
) -> int:
    """Opportunities (new business, renewals, expansions) and cancellations."""
    end = p.extract_end
    min_ts = (p.fx_start + 1) * DAY
    v, t = life.versions, life.terms
    parts: list[dict[str, np.ndarray]] = []

    def add(
        acc,
        sub_id,
        typ,
        created_day,
        close_day,
        won,
        lost_w,
        amount,
        currency,
        amt_null,
        decided=None,
    ):
        """Add opportunities; open unless decided and closed by the as-of date."""
        n = len(acc)
        created = np.maximum(working_hours(rng, created_day), min_ts)
        close_day = np.maximum(close_day, created // DAY)
        closed = close_day <= p.as_of
        if decided is not None:
            closed &= decided
        stage = np.where(closed & won, 1, np.where(closed & ~won, 2, 0))
        reason = np.where(
            won, pick(rng, np.tile(WON_REASONS, (n, 1))), pick(rng, lost_w)
        )
        keep = (created <= end) & (acc >= 0)
        parts.append(
            {
                "acc": acc[keep],
                "sub": sub_id[keep],
                "type": np.full(int(keep.sum()), typ),
                "stage": stage[keep],
                "amount": np.rint(amount[keep]).astype(np.int64),
                "currency": currency[keep],
                "amount_null": amt_null[keep],
                "created": created[keep],
                "close": close_day[keep],
                "reason": reason[keep],
            }
        )

    lost_base = np.array([0.3, 0.05, 1.0, 0.0, 0.0, 0.0, 1.0, 0.6, 0.3])
    # new business: each new or returning core start
    nb = np.flatnonzero((v.fam == 0) & np.isin(v.kind, (0, 3)))
    n = len(nb)
    vf = v.valid_from[nb]
    cust = v.cust[nb]
    add(
        accounts.event_acc[cust],
        np.zeros(n, dtype=np.int64),
        0,
        vf - rng.integers(14, 121, n),
        vf - rng.integers(0, 8, n),
        np.ones(n, dtype=bool),
        np.tile(lost_base, (n, 1)),
        12 * prices.mrr[nb],
        c.currency[cust],
        np.zeros(n, dtype=bool),
    )
    # renewals: one per contract end that is not an early termination
    sub_id = ids.by_sub[t.sub]
    ren = np.flatnonzero(
        (t.outcome != 2)
        & (sub_id > 0)
        & (rng.random(len(sub_id)) < np.array([0.45, 0.95, 0.95])[c.seg[t.cust]])
    )
    n = len(ren)
    e = t.contract_end[ren]
    oc = t.outcome[ren]
    close = np.where(
        oc == 0, e + t.gap[ren], np.where(oc == 1, e + rng.integers(0, 8, n), e)
    )
    decided = (oc <= 1) & (close <= p.as_of)
    close = np.where(decided, close, e)  # open: expected to close at contract end
    won = oc == 0
    lost_w = np.tile(lost_base, (n, 1))
    lost_w[:, 1] += 1.0 * np.minimum(t.urgent[ren], 3)
    lost_w[:, 2] += 1.0 * t.detractor[ren]
    lost_w[:, 7] += 1.5 * t.late[ren]
    lost_w[:, 0] += 2.0 * np.maximum(0.0, -t.dh[ren])
    cust = t.cust[ren]
    add(
        accounts.event_acc[cust],
        sub_id[ren],
        1,
        np.maximum(t.start[ren] + 1, e - 90),
        close,
        won,
        lost_w,
        12 * np.where(won, t.next_mrr[ren], t.last_mrr[ren]),
        c.currency[cust],
        np.zeros(n, dtype=bool),
        decided,
    )
    # expansions: amendments that raise MRR, and addon starts
    prev_same = np.zeros(len(v.sub), dtype=bool)
    prev_same[1:] = v.sub[1:] == v.sub[:-1]
    prev_mrr = np.where(prev_same, np.append(0.0, prices.mrr[:-1]), 0.0)
    gain = prices.mrr - prev_mrr
    ex = np.flatnonzero(
        ((v.kind == 1) & (gain > 0) & (rng.random(len(gain)) < 0.6))
        | ((v.fam == 1) & (v.kind == 0))
    )
    n = len(ex)
    vf = v.valid_from[ex]
    cust = v.cust[ex]
    add(
        accounts.event_acc[cust],
        ids.of_version[ex],
        2,
        vf - rng.integers(7, 46, n),
        vf,
        np.ones(n, dtype=bool),
        np.tile(lost_base, (n, 1)),
        12 * np.where(v.kind[ex] == 1, gain[ex], prices.mrr[ex]),
        c.currency[cust],
        np.zeros(n, dtype=bool),
    )
    # prospects
    pro = np.flatnonzero((accounts.cust < 0) & (rng.random(len(accounts.cust)) < 0.5))
    n = len(pro)
    cday = accounts.created[pro] // DAY + rng.integers(1, 61, n)
    pseg = accounts.seg[pro]
    usd = np.exp(
        rng.uniform(np.log([2e3, 15e3, 80e3])[pseg], np.log([15e3, 80e3, 5e5])[pseg])
    )
    pcur = np.array([0, 1, 4, 0])[accounts.region[pro]]
    add(
        pro,
        np.zeros(n, dtype=np.int64),
        0,
        cday,
        cday + rng.integers(30, 121, n),
        rng.random(n) < 0.0,
        np.tile(lost_base, (n, 1)),
        usd * 100 / BASE_RATE[pcur],
        pcur,
        rng.random(n) < 0.1,
    )
    o = {k: np.concatenate([x[k] for x in parts]) for k in parts[0]}
    n = len(o["acc"])
    stage = o["stage"]
    wr.set_width("opp", n)
    wr.write(
        "crm_opportunities",
        Frame(
            {
                "opportunity_id": rank_ids(o["created"], np.arange(n)),
                "account_id": acc_id[o["acc"]],
                "subscription_id": o["sub"],
                "opportunity_type": o["type"],
                "stage": stage,
                "amount": o["amount"],
                "currency": o["currency"],
                "created_at": o["created"],
                "close_date": o["close"],
                "reason_code": o["reason"],
            },
            {
                "subscription_id": o["sub"] == 0,
                "amount": o["amount_null"],
                "currency": o["amount_null"],
                "reason_code": stage == 0,
            },
        ),
    )
    # cancellations: most lapses and early terminations known by the as-of date
    sub_id = ids.by_sub[t.sub]
    cn = np.flatnonzero(
        np.isin(t.outcome, (1, 2))
        & (t.request <= p.as_of)
        & (accounts.event_acc[t.cust] >= 0)
        & (sub_id > 0)
        & (rng.random(len(sub_id)) < 0.85)
    )
    n = len(cn)
    rw = np.tile(np.array([1.0, 0.6, 0.7, 0.6, 0.25, 0.2, 0.3, 0.05, 0.3]), (n, 1))
    rw[:, 1] += 1.2 * t.detractor[cn]
    rw[:, 5] += 0.8 * np.minimum(t.urgent[cn], 3)
    rw[:, 6] += 4.0 * np.maximum(0.0, -t.dh[cn])
    rw[:, 7] += 2.5 * t.late[cn]
    reason = pick(rng, rw)
    detail = np.array([0, 4, 7, 1, 2, 5, 3, 6, 0])[reason]
    eff = t.end[cn] + np.where(rng.random(n) < 0.2, rng.integers(-3, 4, n), 0)
    req = working_hours(rng, t.request[cn])
    wr.set_width("can", n)
    wr.write(
        "crm_cancellations",
        Frame(
            {
                "cancellation_id": rank_ids(req, np.arange(n)),
                "account_id": acc_id[accounts.event_acc[t.cust[cn]]],
                "subscription_id": sub_id[cn],
                "requested_at": req,
                "effective_date": eff,
                "reason_code": reason,
                "reason_detail": detail,
            },
            {
                "subscription_id": rng.random(n) < 0.05,
                "reason_detail": rng.random(n) < 0.4,
            },
        ),
    )
    return n
