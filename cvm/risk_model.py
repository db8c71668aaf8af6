"""The renewal-risk models: feature matrix, the two model families, backtest.

Used by the dbt Python models in ``models/intermediate/risk`` (``from
cvm.risk_model import ...``: the installed package, or the project root that
dbt-duckdb puts on ``sys.path`` through the profile's ``module_paths``) and by
``cvm/benchmarks/risk.py``. Pure functions on pandas frames; every random
choice takes a fixed seed, so a build is deterministic for its input.
"""

from __future__ import annotations

import os
from typing import Any, Protocol

import duckdb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits


class Relation(Protocol):
    """What the dbt Python models get from ``dbt.ref``: a DuckDB relation."""

    def df(self) -> pd.DataFrame: ...


class Model(Protocol):
    """A fitted model: churn probabilities in the second column."""

    def predict_proba(self, x: pd.DataFrame) -> np.ndarray: ...


SEED = 20260
LOGISTIC = "logistic_regression"
BOOSTING = "gradient_boosting"
MODEL_NAMES = (LOGISTIC, BOOSTING)

# model feature -> plain-words description (fct_renewal_drivers)
FEATURES: dict[str, str] = {
    "tenure_months": "months the customer has been active",
    "log_mrr": "size of the account (log of MRR)",
    "mrr_change_3m": "MRR change against 3 months earlier (share)",
    "contractions_3m": "contractions (MRR downgrades) in the last 3 months",
    "months_to_contract_end": "months until the next contract end date",
    "is_contract_end_in_horizon": "a contract ends within the risk horizon "
    "(a renewal decision is due)",
    "is_annual_billing": "billed annually (else monthly or quarterly)",
    "has_usage_data": "product usage is known (usage exported for the month)",
    "usage_per_seat_day": "key actions per seat per day this month",
    "usage_decline": "usage decline against the 3 months before "
    "(share of the earlier level lost)",
    "urgent_tickets_6m": "urgent support tickets in the last 6 months",
    "tickets_6m": "support tickets opened in the last 6 months",
    "open_tickets": "support tickets open on the observation date",
    "low_csat_6m": "CSAT shortfall: 5 minus the mean CSAT of tickets closed "
    "in the last 6 months",
    "is_nps_detractor": "latest NPS answer within 365 days is a detractor (0-6)",
    "is_nps_passive": "latest NPS answer within 365 days is a passive (7-8)",
    "is_nps_promoter": "latest NPS answer within 365 days is a promoter (9-10)",
    "late_invoices_6m": "invoices that went late (unpaid past the grace "
    "days) in the last 6 months",
    "late_invoice_share_12m": "share of invoices still unpaid at the end "
    "of their grace period, last 12 months",
    "failed_payments_6m": "failed payment attempts in the last 6 months",
    "days_to_pay_6m": "mean days from invoice to payment, invoices paid in "
    "the last 6 months",
    "engagement_activities_3m": "business reviews and meetings in the last 3 months",
    "referrals_to_date": "referrals the customer has made",
    "feedback_12m": "feedback items given in the last 12 months",
    "is_smb": "segment SMB",
    "is_enterprise": "segment Enterprise",
    "is_unassigned": "no CRM account (segment Unassigned)",
}


def limited_threads() -> threadpool_limits:
    """Cap the BLAS and OpenMP thread pools at CVM_MODEL_THREADS (default 1).

    dbt already runs CVM_THREADS nodes at once on the machine's cores, and a
    pool larger than the cores it gets spins instead of working. Measured
    here: unbounded, the OpenMP and OpenBLAS pools of one fit fought over the
    cores and a gradient-boosted fit on 35k rows took 102 s instead of 0.9 s;
    capped at 2, the backtest on the test data (400 customers) took 26.7 s on
    a busy machine, and 10.1 s capped at 1, with identical predictions.
    """
    threads = int(os.environ.get("CVM_MODEL_THREADS", "1"))
    return threadpool_limits(limits=max(1, threads))


# features describing the account and its contract rather than how the
# customer behaves; fct_renewal_drivers ranks behaviours apart from them
ACCOUNT_FEATURES = frozenset(
    {
        "tenure_months",
        "log_mrr",
        "months_to_contract_end",
        "is_contract_end_in_horizon",
        "is_annual_billing",
        "has_usage_data",
        "is_smb",
        "is_enterprise",
        "is_unassigned",
    }
)


def feature_group(name: str) -> str:
    """'account' (who the customer is, its contract) or 'behaviour'."""
    return "account" if name in ACCOUNT_FEATURES else "behaviour"


def feature_matrix(features: pd.DataFrame) -> pd.DataFrame:
    """Model inputs (``FEATURES``) from rows of ``int_customer_risk_features``.

    Unknown values stay NaN (the boosted model reads them as missing, the
    logistic regression imputes the median); ratios are clipped so a tiny
    base cannot dominate.
    """
    f = features
    usage = f["usage_per_seat_day"].astype(float)
    trend = f["usage_trend"].astype(float).clip(-1.0, 3.0)
    nps = f["nps_category"].astype(str)
    segment = f["segment"].astype(str)
    x = pd.DataFrame(
        {
            "tenure_months": f["tenure_months"].astype(float),
            "log_mrr": np.log1p(f["mrr"].astype(float).clip(lower=0)),
            "mrr_change_3m": f["mrr_change_3m"].astype(float).clip(-1.0, 3.0),
            "contractions_3m": f["contractions_3m"].astype(float),
            "months_to_contract_end": f["months_to_contract_end"].astype(float),
            "is_contract_end_in_horizon": f["is_contract_end_in_horizon"].astype(float),
            "is_annual_billing": (f["billing_interval_months"] == 12).astype(float),
            "has_usage_data": usage.notna().astype(float),
            "usage_per_seat_day": usage,
            "usage_decline": -trend,
            "urgent_tickets_6m": f["urgent_tickets_6m"].astype(float),
            "tickets_6m": f["tickets_6m"].astype(float),
            "open_tickets": f["open_tickets"].astype(float),
            "low_csat_6m": 5.0 - f["csat_6m"].astype(float),
            "is_nps_detractor": (nps == "detractor").astype(float),
            "is_nps_passive": (nps == "passive").astype(float),
            "is_nps_promoter": (nps == "promoter").astype(float),
            "late_invoices_6m": f["late_invoices_6m"].astype(float),
            "late_invoice_share_12m": f["late_invoice_share_12m"].astype(float),
            "failed_payments_6m": f["failed_payments_6m"].astype(float),
            "days_to_pay_6m": f["days_to_pay_6m"].astype(float),
            "engagement_activities_3m": f["engagement_activities_3m"].astype(float),
            "referrals_to_date": f["referrals_to_date"].astype(float),
            "feedback_12m": f["feedback_12m"].astype(float),
            "is_smb": (segment == "SMB").astype(float),
            "is_enterprise": (segment == "Enterprise").astype(float),
            "is_unassigned": (segment == "Unassigned").astype(float),
        },
        index=f.index,
    )
    return x[list(FEATURES)]


def observations(
    features: Relation, labels: Relation, labelled_only: bool
) -> pd.DataFrame:
    """Feature rows joined to their labels, ordered by month and customer.

    `features` and `labels` are the relations of int_customer_risk_features
    and int_customer_churn_labels (anything with ``.df()``).
    """
    lab = labels.df()
    if labelled_only:
        lab = lab[lab["is_labelled"]]
    return (
        features.df()
        .merge(lab, on=["customer_id", "observation_month"], how="inner")
        .sort_values(["observation_month", "customer_id"], ignore_index=True)
    )


def chosen_model(metrics: duckdb.DuckDBPyRelation) -> str:
    """The family int_risk_backtest_metrics marks as chosen (else logistic)."""
    rows = metrics.filter("is_chosen").project("model_name").limit(1).fetchall()
    return str(rows[0][0]) if rows else LOGISTIC


# scikit-learn has no type information: its base classes are Any to mypy
class EmptyColumnsToZero(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Set columns that were entirely missing in training to 0.

    The boosted model reads NaN as missing but cannot bin a column with no
    value at all (usage before any usage export): such a column carries no
    information, so it becomes a constant.
    """

    def fit(self, x: pd.DataFrame, y: object = None) -> EmptyColumnsToZero:
        self.empty_ = [c for c in x.columns if x[c].isna().all()]
        return self

    def transform(self, x: pd.DataFrame) -> pd.DataFrame:
        return x.fillna({c: 0.0 for c in self.empty_}) if self.empty_ else x


def make_model(name: str) -> Pipeline | HistGradientBoostingClassifier:
    """An unfitted model of the family `name` (fixed seeds)."""
    if name == LOGISTIC:
        return Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                ("scale", StandardScaler()),
                ("model", LogisticRegression(C=0.1, max_iter=2000)),
            ]
        )
    if name == BOOSTING:
        return Pipeline(
            [
                ("empty", EmptyColumnsToZero()),
                (
                    "model",
                    HistGradientBoostingClassifier(
                        learning_rate=0.08,
                        max_iter=100,
                        max_leaf_nodes=15,
                        min_samples_leaf=80,
                        l2_regularization=1.0,
                        early_stopping=False,
                        random_state=SEED,
                    ),
                ),
            ]
        )
    raise ValueError(f"unknown model {name!r}")


class ConstantModel:
    """The training base rate, for a training set with a single class."""

    def __init__(self, rate: float):
        self.rate = rate

    def predict_proba(self, x: pd.DataFrame) -> np.ndarray:
        p = np.full(len(x), self.rate)
        return np.column_stack([1 - p, p])


def sample_rows(n: int, max_rows: int, seed: int = SEED) -> np.ndarray:
    """Positions of at most `max_rows` of `n` rows (seeded; all when n fits)."""
    if n <= max_rows:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, max_rows, replace=False))


def fit(
    name: str,
    x: pd.DataFrame,
    y: np.ndarray,
    max_rows: int,
    rows: np.ndarray | None = None,
) -> Model:
    """Fit the family `name` on at most `max_rows` rows of (x, y).

    `rows` (positions) restricts training to those rows; they are sampled
    before any copy of x is made, which matters on millions of rows.
    """
    y = np.asarray(y, dtype=int)
    rows = np.arange(len(y)) if rows is None else np.asarray(rows)
    if len(rows) == 0 or y[rows].min() == y[rows].max():
        return ConstantModel(float(y[rows].mean()) if len(rows) else 0.0)
    keep = rows[sample_rows(len(rows), max_rows)]
    model = make_model(name)
    with limited_threads():
        model.fit(x.iloc[keep], y[keep])
    fitted: Model = model
    return fitted


def predict(model: Model, x: pd.DataFrame) -> np.ndarray:
    """Probability of churn within the horizon for each row of x."""
    if len(x) == 0:
        return np.zeros(0)
    with limited_threads():
        churn: np.ndarray = model.predict_proba(x)[:, 1]
    return churn


def backtest(
    x: pd.DataFrame,
    y: np.ndarray,
    observation_month: pd.Series,
    horizon_end_month: pd.Series,
    backtest_months: list[Any],
    max_rows: int,
    models: tuple[str, ...] = MODEL_NAMES,
) -> pd.DataFrame:
    """Walk-forward predictions for each backtest month and model family.

    For backtest month b, a model trains only on labelled observations whose
    horizon ended by b (``horizon_end_month <= b``: their label was known on
    b's observation date) and scores the observations of month b. Returns one
    row per scored observation and model: position (index of x), month,
    model_name, churn_probability, is_churned.
    """
    y = np.asarray(y, dtype=int)
    frames = [
        pd.DataFrame(
            {
                "position": pd.Series(dtype="int64"),
                "observation_month": pd.Series(dtype="datetime64[ns]"),
                "model_name": pd.Series(dtype="string"),
                "churn_probability": pd.Series(dtype="float64"),
                "is_churned": pd.Series(dtype="int64"),
            }
        )
    ]  # so that no backtest month (too little history) gives an empty frame
    for month in backtest_months:
        train = np.flatnonzero((horizon_end_month <= month).to_numpy())
        test = (observation_month == month).to_numpy()
        for name in models:
            model = fit(name, x, y, max_rows, rows=train)
            frames.append(
                pd.DataFrame(
                    {
                        "position": np.flatnonzero(test),
                        "observation_month": month,
                        "model_name": name,
                        "churn_probability": predict(model, x[test]),
                        "is_churned": y[test],
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def linear_contributions(model: Pipeline, x: pd.DataFrame) -> np.ndarray:
    """Signed log-odds contribution of each feature for each row of x.

    coefficient x standardised value of the fitted logistic regression: how
    far each feature moves this customer's risk from an average customer's.
    """
    z = model[:-1].transform(x)
    contributions: np.ndarray = z * model[-1].coef_[0]
    return contributions


def top_drivers(
    contributions: np.ndarray, names: list[str], k: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """The k features raising each row's risk most (largest signed
    contribution first): (names, contributions), each rows x k."""
    order = np.argsort(-contributions, axis=1, kind="stable")[:, :k]
    values = np.take_along_axis(contributions, order, axis=1)
    return np.asarray(names, dtype=object)[order], values


def high_low_rates(
    values: pd.Series, y: np.ndarray
) -> tuple[float | None, int, float | None, int]:
    """Churn rate and count of rows high vs low on a feature.

    High = top quintile, low = bottom quintile; for a flag or a count that is
    mostly zero (the quintile cut-offs coincide): with (> cut-off) vs
    without. Rows with the feature unknown are left out.
    """
    known = values.notna().to_numpy()
    v = values.to_numpy(dtype=float)[known]
    yy = np.asarray(y, dtype=float)[known]
    if len(v) == 0:
        return None, 0, None, 0
    lo, hi = np.quantile(v, [0.2, 0.8])
    if hi > lo:
        high, low = v >= hi, v <= lo
    else:
        high, low = v > lo, v <= lo

    def rate(mask: np.ndarray) -> float | None:
        return float(yy[mask].mean()) if mask.any() else None

    return rate(high), int(high.sum()), rate(low), int(low.sum())
