"""One row per backtest observation month, customer and model family.

Walk-forward backtest of the renewal-risk models over the last
`risk_backtest_months` labelled observation months: each month is scored by a
regularised logistic regression and a gradient-boosted model trained only on
observations whose horizon ended by that month (their label was known then).
The observations stay in DuckDB: only each month's training sample and the
month scored are read (cvm.risk_model.Observations).
"""

import pandas as pd
from cvm.risk_model import Observations, backtest


def model(dbt, session):
    dbt.config(materialized="table")
    months_back = int(dbt.config.get("risk_backtest_months"))
    max_rows = int(dbt.config.get("risk_max_training_rows"))
    features = dbt.ref("int_customer_risk_features")
    labels = dbt.ref("int_customer_churn_labels")
    with Observations(session, features, labels, labelled_only=True) as observations:
        months = observations.months()[-months_back:]
        scored = backtest(observations, months, max_rows)
    return pd.DataFrame(
        {
            "observation_month": pd.to_datetime(scored["observation_month"]),
            "customer_id": pd.array(scored["customer_id"], dtype="string"),
            "model_name": pd.array(scored["model_name"], dtype="string"),
            "churn_probability": scored["churn_probability"].astype(float),
            "is_churned": scored["is_churned"].astype(bool),
        }
    )
