"""Great Expectations suites on a built (staging) warehouse file.

They state business expectations the dbt tests do not: value ranges, rates
in 0..1, distributions, bridges balancing, the share of landing rows set
aside, and row counts against the last published run. Everything runs as SQL
inside DuckDB through GX's SQL datasource (duckdb-engine), so no mart is
loaded into memory; the file is opened read-only.

Each check reads one *asset*: a query over the warehouse with a ``row_key``
column (the mart's grain, joined with ' | '), so a failure names the rows
that broke it. One suite per asset; one checkpoint runs them all, from an
ephemeral context (nothing written under gx/).
"""

from __future__ import annotations

import datetime
import json
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cvm.landing_contract import contract
from cvm.settings import Settings

if TYPE_CHECKING:  # importing GX takes seconds: only where it runs
    from great_expectations.core.expectation_validation_result import (
        ExpectationValidationResult,
    )
    from great_expectations.expectations.expectation import Expectation

RATE = {"min_value": 0, "max_value": 1}
# Row counts are compared with the last published run when its as-of date is
# at most this many days older (one monthly step, with room to spare).
COMPARABLE_DAYS = 45
# Lifecycle stages of fct_customer_lifecycle (marts.md).
STAGES = [
    "onboarding",
    "activating",
    "in_life",
    "dormant",
    "at_risk",
    "churned",
    "reactivated",
]


@dataclass
class Asset:
    """A query to validate, its grain and what is expected of it."""

    name: str
    query: str
    key: list[str]
    expectations: list[Expectation] = field(default_factory=list)


@dataclass
class ValidationOutcome:
    success: bool
    evaluated: int
    failed: int
    failures: list[str]
    summary: dict[str, Any]  # per suite, and _seconds, _notes (gx_summary)
    results_path: Path | None = None
    # what passed but an on-call engineer should know (absent optional tables)
    notes: list[str] = field(default_factory=list)


def _patch_sql_execution_engine() -> None:
    """Read query results while GX's connection is still open.

    GX 1.24 returns a cursor result from ``execute_query`` after leaving the
    connection's context; on duckdb-engine the rows are gone by then and
    every expectation fails with "list index out of range" (GX issues
    #10738, #11579). Materialise the rows (SQLAlchemy's ``freeze()``) first.
    """
    from great_expectations.execution_engine import sqlalchemy_execution_engine

    engine_class = sqlalchemy_execution_engine.SqlAlchemyExecutionEngine
    if getattr(engine_class, "_cvm_patched", False):
        return

    def execute_query(
        self: sqlalchemy_execution_engine.SqlAlchemyExecutionEngine, query: Any
    ) -> Any:
        with self.get_connection() as connection:
            result = self._execute_query_with_recovery(connection, query)
            if result.returns_rows:
                return result.freeze()()
            return result

    # a patch of the class, by name (mypy rightly refuses method assignment)
    setattr(engine_class, "execute_query", execute_query)  # noqa: B010
    setattr(engine_class, "_cvm_patched", True)  # noqa: B010


def _mart(name: str, key: list[str], expectations: list[Expectation]) -> Asset:
    return Asset(name, f"select * from marts.{name}", key, expectations)


def mart_assets(row_counts: dict[str, tuple[int, int]]) -> list[Asset]:
    """Expectations on the marts. ``row_counts``: bounds per mart, if any."""
    import great_expectations as gx

    x = gx.expectations

    def between(column: str, **bounds: Any) -> Expectation:
        """Values of ``column`` within the bounds given (min_value, max_value)."""
        return x.ExpectColumnValuesToBeBetween(column=column, **bounds)

    assets = [
        _mart(
            "dim_customers",
            ["customer_id"],
            [
                x.ExpectTableRowCountToBeBetween(min_value=1),
                # Most billing customers have a CRM account: at most one in
                # five may fall in 'Unassigned'.
                x.ExpectColumnValuesToBeInSet(
                    column="segment",
                    value_set=["SMB", "Mid-Market", "Enterprise"],
                    mostly=0.8,
                ),
                between("current_mrr", min_value=0),
                between("tenure_months", min_value=0, max_value=1200),
                x.ExpectColumnValuesToBeInSet(
                    column="lifecycle_stage", value_set=STAGES
                ),
                between("churn_probability", **RATE),
            ],
        ),
        _mart(
            "fct_customer_mrr_monthly",
            ["customer_id", "month_start"],
            [
                x.ExpectTableRowCountToBeBetween(min_value=1),
                between("mrr", min_value=0),
                between("previous_mrr", min_value=0),
            ],
        ),
        Asset(
            "fct_mrr_movements__bridges",
            "select month_start, segment, closing_mrr, "
            "opening_mrr + fx_adjustment_mrr + new_mrr + reactivation_mrr "
            "+ expansion_mrr - contraction_mrr - churned_mrr - closing_mrr "
            "as mrr_bridge_gap, opening_customers + new_customers "
            "+ reactivated_customers - churned_customers - closing_customers "
            "as customer_bridge_gap from marts.fct_mrr_movements",
            ["month_start", "segment"],
            [
                x.ExpectTableRowCountToBeBetween(min_value=1),
                between("mrr_bridge_gap", min_value=-0.01, max_value=0.01),
                between("customer_bridge_gap", min_value=0, max_value=0),
                between("closing_mrr", min_value=0),
            ],
        ),
        Asset(
            "fct_customer_flows__bridges",
            "select period_grain, period_start, segment, "
            "opening_customers + new_customers + reactivated_customers "
            "- churned_customers - closing_customers as customer_bridge_gap, "
            "opening_mrr + fx_adjustment_mrr + new_customer_mrr + reactivated_mrr "
            "+ expansion_mrr - contraction_mrr - churned_mrr - closing_mrr "
            "as mrr_bridge_gap from marts.fct_customer_flows",
            ["period_grain", "period_start", "segment"],
            [
                between("customer_bridge_gap", min_value=0, max_value=0),
                between("mrr_bridge_gap", min_value=-0.01, max_value=0.01),
            ],
        ),
        _mart(
            "fct_churn_events",
            ["customer_id", "churn_month"],
            [between("churned_mrr", min_value=0, strict_min=True)],
        ),
        _mart(
            "fct_renewal_cohorts",
            ["cohort_month", "segment"],
            [
                between("renewal_rate", **RATE),
                between("gross_renewal_rate", **RATE),
                # expansion can lift it above 1, not beyond reason
                between("net_renewal_rate", min_value=0, max_value=3),
            ],
        ),
        _mart(
            "fct_retention_cohorts",
            ["cohort_month", "segment", "months_since_start"],
            [
                between("logo_retention", **RATE),
                between("gross_revenue_retention", **RATE),
                between("net_revenue_retention", min_value=0, max_value=5),
            ],
        ),
        _mart(
            "fct_growth_kpis",
            ["period_grain", "period_start", "segment"],
            [
                between("logo_churn_rate", **RATE),
                between("gross_mrr_churn_rate", **RATE),
                between("new_customer_revenue_share", **RATE),
                between("existing_customer_revenue_share", **RATE),
                between("new_customers_share", **RATE),
                between("trailing_12m_grr", **RATE),
                between("trailing_12m_nrr", min_value=0, max_value=5),
                between("arpa", min_value=0),
            ],
        ),
        _mart(
            "fct_customer_profitability",
            ["customer_id", "year_start"],
            [
                between("margin_pct", max_value=100),
                between("gross_revenue", min_value=0),
                between("cogs", min_value=0),
                between("cost_to_serve", min_value=0),
            ],
        ),
        _mart(
            "fct_revenue_distribution",
            ["year_start", "segment"],
            [
                x.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="net_revenue_median",
                    column_B="net_revenue_p10",
                    or_equal=True,
                ),
                x.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="net_revenue_p90",
                    column_B="net_revenue_median",
                    or_equal=True,
                ),
                x.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="net_revenue_max",
                    column_B="net_revenue_p90",
                    or_equal=True,
                ),
            ],
        ),
        _mart(
            "fct_referrals_by_segment",
            ["quarter_start", "segment"],
            [
                between("referral_rate", **RATE),
                between("would_refer_rate", **RATE),
                between("nps", min_value=-100, max_value=100),
                x.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="referrals", column_B="converted_referrals", or_equal=True
                ),
                x.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="active_customers",
                    column_B="referring_customers",
                    or_equal=True,
                ),
            ],
        ),
        _mart(
            "fct_not_referring_reasons",
            ["quarter_start", "segment", "not_referring_reason"],
            [between("response_share", **RATE)],
        ),
        _mart(
            "fct_customer_value_scores",
            ["snapshot_month", "customer_id"],
            [
                between("value_score", min_value=0, max_value=100),
                x.ExpectColumnValuesToBeInSet(
                    column="value_tier", value_set=["A+", "A", "B", "C"]
                ),
            ],
        ),
        Asset(
            "fct_customer_value_scores__as_of",
            "select snapshot_month, customer_id, value_score "
            "from marts.fct_customer_value_scores where snapshot_month = "
            "(select max(snapshot_month) from marts.fct_customer_value_scores)",
            ["snapshot_month", "customer_id"],
            [
                # Scores are weighted means of mid-rank percentiles: their
                # centre sits near 50 unless normalisation is broken.
                x.ExpectColumnMedianToBeBetween(
                    column="value_score", min_value=30, max_value=70
                ),
                x.ExpectColumnMeanToBeBetween(
                    column="value_score", min_value=30, max_value=70
                ),
            ],
        ),
        _mart(
            "fct_value_concentration_summary",
            ["snapshot_month", "segment"],
            [
                # the top fifth holds at least a fifth, or ranking is broken
                between("top20_revenue_share", min_value=0.2, max_value=1),
                between("revenue_gini", **RATE),
                between("customers_for_80pct_profit_share", **RATE),
            ],
        ),
        _mart(
            "fct_customer_lifecycle",
            ["customer_id", "month_start"],
            [
                x.ExpectColumnValuesToBeInSet(
                    column="lifecycle_stage", value_set=STAGES
                ),
                between("days_since_start", min_value=0),
            ],
        ),
        _mart(
            "fct_renewal_risk",
            ["snapshot_month", "customer_id"],
            [
                x.ExpectTableRowCountToBeBetween(min_value=1),
                between("churn_probability", **RATE),
                between("mrr", min_value=0, strict_min=True),
                between("mrr_at_risk", min_value=0),
            ],
        ),
        _mart(
            "fct_renewal_risk_backtest",
            ["observation_month", "model_name"],
            [
                x.ExpectTableRowCountToBeBetween(min_value=1),
                between("auc", **RATE),
                between("base_rate", **RATE),
                between("brier_score", **RATE),
                between("top_decile_lift", min_value=0),
            ],
        ),
        Asset(
            "fct_renewal_risk_backtest__chosen",
            "select model_name, avg(auc) as mean_auc "
            "from marts.fct_renewal_risk_backtest where is_chosen group by 1",
            ["model_name"],
            [
                # one chosen family, ranking better than a coin toss
                x.ExpectTableRowCountToEqual(value=1),
                between("mean_auc", min_value=0.5, max_value=1),
            ],
        ),
        _mart(
            "fct_renewal_risk_calibration",
            ["model_name", "decile"],
            [
                between("mean_predicted_probability", **RATE),
                between("observed_churn_rate", **RATE),
            ],
        ),
        _mart(
            "fct_renewal_drivers",
            ["feature"],
            [
                x.ExpectTableRowCountToBeBetween(min_value=1),
                between("churn_rate_high", **RATE),
                between("churn_rate_low", **RATE),
            ],
        ),
        _mart(
            "fct_surprise_non_renewals",
            ["month_start", "segment"],
            [
                between("surprise_non_renewals", min_value=0),
                between("at_risk_customers", min_value=0),
                between("mrr_at_risk", min_value=0),
            ],
        ),
        _mart(
            "fct_customer_lifetime_value",
            ["customer_id"],
            [
                between("churn_probability", **RATE),
                between("monthly_hazard", **RATE),
                between("expected_remaining_months", min_value=0, max_value=1200),
            ],
        ),
    ]
    by_name = {asset.name: asset for asset in assets}
    for mart, bounds in row_counts.items():
        asset = by_name.get(mart)
        if asset is None:
            asset = by_name[mart] = _mart(mart, [], [])
            assets.append(asset)
        low, high = bounds
        asset.expectations.append(
            x.ExpectTableRowCountToBeBetween(min_value=low, max_value=high)
        )
    return assets


def row_count_bounds(
    previous: dict[str, int], tolerance: float, slack: int
) -> dict[str, tuple[int, int]]:
    """Allowed row counts per mart, around the last published run's."""
    bounds = {}
    for mart, rows in previous.items():
        margin = max(rows * tolerance, slack)
        bounds[mart] = (max(0, math.floor(rows - margin)), math.ceil(rows + margin))
    return bounds


# Required tables that may legitimately have no rows: the reporting
# currency needs no fx rates (landing contract), so a company billing only
# in it exports an empty fx_rates. Amounts in other currencies without a
# rate are quarantined, which the quarantine share catches.
MAY_BE_EMPTY = {"fx_rates"}


def _export_state(optional: bool, has_file: bool | None) -> str:
    """What arrived for a landing table with no rows, in words."""
    if has_file is None:
        what = "no rows"
    else:
        what = "a file without rows" if has_file else "no file"
    if optional:
        return f"deliberately absent: {what} (optional)"
    return f"empty export: {what}"


def landing_asset(
    settings: Settings,
    built_rows: dict[str, int],
    previous_rows: dict[str, int],
    landing_files: dict[str, bool] | None = None,
) -> Asset:
    """The landing data's shape: rows per table, share quarantined, shrinkage.

    ``built_rows``: the raw rows per table the build read, counted right after
    it (the landing views read the files live; they may have changed since).
    ``landing_files``: whether each table had a file then (None: unknown).
    An optional table without rows (no file, or a header only) is absent by
    choice, not a shrinking export: it is not compared with the last publish.
    Each row's key says what arrived, so a failure names the case.
    """
    import great_expectations as gx

    tables = contract()
    landing_files = landing_files or {}
    rows_of = []
    for name, spec in tables.items():
        rows, last = int(built_rows.get(name, 0)), previous_rows.get(name)
        if rows == 0:
            export = _export_state(spec["optional"], landing_files.get(name))
        elif last and rows < last:
            export = f"shrinking export: {rows} rows, {last} at the last publish"
        else:
            export = f"{rows} rows"
        rows_of.append(
            f"select '{name}' as source_table, '{export}' as export, "
            f"{not spec['optional'] and name not in MAY_BE_EMPTY} as needs_rows, "
            f"{spec['optional'] and rows == 0} as is_absent, {rows} as raw_rows"
        )
    counts = " union all ".join(rows_of)
    previous = (
        " union all ".join(
            f"select '{name}' as source_table, {int(rows)} as previous_rows"
            for name, rows in previous_rows.items()
            if name in tables
        )
        or "select null as source_table, null as previous_rows where false"
    )
    query = (
        f"with counts as ({counts}), previous as ({previous}), quarantined as ("
        "select source_table, count(*) as quarantined_rows "
        "from staging.stg_landing__quarantine group by 1) "
        "select c.source_table, c.export, c.raw_rows, "
        "case when c.needs_rows then c.raw_rows end as required_rows, "
        "coalesce(q.quarantined_rows, 0) as quarantined_rows, "
        # ten rows or fewer set aside is noise, whatever the share
        "case when q.quarantined_rows > 10 "
        "then q.quarantined_rows / c.raw_rows else 0 end as quarantined_share, "
        "case when not c.is_absent "
        "then c.raw_rows / nullif(p.previous_rows, 0) end as rows_vs_last_published "
        "from counts c left join quarantined q using (source_table) "
        "left join previous p using (source_table)"
    )
    x = gx.expectations
    return Asset(
        "landing_tables",
        query,
        ["source_table", "export"],
        [
            # every required export has rows (fx_rates may be empty)
            x.ExpectColumnValuesToBeBetween(column="required_rows", min_value=1),
            # the exports are mostly clean: few rows set aside per table
            # (tables with ten or fewer quarantined rows pass)
            x.ExpectColumnValuesToBeBetween(
                column="quarantined_share", max_value=settings.max_quarantine_share
            ),
            # exports are full extracts: a table shrinking a lot is a broken
            # export (an optional table left out altogether is not compared)
            x.ExpectColumnValuesToBeBetween(
                column="rows_vs_last_published",
                min_value=1 - settings.row_count_tolerance,
            ),
        ],
    )


def absent_table_notes(
    built_rows: dict[str, int],
    previous_rows: dict[str, int],
    landing_files: dict[str, bool] | None = None,
) -> list[str]:
    """A line per optional table absent now that the last publish had rows."""
    notes = []
    for name, spec in contract().items():
        previous = previous_rows.get(name) or 0
        if spec["optional"] and not built_rows.get(name) and previous:
            state = _export_state(True, (landing_files or {}).get(name))
            notes.append(
                f"{name}: {state}; the last publish had {previous} rows. Not a "
                "shrinking export, so not compared: the marts that use it show "
                "empty values"
            )
    return notes


def _describe(result: ExpectationValidationResult, asset: str) -> str:
    """One line for a failed expectation: what, where, and which rows."""
    config = result.expectation_config
    if config is None:  # GX sets it for every expectation of a suite
        return f"expectation on {asset} failed: {result.result}"
    column = config.kwargs.get("column") or ",".join(
        str(config.kwargs[k]) for k in ("column_A", "column_B") if k in config.kwargs
    )
    where = f"{asset}.{column}" if column else asset
    expected = {
        key: value
        for key, value in config.kwargs.items()
        if key not in {"column", "column_A", "column_B", "batch_id", "result_format"}
        and value is not None
    }
    outcome = result.result or {}
    info = result.exception_info or {}
    if info.get("raised_exception"):
        detail = f"raised {info.get('exception_message')}"
    elif "observed_value" in outcome:
        detail = f"observed {outcome['observed_value']}"
    else:
        keys = [
            entry.get("row_key") if isinstance(entry, dict) else entry
            for entry in outcome.get("partial_unexpected_index_list") or []
        ]
        values = outcome.get("partial_unexpected_list") or []
        examples = ", ".join(
            f"{key} = {value}" if key is not None else str(value)
            for key, value in zip(keys or [None] * len(values), values, strict=False)
        )
        detail = (
            f"{outcome.get('unexpected_count')} of {outcome.get('element_count')} rows "
            f"fail, e.g. {examples[:300]}"
        )
    return f"expectation {config.type} on {where} {expected}: {detail}"


def _comparable(previous: dict[str, Any] | None, as_of: str) -> bool:
    """Whether the last published run is a fair baseline for row counts.

    Not when the as-of date moved backwards (a backfill or restatement has
    fewer rows), nor when it moved forwards by more than COMPARABLE_DAYS
    (months of growth after a backfill into the past).
    """
    if previous is None or previous.get("as_of_date") is None or not as_of:
        return False
    gap = datetime.date.fromisoformat(as_of) - datetime.date.fromisoformat(
        str(previous["as_of_date"])
    )
    return 0 <= gap.days <= COMPARABLE_DAYS


def validate(
    settings: Settings,
    path: Path,
    as_of: str,
    built_rows: dict[str, int],
    previous: dict[str, Any] | None,
    results_dir: Path,
    landing_files: dict[str, bool] | None = None,
) -> ValidationOutcome:
    """Run every suite against the warehouse file ``path`` (read-only).

    ``built_rows``: raw landing rows per table when the file was built;
    ``landing_files``: whether each table had a file then.
    ``previous``: the last published run's log row; its row counts bound the
    new ones when it is comparable (``_comparable``).
    """
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    started = time.monotonic()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    for name in logging.root.manager.loggerDict:
        if name.startswith("great_expectations"):
            logging.getLogger(name).setLevel(logging.WARNING)
    _patch_sql_execution_engine()
    marts_previous: dict[str, int] = {}
    landing_previous: dict[str, int] = {}
    if previous is not None and _comparable(previous, as_of):
        marts_previous = json.loads(previous.get("marts_row_counts") or "{}")
        landing_previous = json.loads(previous.get("landing_rows") or "{}")
    assets = [
        landing_asset(settings, built_rows, landing_previous, landing_files),
        *mart_assets(
            row_count_bounds(
                marts_previous, settings.row_count_tolerance, settings.row_count_slack
            )
        ),
    ]

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_sql(
        name="warehouse",
        connection_string=f"duckdb:///{path}",
        create_temp_table=False,
        # SQLDatasource's engine arguments; GX's stub of add_sql omits them
        kwargs={"connect_args": {"read_only": True}},  # type: ignore[call-arg]
    )
    definitions = []
    for asset in assets:
        key = ", ".join(f"cast({column} as varchar)" for column in asset.key) or "''"
        data = source.add_query_asset(
            name=asset.name,
            query=f"select *, concat_ws(' | ', {key}) as row_key from ({asset.query})",
        )
        suite = context.suites.add(gx.ExpectationSuite(name=asset.name))
        for expectation in asset.expectations:
            suite.add_expectation(expectation)
        definitions.append(
            context.validation_definitions.add(
                gx.ValidationDefinition(
                    name=asset.name,
                    data=data.add_batch_definition_whole_table("all rows"),
                    suite=suite,
                )
            )
        )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name="warehouse",
            validation_definitions=definitions,
            result_format={
                "result_format": "SUMMARY",
                "unexpected_index_column_names": ["row_key"],
            },
        )
    )
    try:
        result = checkpoint.run()
    finally:
        # close every DuckDB connection GX opened, so the file is free again
        source.get_execution_engine().engine.dispose()
        source.get_engine().dispose()

    evaluated = failed = 0
    failures: list[str] = []
    summary: dict[str, Any] = {}
    for run in result.run_results.values():
        suite_name = run.suite_name
        suite_failures = [
            _describe(item, suite_name) for item in run.results if not item.success
        ]
        summary[suite_name] = {
            "evaluated": len(run.results),
            "failed": len(suite_failures),
            "failures": suite_failures,
        }
        evaluated += len(run.results)
        failed += len(suite_failures)
        failures += suite_failures
    results_dir.mkdir(parents=True, exist_ok=True)
    results_path = results_dir / "gx_results.json"
    results_path.write_text(json.dumps(result.describe_dict(), indent=2, default=str))
    summary["_seconds"] = round(time.monotonic() - started, 1)
    notes = absent_table_notes(built_rows, landing_previous, landing_files)
    if notes:
        summary["_notes"] = notes
    return ValidationOutcome(
        success=bool(result.success) and failed == 0,
        evaluated=evaluated,
        failed=failed,
        failures=failures,
        summary=summary,
        results_path=results_path,
        notes=notes,
    )
