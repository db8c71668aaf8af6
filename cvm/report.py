"""The report: one self-contained HTML page of charts over the published marts.

``write_report(warehouse)`` reads the published file (schema ``marts`` only,
read-only) and writes ``report/index.html`` beside it: Vega-Lite charts made
with altair, the Vega / Vega-Lite / vega-embed JavaScript inlined once (from
vl-convert-python), so the page opens from disk without a network. Every
chart's subtitle states the as-of date and which of its periods are still
running (``is_complete_period``). Customers appear by id only, never by name.

The page records its charts in ``window.cvmReport`` (``rendered``,
``errors``, ``views``) and sets ``data-rendered`` on ``<body>`` when every
chart has been drawn or failed: the browser test waits for that.
"""

from __future__ import annotations

import datetime
import html
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import altair as alt
import duckdb

REPORT_DIR = "report"
REPORT_FILE = "index.html"
Row = dict[str, Any]

# order of the steps of a bridge: (column, label, sign); None = a total
MRR_STEPS = [
    ("opening_mrr", "opening", None),
    ("fx_adjustment_mrr", "fx", 1),
    ("new_mrr", "new", 1),
    ("reactivation_mrr", "reactivation", 1),
    ("expansion_mrr", "expansion", 1),
    ("contraction_mrr", "contraction", -1),
    ("churned_mrr", "churn", -1),
    ("closing_mrr", "closing", None),
]
CUSTOMER_STEPS = [
    ("opening_customers", "opening", None),
    ("new_customers", "new", 1),
    ("reactivated_customers", "reactivated", 1),
    ("churned_customers", "churned", -1),
    ("closing_customers", "closing", None),
]
AT_RISK_ROWS = 25


def report_path(warehouse: Path) -> Path:
    """Where the report of a published file goes: ``report/index.html`` beside it."""
    return warehouse.parent / REPORT_DIR / REPORT_FILE


@dataclass
class Drawn:
    """What a chart builder returns: the altair chart (untitled) and its note."""

    chart: Any
    note: str
    table_html: str = ""


@dataclass
class Chart:
    """One chart of the report: its id, heading, Vega-Lite spec and a note."""

    chart_id: str
    heading: str
    spec: dict[str, Any]
    note: str = ""
    table_html: str = ""


class Marts:
    """Read-only queries on the published file's marts, rows as dicts."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def rows(self, query: str, params: Sequence[object] | None = None) -> list[Row]:
        cursor = self.con.execute(query, params)
        names = [column[0] for column in cursor.description or []]
        return [
            dict(zip(names, map(_json_value, row), strict=True))
            for row in cursor.fetchall()
        ]


def _json_value(value: object) -> object:
    """A value as JSON holds it: dates ISO, decimals as floats, NaN as null."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    number = float(value)  # type: ignore[arg-type]  # float or Decimal
    return number if math.isfinite(number) else None


def incomplete_note(as_of: str, periods: dict[str, bool], what: str = "") -> str:
    """'As of <date>; incomplete: <periods>' for a chart's subtitle."""
    running = sorted(label for label, complete in periods.items() if not complete)
    if not periods:
        state = "no periods"
    elif running:
        state = f"incomplete {what or 'periods'} (still running): " + ", ".join(running)
    else:
        state = f"every {what.rstrip('s') or 'period'} shown is complete"
    return f"As of {as_of}; {state}"


def _periods(rows: list[Row], label: str) -> dict[str, bool]:
    periods: dict[str, bool] = {}
    for row in rows:
        complete = bool(row["is_complete_period"])
        periods[row[label]] = periods.get(row[label], True) and complete
    return periods


def _title(text: str, subtitle: str) -> dict[str, Any]:
    return {"text": text, "subtitle": subtitle, "anchor": "start"}


def _select(name: str, options: list[str], value: str, label: str) -> Any:
    return alt.param(
        name=name,
        value=value,
        bind=alt.binding_select(options=options, name=f"{label} "),
    )


def _segment(chart_id: str, rows: list[Row]) -> Any:
    """The chart's segment control ('All' first shown)."""
    segments = sorted({row["segment"] for row in rows}) or ["All"]
    return _select(f"{chart_id}_segment", segments, "All", "Segment")


def _by_segment(chart: Any, chart_id: str, rows: list[Row]) -> Any:
    """``chart`` with a segment control, showing the segment chosen."""
    segment = _segment(chart_id, rows)
    return chart.add_params(segment).transform_filter(alt.datum.segment == segment)


def _faded_when_incomplete() -> Any:
    """Opacity: a period still running on the as-of date is drawn faded."""
    return alt.Opacity(
        "is_complete_period:O",
        scale=alt.Scale(domain=[True, False], range=[1.0, 0.4]),
        title="complete period",
    )


def _data(name: str, rows: list[Row]) -> Any:
    return alt.InlineData(values=rows, name=name)


def _bridge_rows(
    source: list[Row], steps: list[tuple[str, str, int | None]]
) -> list[Row]:
    """Waterfall bars (start, end) of each month's and segment's bridge."""
    rows = []
    for row in source:
        level = 0.0
        for order, (column, step, sign) in enumerate(steps):
            amount = float(row[column] or 0)
            if sign is None:
                start, end, kind, level = 0.0, amount, "total", amount
            else:
                start, end = level, level + sign * amount
                kind = "increase" if end >= start else "decrease"
                level = end
            rows.append(
                {
                    "month": row["month"],
                    "segment": row["segment"],
                    "step": step,
                    "step_order": order,
                    "start": start,
                    "end": end,
                    "top": max(start, end),
                    "amount": sign * amount if sign is not None else amount,
                    "kind": kind,
                    "is_complete_period": row["is_complete_period"],
                }
            )
    return rows


def _waterfall(chart_id: str, rows: list[Row], as_of: str, unit: str) -> Drawn:
    months = sorted({row["month"] for row in rows})
    note = incomplete_note(as_of, _periods(rows, "month"), "months")
    month = _select(f"{chart_id}_month", months, months[-1], "Month")
    segment = _segment(chart_id, rows)
    colours = alt.Scale(
        domain=["total", "increase", "decrease"],
        range=["#4c78a8", "#54a24b", "#e45756"],
    )
    base = (
        alt.Chart(_data(chart_id, rows))
        .transform_filter((alt.datum.month == month) & (alt.datum.segment == segment))
        .encode(x=alt.X("step:N", sort=alt.SortField("step_order"), title=None))
    )
    bars = base.mark_bar().encode(
        y=alt.Y("start:Q", title=unit),
        y2="end:Q",
        color=alt.Color("kind:N", scale=colours, title=None),
        tooltip=[
            "month:N",
            "segment:N",
            "step:N",
            alt.Tooltip("amount:Q", format=",.0f"),
        ],
    )
    labels = base.mark_text(dy=-6).encode(
        y="top:Q", text=alt.Text("amount:Q", format=",.0f")
    )
    chart = alt.layer(bars.add_params(month, segment), labels).properties(
        width=520, height=260
    )
    return Drawn(chart, note)


def mrr_bridge(marts: Marts, as_of: str, chart_id: str) -> Drawn:
    columns = ", ".join(
        f"cast({column} as double) as {column}" for column, _, _ in MRR_STEPS
    )
    source = marts.rows(
        f"select strftime(month_start, '%Y-%m') as month, segment, {columns}, "
        "is_complete_period from marts.fct_mrr_movements order by month_start, segment"
    )
    rows = _bridge_rows(source, MRR_STEPS)
    return _waterfall(chart_id, rows, as_of, "MRR")


def customer_waterfall(marts: Marts, as_of: str, chart_id: str) -> Drawn:
    columns = ", ".join(column for column, _, _ in CUSTOMER_STEPS)
    source = marts.rows(
        f"select strftime(period_start, '%Y-%m') as month, segment, {columns}, "
        "is_complete_period from marts.fct_customer_flows where period_grain = 'month' "
        "order by period_start, segment"
    )
    rows = _bridge_rows(source, CUSTOMER_STEPS)
    return _waterfall(chart_id, rows, as_of, "customers")


def mrr_movements(marts: Marts, as_of: str, chart_id: str) -> Drawn:
    """Each month's MRR movements, stacked up (gains) and down (losses)."""
    rows = marts.rows(
        "select strftime(month_start, '%Y-%m') as month, segment, movement, "
        "amount, is_complete_period from marts.fct_mrr_movements unpivot ("
        "amount for movement in (new_mrr as 'new', reactivation_mrr as "
        "'reactivation', expansion_mrr as 'expansion', contraction_mrr as "
        "'contraction', churned_mrr as 'churn')) order by month_start, segment"
    )
    for row in rows:
        if row["movement"] in {"contraction", "churn"}:
            row["amount"] = -row["amount"]
    note = incomplete_note(as_of, _periods(rows, "month"), "months")
    chart = (
        alt.Chart(_data(chart_id, rows))
        .mark_bar()
        .encode(
            x=alt.X("month:O", title=None),
            y=alt.Y("sum(amount):Q", title="MRR gained (+) and lost (-)"),
            color=alt.Color(
                "movement:N",
                scale=alt.Scale(
                    domain=["new", "reactivation", "expansion", "contraction", "churn"],
                    range=["#54a24b", "#88d27a", "#4c78a8", "#f58518", "#e45756"],
                ),
            ),
            opacity=_faded_when_incomplete(),
            tooltip=[
                "month:N",
                "movement:N",
                alt.Tooltip("sum(amount):Q", format=",.0f"),
            ],
        )
        .properties(width=640, height=260)
    )
    chart = _by_segment(chart, chart_id, rows)
    return Drawn(chart, note)


def retention(marts: Marts, as_of: str, chart_id: str, measure: str) -> Drawn:
    label = measure.replace("_", " ")
    rows = marts.rows(
        "select strftime(cohort_month, '%Y-%m') as cohort, segment, "
        f"months_since_start, cohort_customers, {measure} as rate, "
        "strftime(cohort_month + to_months(months_since_start), '%Y-%m') "
        "as observed_month, "
        "is_complete_period from marts.fct_retention_cohorts "
        "where cohort_customers > 0 order by cohort_month, segment, months_since_start"
    )
    note = incomplete_note(as_of, _periods(rows, "observed_month"), "observed months")
    chart = (
        alt.Chart(_data(chart_id, rows))
        .mark_rect()
        .encode(
            x=alt.X("months_since_start:O", title="months since the cohort started"),
            y=alt.Y("cohort:O", title="acquisition cohort"),
            color=alt.Color("rate:Q", scale=alt.Scale(scheme="blues"), title=label),
            opacity=_faded_when_incomplete(),
            tooltip=[
                "cohort:N",
                "months_since_start:O",
                "cohort_customers:Q",
                alt.Tooltip("rate:Q", format=".1%"),
            ],
        )
        .properties(width=560, height=360)
    )
    chart = _by_segment(chart, chart_id, rows)
    return Drawn(chart, note)


def renewals(marts: Marts, as_of: str, chart_id: str) -> Drawn:
    """Renewals due per contract-end month: renewed, churned, and pending apart."""
    rows = marts.rows(
        "select strftime(cohort_month, '%Y-%m') as cohort, segment, outcome, "
        "contracts, renewal_rate, is_final, is_complete_period "
        "from marts.fct_renewal_cohorts unpivot (contracts for outcome in "
        "(renewed, churned, pending)) order by cohort_month, segment"
    )
    periods = _periods(rows, "cohort")
    note = incomplete_note(as_of, periods, "contract-end months")
    pending = sorted(
        {r["cohort"] for r in rows if r["outcome"] == "pending" and r["contracts"]}
    )
    if pending:
        note += "; renewals still pending (rate provisional): " + ", ".join(pending)
    segment = _segment(chart_id, rows)
    base = alt.Chart(_data(chart_id, rows)).transform_filter(
        alt.datum.segment == segment
    )
    bars = (
        base.mark_bar()
        .encode(
            x=alt.X("cohort:O", title="contract-end month"),
            y=alt.Y("contracts:Q", title="renewals due"),
            color=alt.Color(
                "outcome:N",
                scale=alt.Scale(
                    domain=["renewed", "churned", "pending"],
                    range=["#54a24b", "#e45756", "#bab0ac"],
                ),
            ),
            order=alt.Order("outcome:O", sort="descending"),
            tooltip=["cohort:N", "outcome:N", "contracts:Q"],
        )
        .add_params(segment)
    )
    rate = (
        base.transform_filter(alt.datum.outcome == "renewed")
        .mark_line(point=True, color="black")
        .encode(
            x="cohort:O",
            y=alt.Y("renewal_rate:Q", title="renewal rate", axis=alt.Axis(format="%")),
            strokeDash=alt.StrokeDash(
                "is_final:N",
                scale=alt.Scale(domain=[True, False], range=[[1, 0], [4, 3]]),
                title="final (nothing pending)",
            ),
            tooltip=[
                "cohort:N",
                alt.Tooltip("renewal_rate:Q", format=".1%"),
                "is_final:N",
            ],
        )
    )
    chart = (
        alt.layer(bars, rate)
        .resolve_scale(y="independent")
        .properties(width=640, height=280)
    )
    return Drawn(chart, note)


def profitability(marts: Marts, as_of: str, chart_id: str) -> Drawn:
    rows = marts.rows(
        "select strftime(year_start, '%Y') as year, profitability_group, "
        "count(*) as customers, cast(sum(net_revenue) as double) as net_revenue, "
        "cast(sum(gross_profit) as double) as gross_profit, "
        "cast(sum(gross_profit) / nullif(sum(net_revenue), 0) as double) as margin, "
        "bool_and(is_complete_period) as is_complete_period "
        "from marts.fct_customer_profitability group by 1, 2 order by 1, 2"
    )
    note = incomplete_note(as_of, _periods(rows, "year"), "years")
    groups = alt.Scale(
        domain=["high_margin", "healthy", "low_margin", "loss_making"],
        range=["#54a24b", "#4c78a8", "#f58518", "#e45756"],
    )
    base = alt.Chart(_data(chart_id, rows))
    revenue = (
        base.mark_bar()
        .encode(
            x=alt.X("year:O"),
            y=alt.Y("net_revenue:Q", title="net revenue"),
            color=alt.Color("profitability_group:N", scale=groups, title="group"),
            tooltip=[
                "year:N",
                "profitability_group:N",
                "customers:Q",
                alt.Tooltip("net_revenue:Q", format=",.0f"),
            ],
        )
        .properties(width=300, height=260, title="Net revenue")
    )
    margin = (
        base.mark_bar()
        .encode(
            x=alt.X("year:O"),
            xOffset="profitability_group:N",
            y=alt.Y("margin:Q", title="gross margin", axis=alt.Axis(format="%")),
            color=alt.Color("profitability_group:N", scale=groups, title="group"),
            tooltip=[
                "year:N",
                "profitability_group:N",
                alt.Tooltip("margin:Q", format=".1%"),
            ],
        )
        .properties(width=300, height=260, title="Gross margin")
    )
    chart = alt.hconcat(revenue, margin)
    return Drawn(chart, note)


def profitability_migration(marts: Marts, as_of: str, chart_id: str) -> Drawn:
    rows = marts.rows(
        "select strftime(from_year, '%Y') || ' to ' || strftime(to_year, '%Y') "
        "as years, from_group, to_group, customers, "
        "cast(to_net_revenue as double) as to_net_revenue, is_complete_period "
        "from marts.fct_profitability_migration order by from_year, 2, 3"
    )
    pairs = sorted({r["years"] for r in rows}) or ["none"]
    note = incomplete_note(as_of, _periods(rows, "years"), "year pairs")
    years = _select(f"{chart_id}_years", pairs, pairs[-1], "Years")
    base = (
        alt.Chart(_data(chart_id, rows))
        .transform_filter(alt.datum.years == years)
        .encode(
            x=alt.X("to_group:N", title="to group"),
            y=alt.Y("from_group:N", title="from group"),
        )
    )
    cells = (
        base.mark_rect()
        .encode(
            color=alt.Color("customers:Q", scale=alt.Scale(scheme="greens")),
            tooltip=["years:N", "from_group:N", "to_group:N", "customers:Q"],
        )
        .add_params(years)
    )
    labels = base.mark_text().encode(text="customers:Q")
    chart = alt.layer(cells, labels).properties(width=360, height=260)
    return Drawn(chart, note)


def referrals(marts: Marts, as_of: str, chart_id: str) -> Drawn:
    rows = marts.rows(
        "select strftime(quarter_start, '%Y') || '-Q' || quarter(quarter_start) "
        "as quarter, segment, referral_rate, nps, active_customers, "
        "nps_responses, is_complete_period "
        "from marts.fct_referrals_by_segment order by quarter_start, segment"
    )
    note = incomplete_note(as_of, _periods(rows, "quarter"), "quarters")
    base = alt.Chart(_data(chart_id, rows)).encode(
        x=alt.X("quarter:O", title=None),
        color=alt.Color("segment:N"),
    )
    rate = (
        base.mark_line(point=True)
        .encode(
            y=alt.Y(
                "referral_rate:Q", title="referral rate", axis=alt.Axis(format="%")
            ),
            tooltip=[
                "quarter:N",
                "segment:N",
                alt.Tooltip("referral_rate:Q", format=".1%"),
                "active_customers:Q",
            ],
        )
        .properties(width=320, height=240, title="Referral rate")
    )
    nps = (
        base.mark_line(point=True)
        .encode(
            y=alt.Y("nps:Q", title="NPS"),
            tooltip=[
                "quarter:N",
                "segment:N",
                alt.Tooltip("nps:Q", format=".0f"),
                "nps_responses:Q",
            ],
        )
        .properties(width=320, height=240, title="NPS")
    )
    chart = alt.hconcat(rate, nps)
    return Drawn(chart, note)


def not_referring(marts: Marts, as_of: str, chart_id: str) -> Drawn:
    rows = marts.rows(
        "with latest as (select max(quarter_start) as quarter_start "
        "from marts.fct_not_referring_reasons) "
        "select strftime(r.quarter_start, '%Y') || '-Q' || quarter(r.quarter_start) "
        "as quarter, r.segment, r.not_referring_reason as reason, r.responses, "
        "r.response_share, r.is_complete_period "
        "from marts.fct_not_referring_reasons as r inner join latest "
        "on r.quarter_start = latest.quarter_start order by 2, 3"
    )
    note = incomplete_note(as_of, _periods(rows, "quarter"), "quarters")
    chart = (
        alt.Chart(_data(chart_id, rows))
        .mark_bar()
        .encode(
            y=alt.Y("segment:N", title=None),
            x=alt.X(
                "response_share:Q", title="share of answers", axis=alt.Axis(format="%")
            ),
            color=alt.Color("reason:N"),
            tooltip=[
                "quarter:N",
                "segment:N",
                "reason:N",
                "responses:Q",
                alt.Tooltip("response_share:Q", format=".1%"),
            ],
        )
        .properties(width=560, height=200)
    )
    return Drawn(chart, note)


def pareto(marts: Marts, as_of: str, chart_id: str) -> Drawn:
    rows = marts.rows(
        "select strftime(snapshot_month, '%Y-%m') as snapshot, segment, percentile, "
        "measure, share, is_complete_period from ("
        "select * from marts.fct_value_concentration where snapshot_month = "
        "(select max(snapshot_month) from marts.fct_value_concentration)) "
        "unpivot (share for measure in (cumulative_revenue_share as 'revenue', "
        "cumulative_profit_share as 'gross profit')) "
        "order by segment, measure, percentile"
    )
    note = incomplete_note(as_of, _periods(rows, "snapshot"), "snapshots")
    line = (
        alt.Chart(_data(chart_id, rows))
        .mark_line()
        .encode(
            x=alt.X("percentile:Q", title="top % of customers"),
            y=alt.Y("share:Q", title="cumulative share", axis=alt.Axis(format="%")),
            color=alt.Color("measure:N"),
            tooltip=[
                "segment:N",
                "measure:N",
                "percentile:Q",
                alt.Tooltip("share:Q", format=".1%"),
            ],
        )
    )
    line = _by_segment(line, chart_id, rows)
    rule = (
        alt.Chart(_data(f"{chart_id}_80", [{"share": 0.8}]))
        .mark_rule(strokeDash=[4, 4])
        .encode(y="share:Q")
    )
    chart = alt.layer(line, rule).properties(width=420, height=280)
    return Drawn(chart, note)


def tiers(marts: Marts, as_of: str, chart_id: str) -> Drawn:
    rows = marts.rows(
        "with latest as (select * from marts.fct_customer_value_scores "
        "where snapshot_month = "
        "(select max(snapshot_month) from marts.fct_customer_value_scores)) "
        "select strftime(snapshot_month, '%Y-%m') as snapshot, value_tier, "
        "measure, share, is_complete_period from ("
        "select snapshot_month, value_tier, "
        "bool_and(is_complete_period) as is_complete_period, "
        "count(*) / sum(count(*)) over () as customers, "
        "cast(sum(mrr) / sum(sum(mrr)) over () as double) as mrr "
        "from latest group by 1, 2) unpivot (share for measure in (customers, mrr)) "
        "order by value_tier, measure"
    )
    note = incomplete_note(as_of, _periods(rows, "snapshot"), "snapshots")
    chart = (
        alt.Chart(_data(chart_id, rows))
        .mark_bar()
        .encode(
            x=alt.X("value_tier:N", title="value tier", sort=["A+", "A", "B", "C"]),
            xOffset="measure:N",
            y=alt.Y("share:Q", title="share", axis=alt.Axis(format="%")),
            color=alt.Color("measure:N", title="share of"),
            tooltip=["value_tier:N", "measure:N", alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(width=360, height=260)
    )
    return Drawn(chart, note)


def lifecycle(marts: Marts, as_of: str, chart_id: str) -> Drawn:
    rows = marts.rows(
        "select strftime(month_start, '%Y-%m') as month, lifecycle_stage, "
        "count(*) as customers, bool_and(is_complete_period) as is_complete_period "
        "from marts.fct_customer_lifecycle where lifecycle_stage <> 'churned' "
        "and month_start > "
        "(select max(month_start) from marts.fct_customer_lifecycle) "
        "- interval 12 month "
        "group by 1, 2 order by 1, 2"
    )
    note = incomplete_note(as_of, _periods(rows, "month"), "months")
    note += "; churned customers not drawn"
    stages = [
        "onboarding",
        "activating",
        "in_life",
        "reactivated",
        "dormant",
        "at_risk",
        "churned",
    ]
    chart = (
        alt.Chart(_data(chart_id, rows))
        .mark_bar()
        .encode(
            x=alt.X("month:O", title=None),
            y=alt.Y("customers:Q"),
            color=alt.Color("lifecycle_stage:N", sort=stages, title="stage"),
            order=alt.Order("lifecycle_stage:O"),
            tooltip=["month:N", "lifecycle_stage:N", "customers:Q"],
        )
        .properties(width=560, height=260)
    )
    return Drawn(chart, note)


def at_risk(marts: Marts, as_of: str, chart_id: str) -> Drawn:
    rows = marts.rows(
        "select strftime(snapshot_month, '%Y-%m') as snapshot, customer_id, segment, "
        "value_tier, risk_band, churn_probability, "
        "cast(mrr_at_risk as double) as mrr_at_risk, cast(mrr as double) as mrr, "
        "next_contract_end_date, driver_1, driver_2, driver_3, is_complete_period "
        "from marts.fct_renewal_risk where is_at_risk and snapshot_month = "
        "(select max(snapshot_month) from marts.fct_renewal_risk) "
        "order by mrr_at_risk desc, customer_id limit ?",
        [AT_RISK_ROWS],
    )
    note = incomplete_note(as_of, _periods(rows, "snapshot"), "snapshots")
    chart = (
        alt.Chart(_data(chart_id, rows))
        .mark_bar()
        .encode(
            y=alt.Y("customer_id:N", sort="-x", title="customer"),
            x=alt.X("mrr_at_risk:Q", title="MRR at risk"),
            color=alt.Color(
                "risk_band:N",
                scale=alt.Scale(
                    domain=["critical", "high", "normal", "low"],
                    range=["#b2182b", "#ef8a62", "#67a9cf", "#2166ac"],
                ),
            ),
            tooltip=[
                "customer_id:N",
                "segment:N",
                "value_tier:N",
                alt.Tooltip("churn_probability:Q", format=".0%"),
                alt.Tooltip("mrr_at_risk:Q", format=",.0f"),
                "driver_1:N",
                "driver_2:N",
                "driver_3:N",
            ],
        )
        .properties(width=520, height=max(120, 16 * len(rows)))
    )
    columns = [
        "customer_id",
        "segment",
        "value_tier",
        "risk_band",
        "churn_probability",
        "mrr_at_risk",
        "next_contract_end_date",
        "driver_1",
        "driver_2",
        "driver_3",
    ]
    table = _table(rows, columns)
    return Drawn(chart, note, table)


def drivers(marts: Marts, as_of: str, chart_id: str) -> Drawn:
    rows = marts.rows(
        "select feature, description, direction, standardised_coefficient, "
        "permutation_importance, model_name from marts.fct_renewal_drivers "
        "order by coefficient_rank"
    )
    note = f"As of {as_of}; the model fitted on the complete months before it"
    chart = (
        alt.Chart(_data(chart_id, rows))
        .mark_bar()
        .encode(
            y=alt.Y("description:N", sort="-x", title=None),
            x=alt.X(
                "standardised_coefficient:Q", title="standardised effect on churn risk"
            ),
            color=alt.Color(
                "direction:N",
                scale=alt.Scale(
                    domain=["raises risk", "lowers risk"], range=["#e45756", "#54a24b"]
                ),
            ),
            tooltip=[
                "feature:N",
                "description:N",
                "direction:N",
                alt.Tooltip("standardised_coefficient:Q", format=".3f"),
                alt.Tooltip("permutation_importance:Q", format=".3f"),
                "model_name:N",
            ],
        )
        .properties(width=420, height=max(120, 16 * len(rows)))
    )
    return Drawn(chart, note)


def _table(rows: list[Row], columns: list[str]) -> str:
    def cell(value: object) -> str:
        if isinstance(value, float):
            value = f"{value:,.2f}"
        return f"<td>{html.escape('' if value is None else str(value))}</td>"

    head = "".join(f"<th>{html.escape(column)}</th>" for column in columns)
    body = "".join(
        "<tr>" + "".join(cell(row[column]) for column in columns) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


Builder = Callable[[Marts, str, str], Drawn]
# id (also the names of its data and controls), heading, builder
CHARTS: list[tuple[str, str, Builder]] = [
    ("customer_flows", "Customers in and out by month", customer_waterfall),
    ("mrr_bridge", "MRR bridge by month", mrr_bridge),
    ("mrr_movements", "MRR movements by month", mrr_movements),
    (
        "retention_logo_retention",
        "Logo retention by acquisition cohort",
        partial(retention, measure="logo_retention"),
    ),
    (
        "retention_net_revenue_retention",
        "Net revenue retention by acquisition cohort",
        partial(retention, measure="net_revenue_retention"),
    ),
    ("renewals", "Renewal rate by contract-end month", renewals),
    ("profitability", "Revenue and margin by profitability group", profitability),
    (
        "profitability_migration",
        "Migration between profitability groups",
        profitability_migration,
    ),
    ("referrals", "Referral rate and NPS by segment", referrals),
    ("not_referring", "Reasons for not referring (latest quarter)", not_referring),
    ("pareto", "Pareto curve: who makes the revenue and profit", pareto),
    ("tiers", "Value tier shares (latest snapshot)", tiers),
    ("lifecycle", "Lifecycle stage counts (last 12 months)", lifecycle),
    ("at_risk", f"At-risk customers: top {AT_RISK_ROWS} by MRR at risk", at_risk),
    ("drivers", "What drives renewal risk", drivers),
]


def draw(marts: Marts, as_of: str, chart_id: str, heading: str, make: Builder) -> Chart:
    """One chart: built, titled with its heading, as-of date and periods."""
    drawn = make(marts, as_of, chart_id)
    spec = drawn.chart.properties(title=_title(heading, drawn.note)).to_dict()
    return Chart(chart_id, heading, spec, drawn.note, drawn.table_html)


def published_as_of(marts: Marts) -> tuple[str, str]:
    """The as-of date and run id of the publish the marts come from."""
    rows = marts.rows(
        "select as_of_date, run_id from marts.pipeline_runs where published "
        "order by finished_at desc limit 1"
    )
    if not rows:
        raise LookupError("the run log names no published run")
    return str(rows[0]["as_of_date"]), str(rows[0]["run_id"])


def build_charts(warehouse: Path) -> tuple[str, str, list[Chart]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        marts = Marts(con)
        as_of, run_id = published_as_of(marts)
        charts = [draw(marts, as_of, *chart) for chart in CHARTS]
        return as_of, run_id, charts
    finally:
        con.close()


def javascript_bundle() -> str:
    """Vega, Vega-Lite and vega-embed in one script, as altair inlines them."""
    from altair.utils._importers import import_vl_convert, vl_version_for_vl_convert

    bundle: str = import_vl_convert().javascript_bundle(
        vl_version=vl_version_for_vl_convert()
    )
    return bundle


PAGE_STYLE = """
body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1200px; }
header p, .note { color: #555; }
section { margin: 32px 0; border-top: 1px solid #ddd; padding-top: 12px; }
table { border-collapse: collapse; font-size: 13px; margin-top: 12px; }
td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
"""

EMBED_SCRIPT = """
window.cvmReport = {rendered: {}, errors: {}, views: {}};
const cvmEmbeds = Object.entries(CVM_SPECS).map(([id, spec]) =>
  vegaEmbed('#chart-' + id, spec, {actions: false, renderer: 'svg'})
    .then((result) => {
      window.cvmReport.views[id] = result.view;
      window.cvmReport.rendered[id] = true;
    })
    .catch((error) => {
      window.cvmReport.errors[id] = String(error);
      console.error('chart ' + id + ': ' + error);
    }));
Promise.allSettled(cvmEmbeds).then(() => {
  document.body.dataset.rendered = 'true';
});
"""


def render_page(as_of: str, run_id: str, charts: list[Chart], bundle: str) -> str:
    """The whole page: header, one section per chart, the inlined scripts."""
    generated = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    sections = "\n".join(
        f'<section id="{chart.chart_id}"><h2>{html.escape(chart.heading)}</h2>'
        f'<div class="chart" id="chart-{chart.chart_id}"></div>'
        f"{chart.table_html}</section>"
        for chart in charts
    )
    contents = " | ".join(
        f'<a href="#{chart.chart_id}">{html.escape(chart.heading)}</a>'
        for chart in charts
    )
    specs = json.dumps(
        {chart.chart_id: chart.spec for chart in charts}, allow_nan=False
    )
    # a spec or bundle holding "</script>" would end the script element early
    specs = specs.replace("</", "<\\/")
    bundle = bundle.replace("</script", "<\\/script")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<title>Customer value report, as of {html.escape(as_of)}</title>
<style>{PAGE_STYLE}</style>
<script>{bundle}</script>
</head>
<body>
<header>
<h1>Customer value report</h1>
<nav>{contents}</nav>
<p>As of <strong>{html.escape(as_of)}</strong> (published by run {html.escape(run_id)});
written {generated} from the published marts only. A period still running on the
as-of date is drawn faded and named under its chart. Customers are shown by id.</p>
</header>
{sections}
<script>const CVM_SPECS = {specs};
{EMBED_SCRIPT}</script>
</body>
</html>
"""


def write_report(warehouse: Path, out: Path | None = None) -> Path:
    """Write the report of the published file ``warehouse``; return its path.

    The page is written to a temporary file and renamed, so a reader never
    sees half a report, and a failure leaves the previous report in place.
    """
    target = out or report_path(warehouse)
    as_of, run_id, charts = build_charts(warehouse)
    page = render_page(as_of, run_id, charts, javascript_bundle())
    # readable by whoever may read the published file (the job's umask is 077)
    mode = warehouse.stat().st_mode & 0o666
    if not target.parent.exists():
        target.parent.mkdir(parents=True)
        target.parent.chmod(0o700 | mode | (mode & 0o444) >> 2)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(page, encoding="utf-8")
        temporary.chmod(mode | 0o600)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target
