"""``generate()``: every stage in order, each handing typed data to the next.

fx rates -> customers and their health -> CRM accounts -> NPS answers and
tickets -> subscriptions (simulated terms) -> subscription ids and prices ->
billing -> referrals and the rest of the CRM -> product usage -> manifest.
Each stage draws from its own random stream, so the output for a seed does not
depend on anything but the stage's own inputs.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from cvm.generate.billing import build_billing, write_billing_customers
from cvm.generate.core import DEFAULT_AS_OF, Params, day_number, peak_rss_mib
from cvm.generate.crm import (
    account_ids,
    build_crm,
    build_referrals,
    customer_spans,
    observed,
)
from cvm.generate.customers import build_account_structure, build_customers
from cvm.generate.fx import build_fx
from cvm.generate.manifest import build_manifest
from cvm.generate.signals import ChurnModel, build_signals, latent_signals
from cvm.generate.subscriptions import (
    build_lifecycle,
    build_subscriptions,
    price_versions,
)
from cvm.generate.usage import build_usage
from cvm.generate.writer import Writer


def generate(
    customers: int,
    months: int,
    seed: int,
    out: str | Path,
    fmt: str = "parquet",
    dirty: bool = False,
    as_of: str | dt.date = DEFAULT_AS_OF,
    usage_days: int = 90,
    latent_out: str | Path | None = None,
    verbose: bool = False,
) -> dict[str, Any]:
    """Write all landing tables and `_manifest.json` to `out`; return the manifest.

    With `latent_out`, also write the latent churn signals there (parquet);
    it must not lie inside `out`, which holds only landing tables. With
    `verbose`, print progress and peak memory on stderr.
    """
    if customers < 50:
        raise ValueError(
            "--customers must be at least 50 (every planted trait needs one)"
        )
    if months < 3:
        raise ValueError("--months must be at least 3")
    if fmt not in ("parquet", "csv"):
        raise ValueError("--format must be parquet or csv")
    if not 1 <= usage_days <= 3660:
        raise ValueError("--usage-days must be between 1 and 3660")
    try:
        as_of_d = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(as_of)
    except ValueError as exc:
        raise ValueError(f"--as-of must be a date YYYY-MM-DD ({exc})") from None
    p = Params(customers, months, seed, day_number(as_of_d), usage_days, dirty)
    out = Path(out)
    latent_path = None if latent_out is None else Path(latent_out)
    if latent_path is not None and latent_path.resolve().is_relative_to(out.resolve()):
        raise ValueError(
            "--latent-out must lie outside the landing directory "
            "(the warehouse must never read the ground truth)"
        )
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    wr = Writer(p, out, fmt, verbose)

    def step(name: str) -> None:
        if verbose:
            print(
                f"[{time.time() - t0:6.1f}s] {name} "
                f"(peak RSS {peak_rss_mib():,.0f} MiB)",
                file=sys.stderr,
            )

    step("fx rates")
    fx, fx_table = build_fx(p)
    wr.write("fx_rates", fx_table)
    del fx_table
    step("customers")
    c, health = build_customers(p)
    wr.set_width("cus", c.n)
    accounts = build_account_structure(p, c)
    step("signals")
    signals = build_signals(p, c, health, accounts)
    model = ChurnModel(p, c, health, signals)
    step("lifecycle")
    life = build_lifecycle(p, model)
    wr.set_width("sub", life.n_subs)
    subs, ids = build_subscriptions(p, c, life)
    latent = (
        None
        if latent_path is None
        else latent_signals(p, c, health, model, wr.width["cus"])
    )
    spans = customer_spans(c.n, life.versions)
    seen = observed(p, signals, spans)
    del model, signals  # what was drawn before the cut: only `seen` is exported
    accounts, referrals, conversions = build_referrals(p, c, accounts, seen.nps)
    step("billing")
    write_billing_customers(c, wr)
    wr.write("billing_subscriptions", subs)
    del subs
    prices = price_versions(c, life.versions)
    billing = build_billing(p, c, health, life.versions, ids, prices, wr)
    step("crm")
    acc_id = account_ids(accounts)
    cancellations = build_crm(
        p, c, health, accounts, acc_id, seen, spans, referrals, life, ids, prices, wr
    )
    step("usage")
    build_usage(p, c, health, accounts, acc_id, life.versions, wr)
    if latent is not None and latent_path is not None:
        step("latent signals")
        latent_path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(latent, latent_path)
        del latent
    step("manifest")
    manifest = build_manifest(
        p, fmt, c, accounts, life, prices, fx, wr, billing, conversions, cancellations
    )
    with open(out / "_manifest.json", "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=1)
        fh.write("\n")
    step("done")
    return manifest
