"""The renewal-risk models: feature matrix, the two model families, backtest.

Used by the dbt Python models in ``models/intermediate/risk`` (``from
cvm.risk_model import ...``: the installed package, or the project root that
dbt-duckdb puts on ``sys.path`` through the profile's ``module_paths``) and by
``cvm/benchmarks/risk.py``. ``Observations`` reads the feature rows and their
labels from DuckDB a slice at a time (the rows a model trains on or scores,
never every observation at once); the rest are pure functions on pandas
frames. Every random choice takes a fixed seed, so a build is deterministic
for its input.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, NamedTuple, Protocol

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


class Feature(NamedTuple):
    """How a model feature is computed: the columns of
    ``int_customer_risk_features`` it reads, and the computation."""

    inputs: tuple[str, ...]
    compute: Callable[[pd.DataFrame], pd.Series]


def _number(column: str) -> Feature:
    return Feature((column,), lambda f: f[column].astype(float))


def _clipped_ratio(column: str) -> Feature:
    return Feature((column,), lambda f: f[column].astype(float).clip(-1.0, 3.0))


def _is(column: str, value: str) -> Feature:
    return Feature((column,), lambda f: (f[column].astype(str) == value).astype(float))


# model feature -> how it is computed (feature_matrix applies them). Unknown
# values stay NaN (the boosted model reads them as missing, the logistic
# regression imputes the median); ratios are clipped so a tiny base cannot
# dominate.
FEATURE_DEFINITIONS: dict[str, Feature] = {
    "tenure_months": _number("tenure_months"),
    "log_mrr": Feature(
        ("mrr",), lambda f: np.log1p(f["mrr"].astype(float).clip(lower=0))
    ),
    "mrr_change_3m": _clipped_ratio("mrr_change_3m"),
    "contractions_3m": _number("contractions_3m"),
    "months_to_contract_end": _number("months_to_contract_end"),
    "is_contract_end_in_horizon": _number("is_contract_end_in_horizon"),
    "is_annual_billing": Feature(
        ("billing_interval_months",),
        lambda f: (f["billing_interval_months"] == 12).astype(float),
    ),
    "has_usage_data": Feature(
        ("usage_per_seat_day",),
        lambda f: f["usage_per_seat_day"].astype(float).notna().astype(float),
    ),
    "usage_per_seat_day": _number("usage_per_seat_day"),
    "usage_decline": Feature(
        ("usage_trend",),
        lambda f: -f["usage_trend"].astype(float).clip(-1.0, 3.0),
    ),
    "urgent_tickets_6m": _number("urgent_tickets_6m"),
    "tickets_6m": _number("tickets_6m"),
    "open_tickets": _number("open_tickets"),
    "low_csat_6m": Feature(("csat_6m",), lambda f: 5.0 - f["csat_6m"].astype(float)),
    "is_nps_detractor": _is("nps_category", "detractor"),
    "is_nps_passive": _is("nps_category", "passive"),
    "is_nps_promoter": _is("nps_category", "promoter"),
    "late_invoices_6m": _number("late_invoices_6m"),
    "late_invoice_share_12m": _number("late_invoice_share_12m"),
    "failed_payments_6m": _number("failed_payments_6m"),
    "days_to_pay_6m": _number("days_to_pay_6m"),
    "engagement_activities_3m": _number("engagement_activities_3m"),
    "referrals_to_date": _number("referrals_to_date"),
    "feedback_12m": _number("feedback_12m"),
    "is_smb": _is("segment", "SMB"),
    "is_enterprise": _is("segment", "Enterprise"),
    "is_unassigned": _is("segment", "Unassigned"),
}


def feature_matrix(
    features: pd.DataFrame, names: Sequence[str] = tuple(FEATURES)
) -> pd.DataFrame:
    """Model inputs `names` (all of ``FEATURES`` unless given) from rows of
    ``int_customer_risk_features`` (only the features' inputs are read)."""
    x = pd.DataFrame(
        {name: FEATURE_DEFINITIONS[name].compute(features) for name in names},
        index=features.index,
    )
    return x[list(names)]


LABEL = "is_churned_within_horizon"


def churned(rows: pd.DataFrame) -> np.ndarray:
    """The labels of labelled observation rows, as 0 and 1."""
    labels: np.ndarray = rows[LABEL].astype(int).to_numpy()
    return labels


@dataclass(frozen=True)
class Training:
    """What a model trains on: the sampled rows (``sample_rows`` positions of
    the candidate rows ordered by month and customer), their model inputs and
    labels, and the (lowest, highest) label of every candidate row (None when
    there is none): a single class gives a constant model."""

    x: pd.DataFrame
    y: np.ndarray
    labels: tuple[int, int] | None

    @property
    def has_both_classes(self) -> bool:
        return self.labels is not None and self.labels[0] != self.labels[1]


def feature_inputs(names: Iterable[str] = FEATURES) -> list[str]:
    """The int_customer_risk_features columns the features `names` read."""
    return sorted(
        {column for name in names for column in FEATURE_DEFINITIONS[name].inputs}
    )


# a row's 0-based position in month and customer order
_POSITION = (
    "row_number() over (order by observation_month, customer_id) - 1 as position"
)


class Observations:
    """Feature rows joined to their labels, read from DuckDB a slice at a time.

    `features` and `labels` are relations on the DuckDB connection `con`:
    those of int_customer_risk_features and int_customer_churn_labels in the
    dbt models (``dbt.ref``), or anything with their keys and label columns.
    Only labelled observations when `labelled_only`. The join, filters,
    counts and the order (observation_month, customer_id) stay in DuckDB;
    Python receives only the rows a model trains on or scores, and of them
    only the keys, the label and `inputs`: the columns of `features` that
    `matrix` (``feature_matrix``) turns into model inputs. A training sample
    takes the ``sample_rows`` positions of the candidate rows in that order,
    so it is the very sample a frame of every candidate would give.
    Registers views and a temporary table on `con` until ``close`` (or the
    end of a ``with``).
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        features: duckdb.DuckDBPyRelation,
        labels: duckdb.DuckDBPyRelation,
        labelled_only: bool,
        matrix: Callable[[pd.DataFrame], pd.DataFrame] = feature_matrix,
        inputs: Sequence[str] = tuple(feature_inputs()),
    ):
        suffix = uuid.uuid4().hex
        self._con = con
        self._features = f"risk_features_{suffix}"
        self._labels = f"risk_labels_{suffix}"
        self._labelled = f"risk_labelled_{suffix}"
        self._has_labelled = False
        con.register(self._features, features)
        con.register(self._labels, labels)
        self._labelled_only = labelled_only
        self._scope = "labels.is_labelled" if labelled_only else "true"
        self._inputs = ", ".join(f'features."{c}"' for c in inputs)
        self.matrix = matrix

    def close(self) -> None:
        if self._has_labelled:
            self._con.execute(f"drop table if exists {self._labelled}")
        self._con.unregister(self._features)
        self._con.unregister(self._labels)

    def __enter__(self) -> Observations:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def _sql(self, columns: str, where: str = "true", ordered: bool = False) -> str:
        return (
            f"select {columns} from {self._features} as features "
            f"inner join {self._labels} as labels "
            "using (customer_id, observation_month) "
            f"where {self._scope} and ({where})"
            + (" order by observation_month, customer_id" if ordered else "")
        )

    @property
    def _columns(self) -> str:
        """What is read of an observation: keys, model inputs, label."""
        return f"customer_id, observation_month, {self._inputs}, labels.{LABEL}"

    @contextmanager
    def _registered(self, frame: pd.DataFrame) -> Iterator[str]:
        """`frame` as a view on the connection, under a name of its own."""
        name = f"risk_frame_{uuid.uuid4().hex}"
        self._con.register(name, frame)
        try:
            yield name
        finally:
            self._con.unregister(name)

    def _labelled_table(self) -> str:
        """A temporary table of every labelled observation's keys, horizon
        end and label, with its position in month and customer order: the
        one join and sort the training samples need (made once)."""
        if not self._has_labelled:
            self._con.execute(
                f"create temp table {self._labelled} as "
                + self._sql(
                    "customer_id, observation_month, labels.horizon_end_month, "
                    f"labels.{LABEL}, {_POSITION}",
                    "labels.is_labelled",
                )
            )
            self._has_labelled = True
        return self._labelled

    def months(self) -> list[Any]:
        """The observation months, in order."""
        source = (
            f"select distinct observation_month from {self._labelled_table()}"
            if self._labelled_only
            else self._sql("distinct observation_month")
        )
        months = self._con.sql(source).df()
        return sorted(months["observation_month"].unique())

    def rows(self, month: Any, max_rows: int | None = None) -> pd.DataFrame:
        """The observations of `month` by customer (a ``sample_rows`` sample
        of `max_rows` when there are more)."""
        where = f"observation_month = {_date(month)}"
        n = 0
        if max_rows is not None:
            row = self._con.sql(self._sql("count(*)", where)).fetchone()
            n = int(row[0]) if row else 0
        if max_rows is None or n <= max_rows:
            return self._con.sql(self._sql(self._columns, where, ordered=True)).df()
        numbered = self._sql(f"customer_id, observation_month, {_POSITION}", where)
        wanted = pd.DataFrame({"position": sample_rows(n, max_rows)})
        with self._registered(wanted) as positions:
            # the keys at the positions, then only their rows are read
            return self._con.sql(
                f"with sampled as materialized (select customer_id, "
                f"observation_month from ({numbered}) as numbered semi join "
                f"{positions} using (position)) "
                + self._sql(
                    self._columns,
                    "(customer_id, observation_month) in (from sampled)",
                    ordered=True,
                )
            ).df()

    def trainings(self, max_rows: int, known_by: Sequence[Any]) -> list[Training]:
        """What a model trains on, for each cut-off of `known_by`: the
        labelled observations whose horizon ended by it (every labelled
        observation for None), a ``sample_rows`` sample of `max_rows` at
        most. The rows of all samples are read at once."""
        labelled = self._labelled_table()
        ordered = self._con.sql(
            f"select horizon_end_month, cast({LABEL} as tinyint) as label "
            f"from {labelled} order by position"
        ).fetchnumpy()
        horizon_end, label = ordered["horizon_end_month"], ordered["label"]
        samples, bounds = [], []
        for cutoff in known_by:
            candidates = np.arange(len(label))
            if cutoff is not None:
                cutoff = np.datetime64(pd.Timestamp(cutoff))
                candidates = np.flatnonzero(horizon_end <= cutoff)
            samples.append(candidates[sample_rows(len(candidates), max_rows)])
            bounds.append(
                (int(label[candidates].min()), int(label[candidates].max()))
                if len(candidates)
                else None
            )
        del horizon_end, label, ordered
        wanted = np.unique(np.concatenate([np.zeros(0, dtype=np.int64), *samples]))
        with self._registered(pd.DataFrame({"position": wanted})) as positions:
            # the sampled keys (a known few) probe the features
            rows = self._con.sql(
                f"select {self._inputs}, labels.{LABEL} "
                f"from (from {labelled} semi join {positions} using (position)) "
                f"as labels inner join {self._features} as features "
                "using (customer_id, observation_month) order by labels.position"
            ).df()
        trainings = []
        for sample, labels in zip(samples, bounds, strict=True):
            part = rows.iloc[np.searchsorted(wanted, sample)]
            trainings.append(Training(self.matrix(part), churned(part), labels))
        return trainings

    def training(self, max_rows: int, known_by: Any = None) -> Training:
        """``trainings`` for one cut-off (None: every labelled observation)."""
        return self.trainings(max_rows, [known_by])[0]

    def stream(
        self, since: Any = None, ordered: bool = True, chunk_rows: int = 2**16
    ) -> Iterator[pd.DataFrame]:
        """The observations (of months from `since` on, when given) in chunks
        of about `chunk_rows`: with their keys, by month and customer; or,
        not `ordered`, only their inputs and label, in no particular order
        (for what does not depend on it). An empty result gives one empty
        chunk. Nothing else may run on the connection while it is read.
        """
        where = "true" if since is None else f"observation_month >= {_date(since)}"
        columns = self._columns if ordered else f"{self._inputs}, labels.{LABEL}"
        result = self._con.execute(self._sql(columns, where, ordered))
        vectors = max(1, chunk_rows // 2048)  # DuckDB's vectors of 2,048 rows
        first = True
        while len(chunk := result.fetch_df_chunk(vectors)) or first:
            first = False
            yield chunk
            if not len(chunk):
                break


def _date(month: Any) -> str:
    """A month (a timestamp from a frame) as a SQL date literal: a constant
    the planner pushes into the scans (as a parameter, the filtered reads
    took 3 to 10 times longer)."""
    return f"date '{pd.Timestamp(month).date().isoformat()}'"


# int_risk_scores scores its rows in pieces of this many (``aligned``). The
# logistic regression's probabilities come from a BLAS product whose kernels
# treat the rows left over after their blocks of rows apart: scoring month by
# month instead of all months at once changed the last bits of the last rows
# of months (11 of 4,209 probabilities on the test data, by up to 6e-18).
# Pieces of a multiple of the block, the last one taking the rest, give every
# row the bits of one product over all rows; that holds with one BLAS thread
# (CVM_MODEL_THREADS=1, the default), as more threads split the rows by count.
SCORING_ROWS = 2**16


def aligned(chunks: Iterable[pd.DataFrame], rows: int) -> Iterator[pd.DataFrame]:
    """The rows of `chunks`, cut again into pieces of exactly `rows` rows; the
    last piece holds the rest (`rows` to 2 x `rows` - 1 rows, or everything
    when there are fewer than `rows`). An input of no rows gives one empty
    piece when it has a chunk (its columns).

    So a BLAS product over the pieces (a multiple of the kernels' block of
    rows, with the same rows left over at the end) gives every row the same
    bits as one product over all rows (see ``SCORING_ROWS``).
    """
    held: list[pd.DataFrame] = []
    count = 0
    for chunk in chunks:
        held.append(chunk)
        count += len(chunk)
        if count >= 2 * rows:
            frame = pd.concat(held, ignore_index=True)
            while len(frame) >= 2 * rows:
                yield frame.iloc[:rows].reset_index(drop=True)
                frame = frame.iloc[rows:]
            held, count = [frame.reset_index(drop=True)], len(frame)
    if held:
        yield pd.concat(held, ignore_index=True)


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


def fit(name: str, training: Training) -> Model:
    """Fit the family `name` on `training`'s rows (the training base rate
    when its candidate rows have a single class, or none)."""
    if not training.has_both_classes:
        return ConstantModel(float(training.labels[0]) if training.labels else 0.0)
    model = make_model(name)
    with limited_threads():
        model.fit(training.x, training.y)
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
    observations: Observations,
    backtest_months: list[Any],
    max_rows: int,
    models: tuple[str, ...] = MODEL_NAMES,
) -> pd.DataFrame:
    """Walk-forward predictions for each backtest month and model family.

    For backtest month b, a model trains only on labelled observations whose
    horizon ended by b (``horizon_end_month <= b``: their label was known on
    b's observation date) and scores the observations of month b. Returns one
    row per scored observation and model: customer_id, observation_month,
    model_name, churn_probability, is_churned.
    """
    frames = [
        pd.DataFrame(
            {
                "customer_id": pd.Series(dtype="string"),
                "observation_month": pd.Series(dtype="datetime64[ns]"),
                "model_name": pd.Series(dtype="string"),
                "churn_probability": pd.Series(dtype="float64"),
                "is_churned": pd.Series(dtype="int64"),
            }
        )
    ]  # so that no backtest month (too little history) gives an empty frame
    trainings = observations.trainings(max_rows, backtest_months)
    for month, training in zip(backtest_months, trainings, strict=True):
        scored = observations.rows(month)
        x = observations.matrix(scored)
        for name in models:
            model = fit(name, training)
            frames.append(
                pd.DataFrame(
                    {
                        "customer_id": scored["customer_id"].to_numpy(),
                        "observation_month": month,
                        "model_name": name,
                        "churn_probability": predict(model, x),
                        "is_churned": churned(scored),
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
    values: np.ndarray, rows: np.ndarray, churners: np.ndarray
) -> tuple[float | None, int, float | None, int]:
    """Churn rate and count of rows high vs low on a feature.

    High = top quintile, low = bottom quintile; for a flag or a count that is
    mostly zero (the quintile cut-offs coincide): with (> cut-off) vs
    without. Rows with the feature unknown are left out. The rows come
    tallied: `rows` rows of value `values[i]`, `churners` of them churned
    (per row: ones and the labels); the quintiles are those of the rows.
    """
    known = ~np.isnan(values)
    v, n, k = values[known], rows[known], churners[known]
    if n.sum() == 0:
        return None, 0, None, 0
    lo, hi = np.quantile(np.repeat(v, n), [0.2, 0.8])
    if hi > lo:
        high, low = v >= hi, v <= lo
    else:
        high, low = v > lo, v <= lo

    def rate(mask: np.ndarray) -> float | None:
        # the churners over the rows: both exact integers, so this is the
        # mean of the rows' labels to the last bit
        count = int(n[mask].sum())
        return int(k[mask].sum()) / count if count else None

    return rate(high), int(n[high].sum()), rate(low), int(n[low].sum())


class _Tally:
    """The known values of one feature with their labels, tallied for
    ``high_low_rates``, which depends on nothing else: rows and churners per
    distinct value while there are at most `MAX_DISTINCT` of them (flags,
    counts), else one entry per row (amounts)."""

    MAX_DISTINCT = 2**16

    def __init__(self) -> None:
        self.values: np.ndarray = np.zeros(0)
        self.rows: np.ndarray = np.zeros(0)  # counts, as floats (exact to 2^53)
        self.churners: np.ndarray = np.zeros(0)
        self.per_row: tuple[list[np.ndarray], list[np.ndarray]] | None = None

    def add(self, values: np.ndarray, labels: np.ndarray) -> None:
        known = ~np.isnan(values)
        values, labels = values[known], labels[known]
        if self.per_row is not None:
            self.per_row[0].append(values)
            self.per_row[1].append(labels)
            return
        self._merge(values, np.ones(len(values), dtype=np.int64), labels)
        if len(self.values) > self.MAX_DISTINCT:
            repeats = self.rows.astype(np.int64)
            first = np.repeat(np.cumsum(repeats) - repeats, repeats)
            # per value, its churners first
            churned = np.arange(len(first)) - first < np.repeat(self.churners, repeats)
            self.per_row = ([np.repeat(self.values, repeats)], [churned])

    def _merge(
        self, values: np.ndarray, rows: np.ndarray, churners: np.ndarray
    ) -> None:
        codes, distinct = pd.factorize(np.concatenate([self.values, values]))
        self.values = np.asarray(distinct, dtype=float)
        self.rows = np.bincount(codes, np.concatenate([self.rows, rows]))
        self.churners = np.bincount(codes, np.concatenate([self.churners, churners]))

    def rates(self) -> tuple[float | None, int, float | None, int]:
        if self.per_row is None:
            return high_low_rates(
                self.values, self.rows.astype(np.int64), self.churners.astype(np.int64)
            )
        values = np.concatenate(self.per_row[0])
        churners = np.concatenate(self.per_row[1]).astype(np.int8)
        return high_low_rates(values, np.ones(len(values), dtype=np.int8), churners)


def feature_rates(
    observations: Observations, names: Sequence[str] = tuple(FEATURES)
) -> dict[str, tuple[float | None, int, float | None, int]]:
    """``high_low_rates`` of each model feature of `names` over every
    observation: one pass over the rows, a chunk at a time, reading only the
    inputs and the label, each feature kept as a ``_Tally``."""
    tallies = {name: _Tally() for name in names}
    # the quantiles and rates do not depend on the order of the rows
    for rows in observations.stream(ordered=False, chunk_rows=2**18):
        labels = rows[LABEL].to_numpy(dtype=bool)
        for name in names:
            # feature_matrix's column, without building the matrix
            values = FEATURE_DEFINITIONS[name].compute(rows).to_numpy(dtype=float)
            tallies[name].add(values, labels)
    return {name: tally.rates() for name, tally in tallies.items()}
