"""Plans and prices: the plan catalogue (family x tier x billing interval x
currency), list and unit prices, MRR, and rounding to a currency's unit.

Prices are integers in 1/10000 of the currency (``*4``), amounts in cents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cvm.generate.core import Arrays
from cvm.generate.customers import Customers
from cvm.generate.spec import BASE_RATE, CURRENCIES

# list price per seat per month in USD: core tiers, addon tiers; services per unit
SEAT_PRICE = [[12.0, 29.0, 59.0, 99.0], [6.0, 10.0], [1500.0, 1200.0, 1800.0]]
CURRENCY_ROUND = np.array([1, 1, 1, 1, 1, 100])  # JPY amounts in whole yen

Ints = np.ndarray | int


def list_price4(
    fam: Ints, tier: np.ndarray, interval: Ints, cur: np.ndarray
) -> np.ndarray:
    usd = np.where(
        fam == 0,
        np.array(SEAT_PRICE[0])[np.clip(tier, 0, 3)],
        np.where(
            fam == 1,
            np.array(SEAT_PRICE[1])[np.clip(tier, 0, 1)],
            np.array(SEAT_PRICE[2])[np.clip(tier, 0, 2)],
        ),
    )
    factor = np.select([interval == 1, interval == 3], [1.0, 3 * 0.97], 12 * 0.9)
    factor = np.where(fam == 2, 1.0, factor)
    local = usd * factor / BASE_RATE[cur]
    step = np.where(cur == 5, 1.0, 0.01)
    return np.rint(np.rint(local / step) * step * 1e4).astype(np.int64)


def unit_price4(
    c: Customers,
    cust: np.ndarray,
    fam: np.ndarray,
    tier: np.ndarray,
    interval: np.ndarray,
    uplift: np.ndarray,
) -> np.ndarray:
    """Unit price per billing interval in 1/10000 of the customer's currency."""
    lp = list_price4(fam, tier, interval, c.currency[cust])
    return np.rint(lp * c.price_factor[cust] * uplift).astype(np.int64)


def mrr_cents(
    c: Customers,
    cust: np.ndarray,
    fam: np.ndarray,
    tier: np.ndarray,
    interval: np.ndarray,
    qty: np.ndarray,
    disc: np.ndarray,
    uplift: np.ndarray,
) -> np.ndarray:
    up = unit_price4(c, cust, fam, tier, interval, uplift)
    return monthly(qty, up, disc, interval)


def monthly(
    qty: np.ndarray, price4: np.ndarray, disc: np.ndarray, interval: np.ndarray
) -> np.ndarray:
    """MRR in cents of a quantity at a unit price per interval, less discount."""
    return qty * price4 / 100.0 * (1 - disc / 10000.0) / interval


@dataclass(frozen=True)
class Plans(Arrays):
    """All plans: (family, tier, interval, currency); id = position + 1."""

    family: np.ndarray
    tier: np.ndarray
    interval: np.ndarray
    currency: np.ndarray


def _plan_table() -> Plans:
    rows = []
    for fam, tiers in ((0, 4), (1, 2)):
        for tier in range(tiers):
            for interval in (1, 3, 12):
                for cur in range(len(CURRENCIES)):
                    rows.append((fam, tier, interval, cur))
    for tier in range(3):
        for cur in range(len(CURRENCIES)):
            rows.append((2, tier, 1, cur))
    arr = np.array(rows, dtype=np.int64)
    return Plans(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3])


PLANS = _plan_table()
_PLAN_LOOKUP = np.full((3, 4, 13, len(CURRENCIES)), -1, dtype=np.int64)
_PLAN_LOOKUP[PLANS.family, PLANS.tier, PLANS.interval, PLANS.currency] = np.arange(
    1, len(PLANS.family) + 1
)


def plan_id(fam: Ints, tier: np.ndarray, interval: Ints, cur: np.ndarray) -> np.ndarray:
    return _PLAN_LOOKUP[fam, tier, interval, cur]


def round_cur(cents: np.ndarray, cur: np.ndarray) -> np.ndarray:
    r = CURRENCY_ROUND[cur]
    return (np.rint(cents / r) * r).astype(np.int64)
