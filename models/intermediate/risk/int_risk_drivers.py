"""One row per model feature: what the renewal-risk model learned about it.

The regularised logistic regression's standardised coefficient (retrained on
every labelled observation), the permutation importance of the chosen model
(drop in AUC when the feature is shuffled, on the last labelled observation
month, the model trained only on labels known by then), and the observed
churn rate of customers high vs low on the feature. The observations stay in
DuckDB: the models read their training samples and the importance holdout,
the rates one feature's inputs at a time (cvm.risk_model.Observations).
"""

import numpy as np
import pandas as pd
from cvm.risk_model import (
    FEATURES,
    LOGISTIC,
    SEED,
    Observations,
    chosen_model,
    churned,
    feature_group,
    feature_matrix,
    feature_rates,
    fit,
    limited_threads,
)
from sklearn.inspection import permutation_importance


def model(dbt, session):
    dbt.config(materialized="table")
    max_rows = int(dbt.config.get("risk_max_training_rows"))
    max_holdout = int(dbt.config.get("risk_importance_rows"))
    chosen = chosen_model(dbt.ref("int_risk_backtest_metrics"))
    names = list(FEATURES)
    features = dbt.ref("int_customer_risk_features")
    labels = dbt.ref("int_customer_churn_labels")
    with Observations(session, features, labels, labelled_only=True) as observations:
        months = observations.months()
        # every labelled observation; those whose label was known in the
        # last month, for the importance
        last = months[-1] if months else None
        everything, known = observations.trainings(max_rows, [None, last])
        linear = fit(LOGISTIC, everything)
        if hasattr(linear, "named_steps"):
            coefficients = linear[-1].coef_[0]
        else:
            coefficients = np.zeros(len(names))
        importance = np.full(len(names), np.nan)
        if months:
            test = observations.rows(last, max_rows=max_holdout)
            y_test = churned(test)
            if len(np.unique(y_test)) == 2 and known.has_both_classes:
                held = fit(chosen, known)
                with limited_threads():
                    result = permutation_importance(
                        held,
                        feature_matrix(test),
                        y_test,
                        scoring="roc_auc",
                        n_repeats=3,
                        random_state=SEED,
                    )
                importance = result.importances_mean
        rates = feature_rates(observations)
    rows = []
    for i, name in enumerate(names):
        high_rate, high_n, low_rate, low_n = rates[name]
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
