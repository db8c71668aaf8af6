"""One row per backtest observation month, customer and model family.

Walk-forward backtest of the renewal-risk models over the last
`risk_backtest_months` labelled observation months: each month is scored by a
regularised logistic regression and a gradient-boosted model trained only on
observations whose horizon ended by that month (their label was known then).
"""

import pandas as pd
from cvm.risk_model import backtest, feature_matrix, observations


def model(dbt, session):
    dbt.config(materialized="table")
    months_back = int(dbt.config.get("risk_backtest_months"))
    max_rows = int(dbt.config.get("risk_max_training_rows"))
    data = observations(
        dbt.ref("int_customer_risk_features"),
        dbt.ref("int_customer_churn_labels"),
        labelled_only=True,
    )
    months = sorted(data["observation_month"].unique())[-months_back:]
    scored = backtest(
        feature_matrix(data),
        data["is_churned_within_horizon"].astype(int).to_numpy(),
        data["observation_month"],
        data["horizon_end_month"],
        months,
        max_rows,
    )
    return pd.DataFrame(
        {
            "observation_month": pd.to_datetime(scored["observation_month"]),
            "customer_id": pd.array(
                data["customer_id"].to_numpy()[scored["position"].to_numpy()],
                dtype="string",
            ),
            "model_name": pd.array(scored["model_name"], dtype="string"),
            "churn_probability": scored["churn_probability"].astype(float),
            "is_churned": scored["is_churned"].astype(bool),
        }
    )
