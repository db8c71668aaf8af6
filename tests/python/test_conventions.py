"""The project keeps its conventions (tests/python/conventions.py): every model
and column described, contracts on marts, a primary key on every model,
prefixes that match the layer, layers that read one way. Each rule is also
shown to fail on a manifest broken on purpose."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import Published
from conventions import layer, models, violations

from cvm.settings import Settings


@pytest.fixture(scope="session")
def manifest(project_manifest: dict[str, Any]) -> dict[str, Any]:
    """dbt's manifest of the project as it is (conftest: ``dbt parse``)."""
    return project_manifest


def test_the_project_keeps_its_conventions(manifest: dict[str, Any]) -> None:
    assert violations(manifest) == []


def _model(manifest: dict[str, Any], name: str) -> dict[str, Any]:
    return manifest["nodes"][f"model.cvm.{name}"]


def _drop_tests(manifest: dict[str, Any], model: str, test: str) -> None:
    manifest["nodes"] = {
        key: node
        for key, node in manifest["nodes"].items()
        if not (
            node["resource_type"] == "test"
            and node.get("attached_node") == f"model.cvm.{model}"
            and node.get("test_metadata", {}).get("name") == test
        )
    }


def _undescribe_model(m: dict[str, Any]) -> None:
    _model(m, "int_renewals")["description"] = " "


def _undescribe_column(m: dict[str, Any]) -> None:
    _model(m, "fct_churn_events")["columns"]["reason_code"]["description"] = ""


def _undocument_macro(m: dict[str, Any]) -> None:
    m["macros"]["macro.cvm.to_reporting"]["description"] = ""


def _undocument_argument(m: dict[str, Any]) -> None:
    m["macros"]["macro.cvm.to_reporting"]["arguments"][0]["description"] = ""


def _no_contract(m: dict[str, Any]) -> None:
    _model(m, "fct_mrr_movements")["config"]["contract"]["enforced"] = False


def _no_primary_key(m: dict[str, Any]) -> None:
    _drop_tests(m, "int_customer_flows", "primary_key")


def _key_not_tested_not_null(m: dict[str, Any]) -> None:
    # dim_customers: unique + not_null on customer_id; keep only unique
    _drop_tests(m, "dim_customers", "not_null")
    _model(m, "dim_customers")["columns"]["customer_id"]["constraints"] = []


def _exemption_without_reason(m: dict[str, Any]) -> None:
    _model(m, "base_crm__accounts")["config"]["meta"]["primary_key"] = "none:"


def _wrong_prefix(m: dict[str, Any]) -> None:
    node = _model(m, "int_churn_events")
    node["name"] = "churn_events"


def _mart_reads_mart(m: dict[str, Any]) -> None:
    node = _model(m, "fct_customer_flows")
    node["depends_on"]["nodes"].append("model.cvm.fct_churn_events")


def _intermediate_reads_mart(m: dict[str, Any]) -> None:
    node = _model(m, "int_customer_flows")
    node["depends_on"]["nodes"].append("model.cvm.dim_customers")


BREAKAGES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "model without description": (_undescribe_model, "description: int_renewals:"),
    "column without description": (
        _undescribe_column,
        "description: fct_churn_events.reason_code:",
    ),
    "undocumented macro": (_undocument_macro, "description: macro to_reporting:"),
    "undocumented macro argument": (
        _undocument_argument,
        "description: macro to_reporting: argument",
    ),
    "mart without contract": (_no_contract, "contract: fct_mrr_movements:"),
    "model without primary key": (_no_primary_key, "primary_key: int_customer_flows:"),
    "key not tested not null": (
        _key_not_tested_not_null,
        "primary_key: dim_customers:",
    ),
    "exemption without a reason": (
        _exemption_without_reason,
        "primary_key: base_crm__accounts:",
    ),
    "prefix not of the layer": (_wrong_prefix, "prefix: churn_events:"),
    "mart reads a mart": (_mart_reads_mart, "layers: fct_customer_flows:"),
    "intermediate reads a mart": (
        _intermediate_reads_mart,
        "layers: int_customer_flows:",
    ),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_each_rule_fails_on_a_broken_manifest(
    manifest: dict[str, Any], breakage: str
) -> None:
    broken = copy.deepcopy(manifest)
    break_it, expected = BREAKAGES[breakage]
    break_it(broken)
    found = violations(broken)
    assert [line for line in found if line.startswith(expected)], found


def test_every_built_column_is_described(
    manifest: dict[str, Any], published_run: Published
) -> None:
    """Every column of every model as the session's run built it (its build
    file) is in the model's YAML, so it has a description."""
    build = Settings(Path(), published_run.warehouse).build_path
    con = duckdb.connect(str(build), read_only=True)
    built: dict[tuple[str, str], set[str]] = {}
    for schema, table, column in con.sql(
        "select table_schema, table_name, column_name from information_schema.columns"
    ).fetchall():
        built.setdefault((schema, table), set()).add(column)
    con.close()
    missing = []
    for node in models(manifest).values():
        columns = built.get((node["schema"], node["alias"]))
        if columns is None:
            continue  # a model the test build does not create (none today)
        undocumented = sorted(columns - set(node["columns"]))
        if undocumented:
            missing.append(f"{node['name']} ({layer(node)}): {undocumented}")
    assert missing == []
