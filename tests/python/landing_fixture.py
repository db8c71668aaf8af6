"""Small landing directories built from the landing contract's source YAML.

The contract (table names, columns, types, optional tables) is read from
``models/staging/*/_*__sources.yml`` so that these fixtures follow it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from cvm.landing_contract import contract

PROJECT_DIR = Path(__file__).resolve().parents[2]

# One plausible value per column name; anything else falls back by type.
_VALUES: dict[str, object] = {
    "segment": "SMB",
    "region": "EMEA",
    "country_code": "DE",
    "acquisition_channel": "organic",
    "activity_type": "call",
    "priority": "normal",
    "category": "bug",
    "csat_score": 4,
    "score": 9,
    "status": "active",
    "opportunity_type": "renewal",
    "stage": "open",
    "reason_code": "other",
    "feedback_type": "review",
    "sentiment": "positive",
    "product_family": "core",
    "billing_interval_months": 1,
    "quantity": 3,
    "discount_pct": 0,
    "line_type": "recurring",
    "reason": "goodwill",
    "currency": "USD",
    "customer_id": "cus_1",
    "billing_customer_id": "cus_1",
    "rate_to_reporting": 1.1,
    "payment_terms_days": 30,
    "is_test": False,
    "is_deleted": False,
}
_BY_TYPE: dict[str, object] = {
    "varchar": "x",
    "integer": 1,
    "boolean": True,
    "date": dt.date(2026, 1, 1),
    "timestamp": dt.datetime(2026, 1, 1, 12, 0),
}


def _value(column: str, data_type: str) -> object:
    if column in _VALUES:
        return _VALUES[column]
    if column == "valid_to":
        return None
    if data_type.startswith("decimal"):
        return 10
    return _BY_TYPE[data_type]


def write_minimal_landing(
    out: Path,
    fmt: str = "csv",
    skip: tuple[str, ...] = (),
    drop_columns: dict[str, tuple[str, ...]] | None = None,
) -> Path:
    """Write one valid row per contract table into ``out``.

    ``skip`` leaves tables out; ``drop_columns`` removes columns from a table.
    """
    out.mkdir(parents=True, exist_ok=True)
    drop_columns = drop_columns or {}
    con = duckdb.connect()
    for table, spec in contract().items():
        if table in skip:
            continue
        columns = {
            name: data_type
            for name, data_type in spec["columns"].items()
            if name not in drop_columns.get(table, ())
        }
        select = ", ".join(
            f"cast(? as {data_type}) as {name}" for name, data_type in columns.items()
        )
        params = [_value(name, data_type) for name, data_type in columns.items()]
        relation = con.sql(f"select {select}", params=params)
        if fmt == "csv":
            relation.write_csv(str(out / f"{table}.csv"))
        elif fmt == "parquet":
            relation.write_parquet(str(out / f"{table}.parquet"))
        else:
            (out / table).mkdir(exist_ok=True)
            relation.write_parquet(str(out / table / "part-0.parquet"))
    con.close()
    return out


def assert_built_from_minimal_rows(
    con: duckdb.DuckDBPyConnection, feedback_rows: int
) -> None:
    """What a build of one valid row per table holds (``con``: its file).

    One customer; ``feedback_rows`` rows of the optional crm_feedback; and
    the optional product_usage_daily, there or not, has the contract's
    typed columns.
    """
    assert con.sql("select count(*) from marts.dim_customers").fetchone() == (1,)
    feedback = con.sql("select count(*) from staging.stg_crm__feedback")
    assert feedback.fetchone() == (feedback_rows,)
    types = dict(
        con.sql(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'staging' "
            "and table_name = 'stg_product__usage_daily'"
        ).fetchall()
    )
    assert types["usage_date"] == "DATE"
    assert types["key_actions"] == "INTEGER"
