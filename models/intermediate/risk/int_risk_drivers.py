"""One row per model feature: what the renewal-risk model learned about it.

The regularised logistic regression's standardised coefficient (retrained on
every labelled observation), the permutation importance of the chosen model
(drop in AUC when the feature is shuffled, on the last labelled observation
month, the model trained only on labels known by then), and the observed
churn rate of customers high vs low on the feature.
"""

import numpy as np
import pandas as pd
from cvm.risk_model import (
    FEATURES,
    LOGISTIC,
    SEED,
    chosen_model,
    feature_group,
    feature_matrix,
    fit,
    high_low_rates,
    limited_threads,
    observations,
    sample_rows,
)
from sklearn.inspection import permutation_importance


def model(dbt, session):
    dbt.config(materialized="table")
    max_rows = int(dbt.config.get("risk_max_training_rows"))
    max_holdout = int(dbt.config.get("risk_importance_rows"))
    chosen = chosen_model(dbt.ref("int_risk_backtest_metrics"))
    data = observations(
        dbt.ref("int_customer_risk_features"),
        dbt.ref("int_customer_churn_labels"),
        labelled_only=True,
    )

    x = feature_matrix(data)
    y = data["is_churned_within_horizon"].astype(int).to_numpy()
    names = list(FEATURES)
    linear = fit(LOGISTIC, x, y, max_rows)
    if hasattr(linear, "named_steps"):
        coefficients = linear[-1].coef_[0]
    else:
        coefficients = np.zeros(len(names))
    importance = np.full(len(names), np.nan)
    if len(data):
        last = data["observation_month"].max()
        train = np.flatnonzero((data["horizon_end_month"] <= last).to_numpy())
        test = np.flatnonzero((data["observation_month"] == last).to_numpy())
        test = test[sample_rows(len(test), max_holdout)]
        if len(np.unique(y[test])) == 2 and len(np.unique(y[train])) == 2:
            held = fit(chosen, x, y, max_rows, rows=train)
            with limited_threads():
                result = permutation_importance(
                    held,
                    x.iloc[test],
                    y[test],
                    scoring="roc_auc",
                    n_repeats=3,
                    random_state=SEED,
                )
            importance = result.importances_mean
    rows = []
    for i, name in enumerate(names):
        high_rate, high_n, low_rate, low_n = high_low_rates(x[name], y)
        rows.append(
            {
                "feature": name,
                "feature_group": feature_group(name),
                "description": FEATURES[name],
                "standardised_coefficient": float(coefficients[i]),
                "permutation_importance": float(importance[i]),
                "churn_rate_high": high_rate,
                "customers_high": high_n,
                "churn_rate_low": low_rate,
                "customers_low": low_n,
                "model_name": chosen,
            }
        )
    return pd.DataFrame(rows)
