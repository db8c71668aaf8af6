"""Renewal risk: how the models read their rows; end to end, no leakage and
the planted drivers are found.

The risk models read their observations from DuckDB a slice at a time
(``Observations``): on a small made-up feature table, every slice must equal
what the former reading of every observation into one frame gave (the same
rows, same sample, same floats), and scoring in aligned pieces must give
the same probabilities as one product over all rows.

Two warehouses on generated data, each built once per module with dbt (one
invocation: the seeds and models the assertions read):

- the same 300-customer landing files built at as-of T and at T minus 3
  months: every feature row up to the earlier date must be identical (a
  feature that read a later fact, or a current-state field, would differ);
- 3,000 customers x 36 months with usage over the whole history: the
  behaviours the generator drives churn with (usage decline, detractor NPS,
  urgent tickets, late payment) must rank among the six strongest
  behaviours of fct_renewal_drivers, raising risk, and promoters must lower
  it; the backtest must beat the issue's targets.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import PROJECT_DIR, cli_env

from cvm.generate import generate
from cvm.risk_model import (
    FEATURE_DEFINITIONS,
    FEATURES,
    LABEL,
    LOGISTIC,
    Observations,
    Training,
    _Tally,
    aligned,
    churned,
    feature_inputs,
    feature_matrix,
    feature_rates,
    fit,
    predict,
    sample_rows,
)

DBT = str(Path(sys.executable).parent / "dbt")
AS_OF = "2026-10-31"
EARLIER_AS_OF = "2026-07-31"
PLANTED_RAISING = (
    "usage_decline",
    "is_nps_detractor",
    "urgent_tickets_6m",
    "late_invoice_share_12m",
)


def made_up_observations(seed: int = 3) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with `features` and `labels` tables: 300
    customers over 14 months, nulls in every nullable input, rows stored in
    random order, some feature rows without a label row and the reverse,
    the last 3 months unlabelled."""
    rng = np.random.default_rng(seed)
    months = pd.date_range("2025-01-01", periods=14, freq="MS")
    keys = pd.MultiIndex.from_product(
        [[f"c{i:04d}" for i in range(300)], months],
        names=["customer_id", "observation_month"],
    ).to_frame(index=False)
    keys = keys.sample(frac=0.8, random_state=seed).reset_index(drop=True)
    n = len(keys)

    def maybe_null(values: np.ndarray, share: float = 0.1) -> pd.Series:
        return pd.Series(values).mask(rng.random(n) < share)

    features = keys.assign(
        segment=rng.choice(["SMB", "Enterprise", "Unassigned", "Mid-Market"], n),
        tenure_months=rng.integers(1, 40, n),
        mrr=np.round(rng.gamma(2.0, 300.0, n), 2),
        mrr_change_3m=maybe_null(rng.normal(0, 0.5, n)),
        contractions_3m=rng.integers(0, 3, n),
        months_to_contract_end=maybe_null(rng.integers(0, 12, n)).astype("Int32"),
        is_contract_end_in_horizon=rng.random(n) < 0.3,
        billing_interval_months=maybe_null(rng.choice([1, 3, 12], n)).astype("Int32"),
        usage_per_seat_day=maybe_null(rng.gamma(1.0, 2.0, n), 0.3),
        usage_trend=maybe_null(rng.normal(0, 1, n), 0.3),
        urgent_tickets_6m=rng.integers(0, 4, n),
        tickets_6m=rng.integers(0, 9, n),
        open_tickets=rng.integers(0, 3, n),
        csat_6m=maybe_null(rng.uniform(1, 5, n), 0.5),
        nps_category=rng.choice(["none", "detractor", "passive", "promoter"], n),
        late_invoices_6m=rng.integers(0, 3, n),
        late_invoice_share_12m=maybe_null(rng.random(n), 0.2),
        failed_payments_6m=rng.integers(0, 3, n),
        days_to_pay_6m=maybe_null(rng.gamma(2.0, 10.0, n), 0.2),
        engagement_activities_3m=rng.integers(0, 4, n),
        referrals_to_date=rng.integers(0, 2, n),
        feedback_12m=rng.integers(0, 3, n),
    )
    labels = keys.sample(frac=1.0, random_state=seed + 1).reset_index(drop=True)
    labels["horizon_end_month"] = labels["observation_month"] + pd.DateOffset(months=3)
    labels["is_labelled"] = labels["horizon_end_month"] <= months[-1]
    labels["is_churned_within_horizon"] = (rng.random(n) < 0.15) & labels["is_labelled"]
    labels["is_churned_within_horizon"] = labels["is_churned_within_horizon"].where(
        labels["is_labelled"]
    )
    con = duckdb.connect()
    # 95% of each: some observations have only a feature row or a label row
    for name, frame in {"features": features, "labels": labels}.items():
        con.register(f"{name}_frame", frame.sample(frac=0.95, random_state=seed))
    con.execute(
        "create table features as select * replace ("
        "cast(observation_month as date) as observation_month, "
        "cast(tenure_months as integer) as tenure_months) from features_frame"
    )
    con.execute(
        "create table labels as select * replace ("
        "cast(observation_month as date) as observation_month, "
        "cast(horizon_end_month as date) as horizon_end_month, "
        "cast(is_churned_within_horizon as boolean) as is_churned_within_horizon) "
        "from labels_frame"
    )
    return con


def every_observation(
    con: duckdb.DuckDBPyConnection, labelled_only: bool
) -> pd.DataFrame:
    """How the risk models read their rows before: every observation in one
    frame, ordered by month and customer (the reference)."""
    labels = con.table("labels").df()
    if labelled_only:
        labels = labels[labels["is_labelled"]]
    return (
        con.table("features")
        .df()
        .merge(labels, on=["customer_id", "observation_month"], how="inner")
        .sort_values(["observation_month", "customer_id"], ignore_index=True)
    )


def rates_of_every_row(
    values: pd.Series, y: np.ndarray
) -> tuple[float | None, int, float | None, int]:
    """How int_risk_drivers computed a feature's rates before, on every
    labelled observation at once (the reference)."""
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


def observations_of(
    con: duckdb.DuckDBPyConnection, labelled_only: bool
) -> Observations:
    return Observations(con, con.table("features"), con.table("labels"), labelled_only)


def assert_same_frame(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Same values in the columns read; a fetched slice without nulls in an
    integer or boolean column has its plain dtype, not the nullable one (no
    value changes)."""
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True),
        expected[list(got.columns)].reset_index(drop=True),
        check_exact=True,
        check_dtype=False,
    )
    if list(got.columns) == list(FEATURES):  # model inputs: floats, always
        assert (got.dtypes == "float64").all()


def test_each_feature_reads_only_its_inputs() -> None:
    frame = every_observation(made_up_observations(), labelled_only=False)
    assert list(FEATURE_DEFINITIONS) == list(FEATURES)
    whole = feature_matrix(frame)
    assert whole.notna().all().sum() < len(FEATURES)  # nulls do reach features
    for name, feature in FEATURE_DEFINITIONS.items():
        alone = feature_matrix(frame[list(feature.inputs)], [name])
        pd.testing.assert_series_equal(alone[name], whole[name], check_exact=True)


@pytest.mark.parametrize("max_rows", [100, 700, 100_000])
def test_a_training_sample_is_the_sample_of_every_observation(max_rows: int) -> None:
    con = made_up_observations()
    for labelled_only in (True, False):
        data = every_observation(con, labelled_only)
        x = feature_matrix(data)
        labelled = data["is_labelled"].to_numpy(dtype=bool)
        y = data["is_churned_within_horizon"].fillna(False).astype(int).to_numpy()
        months = sorted(data["observation_month"].unique())
        cutoffs = [None, months[3], months[-4], months[0]]
        with observations_of(con, labelled_only) as observations:
            assert observations.months() == months
            assert observations.trainings(max_rows, []) == []
            # several cut-offs read at once, as the backtest reads them
            at_once = observations.trainings(max_rows, cutoffs)
            for known_by, together in zip(cutoffs, at_once, strict=True):
                candidates = labelled.copy()
                if known_by is not None:
                    candidates &= (data["horizon_end_month"] <= known_by).to_numpy()
                rows = np.flatnonzero(candidates)
                keep = rows[sample_rows(len(rows), max_rows)]
                bounds = (y[rows].min(), y[rows].max()) if len(rows) else None
                alone = observations.training(max_rows, known_by=known_by)
                for training in (alone, together):
                    assert_same_frame(training.x, x.iloc[keep])
                    np.testing.assert_array_equal(training.y, y[keep])
                    assert training.labels == bounds


def test_a_month_and_its_holdout_are_those_of_every_observation() -> None:
    con = made_up_observations()
    data = every_observation(con, labelled_only=True)
    read = ["customer_id", "observation_month", *feature_inputs(), LABEL]
    with observations_of(con, labelled_only=True) as observations:
        assert list(observations.rows(data["observation_month"].min())) == read
        for month in observations.months():
            in_month = data[data["observation_month"] == month]
            assert_same_frame(observations.rows(month), in_month)
            held = in_month.iloc[sample_rows(len(in_month), 50)]
            assert len(held) == 50
            assert_same_frame(observations.rows(month, max_rows=50), held)
            np.testing.assert_array_equal(
                churned(observations.rows(month)),
                in_month["is_churned_within_horizon"].astype(int).to_numpy(),
            )


def test_a_stream_in_aligned_pieces_is_every_observation_in_order() -> None:
    con = made_up_observations()
    data = every_observation(con, labelled_only=False)
    months = sorted(data["observation_month"].unique())
    with observations_of(con, labelled_only=False) as observations:
        stream = observations.stream(since=months[-5], chunk_rows=1)
        pieces = list(aligned(stream, 64))
    assert [len(p) for p in pieces[:-1]] == [64] * (len(pieces) - 1)
    assert 64 <= len(pieces[-1]) < 128
    since = data[data["observation_month"] >= months[-5]]
    assert_same_frame(feature_matrix(pd.concat(pieces)), feature_matrix(since))
    assert_same_frame(
        pd.concat(pieces)[["customer_id", "observation_month"]],
        since[["customer_id", "observation_month"]],
    )
    # fewer rows than a piece: one piece; nothing at all: one empty piece
    assert [len(p) for p in aligned([data.iloc[:10], data.iloc[10:30]], 64)] == [30]
    assert [len(p) for p in aligned([data.iloc[:0]], 64)] == [0]


def test_scoring_in_aligned_pieces_gives_the_bits_of_one_product() -> None:
    con = made_up_observations()
    data = every_observation(con, labelled_only=False)
    x = feature_matrix(data)
    labelled = data["is_labelled"].to_numpy(dtype=bool)
    model = fit(
        LOGISTIC,
        Training(x[labelled], churned(data[labelled]), (0, 1)),
    )
    at_once = predict(model, x)
    for rows in (64, 256, 1024):
        pieces = aligned(
            [data.iloc[i : i + 100] for i in range(0, len(data), 100)], rows
        )
        in_pieces = np.concatenate([predict(model, feature_matrix(p)) for p in pieces])
        np.testing.assert_array_equal(in_pieces, at_once)


def test_feature_rates_are_those_of_every_labelled_observation() -> None:
    con = made_up_observations()
    data = every_observation(con, labelled_only=True)
    x = feature_matrix(data)
    y = data["is_churned_within_horizon"].astype(int).to_numpy()
    with observations_of(con, labelled_only=True) as observations:
        rates = feature_rates(observations)
    assert list(rates) == list(FEATURES)
    for name in FEATURES:
        assert rates[name] == rates_of_every_row(x[name], y), name


def test_a_tally_of_many_values_keeps_them_and_its_rates() -> None:
    rng = np.random.default_rng(11)
    values = np.round(rng.normal(size=3 * _Tally.MAX_DISTINCT), 6)
    values[rng.random(len(values)) < 0.1] = np.nan
    labels = rng.random(len(values)) < 0.2
    tally = _Tally()
    for part in np.array_split(np.arange(len(values)), 7):
        tally.add(values[part], labels[part])
    assert tally.per_row is not None  # more distinct values than a table holds
    assert tally.rates() == rates_of_every_row(pd.Series(values), labels)
    # and a few distinct values, with ties at the quintiles
    few = np.where(np.isnan(values), values, np.round(values))
    tally = _Tally()
    for part in np.array_split(np.arange(len(values)), 7):
        tally.add(few[part], labels[part])
    assert tally.per_row is None
    assert tally.rates() == rates_of_every_row(pd.Series(few), labels)


def build(landing: Path, warehouse: Path, select: str, **env: str) -> None:
    """The models of `select` and the seeds they read, into `warehouse`.

    One dbt invocation (one parse of the project): `dbt build` without the
    data and unit tests.
    """
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            DBT,
            "build",
            "--select",
            select,
            "--exclude-resource-type",
            "test",
            "unit_test",
            "--profiles-dir",
            "profiles",
            "--project-dir",
            ".",
        ],
        cwd=PROJECT_DIR,
        env=cli_env(landing, warehouse, **env),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-4000:]


def features(warehouse: Path, up_to: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(
            "select * from intermediate.int_customer_risk_features "
            "where observation_month <= ? order by customer_id, observation_month",
            params=[up_to],
        ).df()


@pytest.fixture(scope="module")
def two_as_of_dates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("risk_leakage")
    landing = root / "landing"
    generate(customers=300, months=24, seed=5, out=landing, fmt="parquet")
    later, earlier = root / "later" / "cvm.duckdb", root / "earlier" / "cvm.duckdb"
    build(landing, later, "+int_customer_risk_features", CVM_AS_OF_DATE=AS_OF)
    build(landing, earlier, "+int_customer_risk_features", CVM_AS_OF_DATE=EARLIER_AS_OF)
    return later, earlier


def test_features_up_to_an_earlier_as_of_do_not_change(two_as_of_dates) -> None:
    later, earlier = two_as_of_dates
    at_t = features(later, EARLIER_AS_OF)
    at_t_minus_3 = features(earlier, EARLIER_AS_OF)
    assert len(at_t_minus_3) > 1000
    # the later build has more months: the as-of dates really differ
    assert len(features(later, AS_OF)) > len(at_t) + 500
    pd.testing.assert_frame_equal(at_t, at_t_minus_3, check_exact=True)


@pytest.fixture(scope="module")
def drivers_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("risk_drivers")
    landing, warehouse = root / "landing", root / "warehouse" / "cvm.duckdb"
    generate(
        customers=3000,
        months=36,
        seed=21,
        out=landing,
        fmt="parquet",
        usage_days=31 * 36,
    )
    build(landing, warehouse, "+fct_renewal_drivers +fct_renewal_risk_backtest")
    return warehouse


def test_planted_behaviours_rank_in_the_top_six(drivers_warehouse) -> None:
    with duckdb.connect(str(drivers_warehouse), read_only=True) as con:
        rows = con.sql(
            "select feature, direction, rank_in_group from marts.fct_renewal_drivers "
            "where feature_group = 'behaviour'"
        ).fetchall()
    drivers = {feature: (direction, rank) for feature, direction, rank in rows}
    for feature in PLANTED_RAISING:
        direction, rank = drivers[feature]
        assert direction == "raises risk", (feature, drivers)
        assert rank <= 6, (feature, sorted(drivers.items(), key=lambda d: d[1][1]))
    assert drivers["is_nps_promoter"][0] == "lowers risk", drivers


def test_backtest_meets_the_targets(drivers_warehouse) -> None:
    with duckdb.connect(str(drivers_warehouse), read_only=True) as con:
        auc, lift, brier, months = con.sql(
            "select avg(auc), avg(top_decile_lift), avg(brier_score), count(*) "
            "from marts.fct_renewal_risk_backtest where is_chosen"
        ).fetchone()
    assert months == 6
    assert auc >= 0.75 and lift >= 3 and 0 < brier < 0.25, (auc, lift, brier)
