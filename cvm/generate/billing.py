"""Billing: customers, plans, subscription versions, invoices per billing
period (prorated, in advance) with their lines, payments (late payers pay
late, some fail first) and credit notes (returns, service credits)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cvm.generate.core import (
    DAY,
    INF,
    Frame,
    Params,
    add_months,
    expand,
    month_no,
    rank_ids,
    stage_rng,
)
from cvm.generate.customers import Customers, Health
from cvm.generate.pricing import CURRENCY_ROUND, PLANS, list_price4, plan_id, round_cur
from cvm.generate.spec import BASE_RATE
from cvm.generate.subscriptions import SubscriptionIds, VersionPrices, Versions
from cvm.generate.writer import Writer


@dataclass(frozen=True)
class BillingCounts:
    """What the manifest reports from billing."""

    lines_after_as_of: int  # invoice lines of invoices dated after the as-of date
    advance_invoices: int  # invoices dated after the as-of date, sent in advance
    failed_then_paid_invoices: int


def write_billing_customers(c: Customers, wr: Writer) -> None:
    wr.write(
        "billing_customers",
        Frame(
            {
                "customer_id": np.arange(1, c.n + 1),
                "name_seed": c.name_seed,
                "person_seed": c.person_seed,
                "customer_name": np.zeros(c.n),
                "email": np.zeros(c.n),
                "country_code": c.country,
                "currency": c.currency,
                "payment_terms_days": c.terms,
                "created_at": c.created,
                "is_test": c.is_test,
            },
            {
                "email": c.email_null,
                "country_code": c.country_null,
                "payment_terms_days": c.terms < 0,
            },
        ),
    )


def _k_at(anchor: np.ndarray, interval: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Index of the billing period counted from the anchor that contains day d."""
    k = (month_no(d) - month_no(anchor)) // interval
    a = add_months(anchor, k * interval)
    return np.where(a > d, k - 1, k)


def build_billing(
    p: Params,
    c: Customers,
    health: Health,
    v: Versions,
    ids: SubscriptionIds,
    prices: VersionPrices,
    wr: Writer,
) -> BillingCounts:
    """Plans, versions, invoices and their lines, payments and credit notes."""
    rng = stage_rng(p.seed, "billing")
    # plans
    nplan = len(PLANS.family)
    wr.set_width("plan", nplan)
    wr.write(
        "billing_plans",
        Frame(
            {
                "plan_id": np.arange(1, nplan + 1),
                "product_family": PLANS.family,
                "billing_interval_months": PLANS.interval,
                "is_recurring": PLANS.family != 2,
                "list_price": list_price4(
                    PLANS.family, PLANS.tier, PLANS.interval, PLANS.currency
                ),
                "currency": PLANS.currency,
                "family": PLANS.family,
                "tier": PLANS.tier,
            }
        ),
    )
    # versions
    cust = v.cust
    cur = c.currency[cust]
    price4 = prices.price4
    nv = len(cust)
    wr.set_width("ver", nv)
    disc_null = (v.disc == 0) & (rng.random(nv) < 0.7)
    wr.write(
        "billing_subscription_versions",
        Frame(
            {
                "version_id": ids.version_id,
                "subscription_id": ids.of_version,
                "plan_id": plan_id(v.fam, v.tier, v.interval, cur),
                "quantity": v.qty,
                "unit_price": price4,
                "discount_pct": v.disc,
                "billing_interval_months": v.interval,
                "currency": cur,
                "valid_from": v.valid_from,
                "valid_to": np.where(v.valid_to >= INF, 0, v.valid_to),
                "contract_end_date": v.contract_end,
            },
            {"discount_pct": disc_null, "valid_to": v.valid_to >= INF},
        ),
    )

    # recurring invoices: one per billing period of each version
    anchor, interval, vf, vt = (
        v.anchor,
        v.interval,
        v.valid_from,
        v.valid_to,
    )
    limit = np.where(
        c.after[cust], p.as_of + 60, np.where(interval >= 3, p.as_of + 14, p.as_of)
    )
    hi = np.minimum(vt, limit + 1)
    k0 = _k_at(anchor, interval, vf)
    k1 = _k_at(anchor, interval, np.maximum(hi - 1, vf))
    n_per = np.where(vf < hi, k1 - k0 + 1, 0)
    del limit, hi, k1
    par, j = expand(n_per)
    k = k0[par] + j
    del j
    ak = add_months(anchor[par], k * interval[par])
    an = add_months(anchor[par], (k + 1) * interval[par])
    del k
    ps = np.maximum(ak, vf[par])
    pe_x = np.minimum(an, vt[par])
    frac = (pe_x - ps) / (an - ak)
    del ak, an
    # services (one-time) invoices at the start of new and returning customers
    svc_p = np.array([0.08, 0.6, 0.85])[c.seg[cust]]
    svc = np.flatnonzero(
        (v.fam == 0)
        & np.isin(v.kind, (0, 3))
        & (vf <= p.as_of)
        & (rng.random(nv) < svc_p)
    )
    n_rec, n_svc = len(par), len(svc)
    n_inv = n_rec + n_svc
    src = np.concatenate([par, svc])  # the version behind each invoice
    i_kind = np.concatenate(
        [np.zeros(n_rec, dtype=np.int8), np.ones(n_svc, dtype=np.int8)]
    )
    i_date = np.concatenate([ps, vf[svc]]).astype(np.int32)
    i_cust = cust[src]
    i_sub = np.where(i_kind == 0, ids.of_version[src], 0)
    # invoice ids: by customer, date, subscription; arrays below are in id order
    o = np.lexsort((i_kind, i_sub, i_date, i_cust))
    src, i_kind, i_date, i_cust, i_sub = (
        src[o],
        i_kind[o],
        i_date[o],
        i_cust[o],
        i_sub[o],
    )
    frac = np.concatenate([frac, np.zeros(n_svc)])[o]
    ps = np.concatenate([ps, np.full(n_svc, -1)])[o].astype(np.int32)
    pe = (np.concatenate([pe_x, np.full(n_svc, 0)])[o] - 1).astype(np.int32)
    del o, par, pe_x, n_per, k0
    wr.set_width("inv", n_inv)
    i_cur = c.currency[i_cust]
    rec_inv = i_kind == 0
    rec = np.where(
        rec_inv, round_cur(v.qty[src] * price4[src] * frac / 100.0, i_cur), 0
    )
    del frac
    disc_amt = -round_cur(rec * v.disc[src] / 10000.0, i_cur)
    u = rng.random(n_inv)
    has_usage = rec_inv & (c.seg[i_cust] >= 1) & (v.fam[src] == 0) & (u < 0.1)
    units = rng.integers(100, 5001, n_inv)
    usage_amt = np.where(has_usage, round_cur(units * 5.0 / BASE_RATE[i_cur], i_cur), 0)
    has_training = rec_inv & (rng.random(n_inv) < 0.01)
    s_tier = np.where(rng.random(n_inv) < 0.6, 0, 2)
    one_tier = np.where(rec_inv, 1, s_tier)
    one_qty = np.where(
        rec_inv,
        rng.integers(1, 4, n_inv),
        np.where(s_tier == 0, 1, rng.integers(2, 11, n_inv)),
    )
    has_one = has_training | ~rec_inv
    one_amt = np.where(has_one, one_qty * list_price4(2, one_tier, 1, i_cur) // 100, 0)
    net = rec + disc_amt + usage_amt + one_amt
    tax = round_cur(net * c.tax_rate[i_cust], i_cur)
    total = net + tax
    del net, u, s_tier

    # lines, laid out directly in (invoice id, line type) order
    present = [rec_inv, has_one, has_usage, disc_amt < 0, tax != 0]
    cnt = np.zeros(n_inv, dtype=np.int64)
    for m_ in present:
        cnt += m_
    offset = np.cumsum(cnt) - cnt
    n_lines = int(cnt.sum())
    del cnt
    l_inv = np.empty(n_lines, dtype=np.int32)
    l_type = np.empty(n_lines, dtype=np.int8)
    l_plan = np.full(n_lines, -1, dtype=np.int32)
    l_qty = np.full(n_lines, -1, dtype=np.int64)
    l_amt = np.empty(n_lines, dtype=np.int64)
    l_ps = np.full(n_lines, -1, dtype=np.int32)
    l_pe = np.full(n_lines, -1, dtype=np.int32)
    for typ, m_ in enumerate(present):
        idx = np.flatnonzero(m_)
        at = offset[idx]
        offset[idx] += 1
        l_inv[at] = idx + 1
        l_type[at] = typ
        if typ == 0:
            sv = src[idx]
            l_plan[at] = plan_id(v.fam[sv], v.tier[sv], v.interval[sv], i_cur[idx])
            l_qty[at] = v.qty[sv] * 10_000
            l_amt[at] = rec[idx]
            l_ps[at] = ps[idx]
            l_pe[at] = pe[idx]
        elif typ == 1:
            l_plan[at] = plan_id(2, one_tier[idx], 1, i_cur[idx])
            l_qty[at] = one_qty[idx] * 10_000
            l_amt[at] = one_amt[idx]
        elif typ == 2:
            l_qty[at] = units[idx] * 10_000
            l_amt[at] = usage_amt[idx]
        elif typ == 3:
            l_amt[at] = disc_amt[idx]
        else:
            l_amt[at] = tax[idx]
    del (
        offset,
        present,
        rec,
        disc_amt,
        usage_amt,
        one_amt,
        units,
        one_qty,
        one_tier,
        ps,
        pe,
    )
    del has_usage, has_training, has_one, tax, rec_inv
    wr.set_width("lin", n_lines)
    after_inv = i_date > p.as_of
    lines_after_as_of = int(after_inv[l_inv - 1].sum())
    advance_invoices = int((after_inv & ~c.after[i_cust]).sum())
    wr.write(
        "billing_invoice_lines",
        Frame(
            {
                "line_id": np.arange(1, n_lines + 1),
                "invoice_id": l_inv,
                "line_type": l_type,
                "plan_id": l_plan,
                "quantity": l_qty,
                "amount": l_amt,
                "period_start": l_ps,
                "period_end": l_pe,
            },
            {
                "plan_id": l_plan < 0,
                "quantity": l_qty < 0,
                "period_start": l_ps < 0,
                "period_end": l_pe < 0,
            },
        ),
    )
    del l_inv, l_type, l_plan, l_qty, l_amt, l_ps, l_pe, src
    inv_id = np.arange(1, n_inv + 1)

    # statuses and payments
    terms = np.where(c.terms[i_cust] < 0, 30, c.terms[i_cust])
    due = (i_date + terms).astype(np.int32)
    late = c.late_payer[i_cust]
    h = health.at(i_cust, i_date)
    u = rng.random(n_inv)
    draft = (after_inv & (u < 0.5)) | (~after_inv & (i_date > p.as_of - 3) & (u < 0.4))
    void = ~after_inv & ~draft & (rng.random(n_inv) < 0.003)
    dtp = np.where(
        late,
        terms + np.rint(rng.gamma(2.0, 15.0, n_inv)),
        np.rint(terms * rng.uniform(0.15, 1.15, n_inv))
        + np.rint(np.maximum(0.0, -h) * 10 * rng.random(n_inv)),
    ).astype(np.int64)
    pay_day = i_date + dtp
    base_ok = ~after_inv & ~draft & ~void
    uncol = (
        base_ok
        & (i_date <= p.as_of - 120)
        & (rng.random(n_inv) < np.where(late, 0.04, 0.0015))
    )
    paid = base_ok & ~uncol & (pay_day <= p.as_of)
    status = np.select([draft, void, uncol, paid], [0, 3, 4, 2], 1).astype(np.int8)
    del draft, void, base_ok, u
    # payments
    pi, pday, psec, pst = [], [], [], []
    ok = np.flatnonzero(paid)
    pi.append(ok)
    pday.append(pay_day[ok])
    psec.append(rng.integers(6 * 3600, 22 * 3600, len(ok)))
    pst.append(np.zeros(len(ok), dtype=np.int8))
    f1 = ok[rng.random(len(ok)) < np.where(late[ok], 0.25, 0.04)]
    pi.append(f1)
    pday.append(
        i_date[f1] + np.floor(rng.random(len(f1)) * (dtp[f1] + 1)).astype(np.int64)
    )
    psec.append(rng.integers(1 * 3600, 5 * 3600, len(f1)))
    pst.append(np.ones(len(f1), dtype=np.int8))
    del ok, paid, pay_day, late
    op = np.flatnonzero((status == 1) & (due < p.as_of) & (rng.random(n_inv) < 0.3))
    pi.append(op)
    pday.append(
        due[op]
        + np.floor(rng.random(len(op)) * (p.as_of - due[op] + 1)).astype(np.int64)
    )
    psec.append(rng.integers(1 * 3600, 22 * 3600, len(op)))
    pst.append(np.ones(len(op), dtype=np.int8))
    uc = np.flatnonzero(uncol)
    for lo_, hi_ in ((0, 10), (15, 40)):
        pi.append(uc)
        pday.append(np.minimum(due[uc] + rng.integers(lo_, hi_, len(uc)), p.as_of))
        psec.append(rng.integers(1 * 3600, 22 * 3600, len(uc)))
        pst.append(np.ones(len(uc), dtype=np.int8))

    # credit notes
    elig = np.isin(status, (1, 2, 4))
    svc_inv = i_kind == 1
    rp = c.return_prone[i_cust]
    p_ret = np.where(svc_inv, np.where(rp, 0.25, 0.05), np.where(rp, 0.03, 0.003))
    p_sc = 0.004 * (1 + 2 * (h < -0.5))
    u = rng.random(n_inv)
    reason = np.select(
        [
            ~elig,
            u < p_ret,
            u < p_ret + p_sc,
            u < p_ret + p_sc + 0.003,
            u < p_ret + p_sc + 0.0045,
        ],
        [4, 0, 1, 2, 3],
        4,
    )
    del elig, svc_inv, rp, p_ret, p_sc, u, h
    cn = np.flatnonzero(reason < 4)
    issued = i_date[cn] + rng.integers(3, 61, len(cn))
    keep = issued <= p.as_of
    cn, issued = cn[keep], issued[keep]
    cr = reason[cn]
    lo_f = np.array([0.2, 0.05, 0.05, 0.05])[cr]
    hi_f = np.array([1.0, 0.3, 0.5, 0.2])[cr]
    cn_amt = np.maximum(
        round_cur(total[cn] * rng.uniform(lo_f, hi_f), i_cur[cn]),
        CURRENCY_ROUND[i_cur[cn]],
    )
    cn_inv_null = (cr == 3) & (rng.random(len(cn)) < 0.5)
    cn_id = rank_ids(i_cust[cn], issued, inv_id[cn])
    wr.set_width("cn", len(cn))
    wr.write(
        "billing_credit_notes",
        Frame(
            {
                "credit_note_id": cn_id,
                "invoice_id": inv_id[cn],
                "customer_id": i_cust[cn] + 1,
                "issued_date": issued,
                "amount": cn_amt,
                "currency": i_cur[cn],
                "reason": cr,
            },
            {"invoice_id": cn_inv_null},
        ),
    )
    refund = (cr == 0) & (status[cn] == 2)
    pi.append(cn[refund])
    pday.append(issued[refund])
    psec.append(rng.integers(8 * 3600, 18 * 3600, int(refund.sum())))
    pst.append(np.full(int(refund.sum()), 2, dtype=np.int8))
    pi_ = np.concatenate(pi)
    pat = np.concatenate(pday) * DAY + np.concatenate(psec)
    pst_ = np.concatenate(pst)
    pamt = total[pi_]
    pamt[len(pamt) - int(refund.sum()) :] = cn_amt[refund]
    del pi, pday, psec, pst
    o = np.lexsort((pst_, pat, pi_))
    pi_, pat, pst_, pamt = pi_[o], pat[o], pst_[o], pamt[o]
    npay = len(pi_)
    wr.set_width("pay", npay)
    wr.write(
        "billing_payments",
        Frame(
            {
                "payment_id": np.arange(1, npay + 1),
                "invoice_id": pi_ + 1,
                "customer_id": i_cust[pi_] + 1,
                "paid_at": pat,
                "amount": pamt,
                "currency": i_cur[pi_],
                "status": pst_,
            }
        ),
    )
    del pi_, pat, pst_, pamt, o
    wr.write(
        "billing_invoices",
        Frame(
            {
                "invoice_id": inv_id,
                "customer_id": i_cust + 1,
                "subscription_id": i_sub,
                "invoice_date": i_date,
                "due_date": due,
                "currency": i_cur,
                "status": status,
                "total_amount": total,
            },
            {"subscription_id": i_sub == 0},
        ),
    )
    return BillingCounts(lines_after_as_of, advance_invoices, len(f1))
