"""One row per active customer and scoring month (the last
`risk_history_months` + `risk_horizon_months` months): churn probability from
the model family that won the backtest, retrained on every labelled
observation at each build, and the three features raising the customer's
risk most, from the logistic regression's signed contributions.
"""

import numpy as np
import pandas as pd
from cvm.risk_model import (
    FEATURES,
    LOGISTIC,
    chosen_model,
    feature_matrix,
    fit,
    linear_contributions,
    observations,
    predict,
    top_drivers,
)


def model(dbt, session):
    dbt.config(materialized="table")
    history = int(dbt.config.get("risk_history_months"))
    horizon = int(dbt.config.get("risk_horizon_months"))
    max_rows = int(dbt.config.get("risk_max_training_rows"))
    chosen = chosen_model(dbt.ref("int_risk_backtest_metrics"))
    data = observations(
        dbt.ref("int_customer_risk_features"),
        dbt.ref("int_customer_churn_labels"),
        labelled_only=False,
    )
    x = feature_matrix(data)
    labelled = np.flatnonzero(data["is_labelled"].to_numpy(dtype=bool))
    # unlabelled rows are never read (rows=labelled): 0 stands in
    y = data["is_churned_within_horizon"].fillna(False).astype(int).to_numpy()
    months = sorted(data["observation_month"].unique())[-(history + horizon) :]
    scoring = data["observation_month"].isin(months).to_numpy()
    linear = fit(LOGISTIC, x, y, max_rows, rows=labelled)
    best = linear if chosen == LOGISTIC else fit(chosen, x, y, max_rows, rows=labelled)
    xs = x[scoring]
    probability = predict(best, xs)
    if hasattr(linear, "named_steps") and len(xs):
        names, values = top_drivers(linear_contributions(linear, xs), list(FEATURES))
    else:  # nothing to score, or a single class: no model, no drivers
        names = np.full((len(xs), 3), None, dtype=object)
        values = np.full((len(xs), 3), np.nan)
    scored = data.loc[scoring, ["customer_id", "observation_month"]]
    return pd.DataFrame(
        {
            "customer_id": pd.array(scored["customer_id"], dtype="string"),
            "observation_month": pd.to_datetime(scored["observation_month"]).to_numpy(),
            "churn_probability": probability.astype(float),
            "model_name": pd.array([chosen] * len(xs), dtype="string"),
            "driver_1": pd.array(names[:, 0], dtype="string"),
            "driver_1_contribution": values[:, 0].astype(float),
            "driver_2": pd.array(names[:, 1], dtype="string"),
            "driver_2_contribution": values[:, 1].astype(float),
            "driver_3": pd.array(names[:, 2], dtype="string"),
            "driver_3_contribution": values[:, 2].astype(float),
        }
    )
