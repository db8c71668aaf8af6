"""Exchange rates: one rate per currency and weekday, a random walk from 200
days before the history to the as-of date (no USD rows, no weekend rows)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cvm.generate.core import Frame, Params, stage_rng
from cvm.generate.spec import BASE_RATE, CURRENCIES


@dataclass(frozen=True)
class FxRates:
    """USD per unit of each currency (columns) on each weekday (rows)."""

    days: np.ndarray
    rates: np.ndarray

    def at(self, cur: np.ndarray, day: np.ndarray) -> np.ndarray:
        """USD per unit: latest rate on or before the day."""
        i = np.clip(
            np.searchsorted(self.days, day, side="right") - 1, 0, len(self.days) - 1
        )
        return self.rates[i, cur]


def build_fx(p: Params) -> tuple[FxRates, Frame]:
    """The rates, and the ``fx_rates`` table (rates to 8 decimals)."""
    rng = stage_rng(p.seed, "fx")
    days = np.arange(p.fx_start, p.as_of + 1)
    days = days[(days + 3) % 7 < 5]
    steps = rng.normal(0.0, 0.0045, (len(days), len(CURRENCIES)))
    steps[:, 0] = 0.0
    rates = BASE_RATE * np.exp(np.cumsum(steps, axis=0))
    d, c = np.meshgrid(days, np.arange(1, len(CURRENCIES)), indexing="ij")
    table = Frame(
        {
            "rate_date": d.ravel(),
            "currency": c.ravel(),
            "rate_to_reporting": np.rint(rates[:, 1:].ravel() * 1e8).astype(np.int64),
        }
    )
    return FxRates(days, rates), table
