"""One row per active customer and scoring month (the last
`risk_history_months` + `risk_horizon_months` months): churn probability from
the model family that won the backtest, retrained on every labelled
observation at each build, and the three features raising the customer's
risk most, from the logistic regression's signed contributions. The
observations stay in DuckDB: the models read their training sample, then
score the scoring months a piece at a time (cvm.risk_model.Observations).
"""

import numpy as np
import pandas as pd
from cvm.risk_model import (
    FEATURES,
    LOGISTIC,
    SCORING_ROWS,
    Observations,
    aligned,
    chosen_model,
    feature_matrix,
    fit,
    linear_contributions,
    predict,
    top_drivers,
)


def scores(rows, best, linear, chosen):
    """The scores of observation rows (``int_customer_risk_features`` columns)."""
    x = feature_matrix(rows)
    probability = predict(best, x)
    if hasattr(linear, "named_steps") and len(x):
        names, values = top_drivers(linear_contributions(linear, x), list(FEATURES))
    else:  # nothing to score, or a single class: no model, no drivers
        names = np.full((len(x), 3), None, dtype=object)
        values = np.full((len(x), 3), np.nan)
    return pd.DataFrame(
        {
            "customer_id": pd.array(rows["customer_id"], dtype="string"),
            "observation_month": pd.to_datetime(rows["observation_month"]).to_numpy(),
            "churn_probability": probability.astype(float),
            "model_name": pd.array([chosen] * len(x), dtype="string"),
            "driver_1": pd.array(names[:, 0], dtype="string"),
            "driver_1_contribution": values[:, 0].astype(float),
            "driver_2": pd.array(names[:, 1], dtype="string"),
            "driver_2_contribution": values[:, 1].astype(float),
            "driver_3": pd.array(names[:, 2], dtype="string"),
            "driver_3_contribution": values[:, 2].astype(float),
        }
    )


def model(dbt, session):
    dbt.config(materialized="table")
    history = int(dbt.config.get("risk_history_months"))
    horizon = int(dbt.config.get("risk_horizon_months"))
    max_rows = int(dbt.config.get("risk_max_training_rows"))
    chosen = chosen_model(dbt.ref("int_risk_backtest_metrics"))
    features = dbt.ref("int_customer_risk_features")
    labels = dbt.ref("int_customer_churn_labels")
    with Observations(session, features, labels, labelled_only=False) as observations:
        months = observations.months()[-(history + horizon) :]
        training = observations.training(max_rows)
        linear = fit(LOGISTIC, training)
        best = linear if chosen == LOGISTIC else fit(chosen, training)
        # the scoring months are the last ones: every month from the first on
        pieces = aligned(
            observations.stream(since=months[0] if months else None), SCORING_ROWS
        )
        scored = [scores(rows, best, linear, chosen) for rows in pieces]
    return pd.concat(scored, ignore_index=True)
