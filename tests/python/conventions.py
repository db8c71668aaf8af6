"""The project's conventions, checked on dbt's manifest (test_conventions.py).

Each rule returns readable violations ("<rule>: <node>: <what>") so that a
failing test says what to fix. The rules:

- ``description``: every model has a description, every column listed in its
  YAML has one, every macro (and generic test) of the project has one and
  documents each of its arguments;
- ``contract``: every mart (models/marts/) enforces its contract;
- ``primary_key``: every model has a primary-key test whose key columns are
  also tested not null: ``primary_key`` (checks both), ``unique`` on a column
  with a ``not_null`` test or constraint, or ``unique_combination_of_columns``
  on columns that each have one. A model without a key says why in
  ``config.meta.primary_key`` ("none: <reason>");
- ``prefix``: a model's prefix matches its folder's layer (staging ``stg_``,
  staging/*/base ``base_``, intermediate ``int_``, marts ``fct_``/``dim_``,
  utilities ``util_``);
- ``layers``: a model reads only its own layer or the layers before it
  (staging -> intermediate -> marts) and a mart never reads a mart.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Manifest = dict[str, Any]

PREFIXES = {
    "staging": ("stg_",),
    "base": ("base_",),
    "intermediate": ("int_",),
    "marts": ("fct_", "dim_"),
    "utilities": ("util_",),
}
# what each layer may read (besides seeds, sources and itself where allowed)
MAY_READ = {
    "base": {"base", "staging"},  # rules that check a reference (a billing
    # customer exists, a currency has a rate) read the clean referenced table
    "staging": {"base", "staging", "utilities"},
    "utilities": {"staging", "utilities"},
    "intermediate": {"staging", "intermediate", "utilities"},
    "marts": {"staging", "intermediate", "utilities"},
}
PROJECT = "cvm"


def layer(node: dict[str, Any]) -> str:
    """The layer of a model from its path: base, staging, intermediate, ..."""
    parts = node["original_file_path"].split("/")
    if parts[1] == "staging" and "base" in parts[2:-1]:
        return "base"
    return parts[1]


def models(manifest: Manifest) -> dict[str, dict[str, Any]]:
    return {
        key: node
        for key, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["package_name"] == PROJECT
    }


def _tests_by_model(manifest: Manifest) -> dict[str, list[dict[str, Any]]]:
    tests: dict[str, list[dict[str, Any]]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("test_metadata"):
            tests.setdefault(node.get("attached_node") or "", []).append(node)
    return tests


def description_violations(manifest: Manifest) -> Iterator[str]:
    for node in models(manifest).values():
        if not node["description"].strip():
            yield f"description: {node['name']}: the model has no description"
        for name, column in node["columns"].items():
            if not column["description"].strip():
                yield f"description: {node['name']}.{name}: column without description"
    for macro in manifest["macros"].values():
        if macro["package_name"] != PROJECT:
            continue
        if not macro["description"].strip():
            yield f"description: macro {macro['name']}: not documented in _macros.yml"
        for argument in macro.get("arguments", []):
            if not (argument.get("description") or "").strip():
                yield (
                    f"description: macro {macro['name']}: argument "
                    f"{argument['name']} has no description"
                )


def contract_violations(manifest: Manifest) -> Iterator[str]:
    for node in models(manifest).values():
        enforced = node["config"].get("contract", {}).get("enforced")
        if layer(node) == "marts" and not enforced:
            yield f"contract: {node['name']}: a mart must enforce its contract"


def _not_null_columns(node: dict[str, Any], tests: list[dict[str, Any]]) -> set[str]:
    columns = {
        name
        for name, column in node["columns"].items()
        if any(c.get("type") == "not_null" for c in column.get("constraints", []))
    }
    for test in tests:
        metadata = test["test_metadata"]
        if metadata["name"] == "not_null" and not test["config"].get("where"):
            columns.add(metadata["kwargs"].get("column_name"))
    return columns


def has_primary_key(node: dict[str, Any], tests: list[dict[str, Any]]) -> bool:
    """A test that makes some columns a key, each of them tested not null."""
    not_null = _not_null_columns(node, tests)
    for test in tests:
        if test["config"].get("where"):
            continue  # a key on part of the rows is not the model's key
        metadata = test["test_metadata"]
        kwargs = metadata["kwargs"]
        if metadata["name"] == "primary_key" and kwargs.get("columns"):
            return True
        if metadata["name"] == "unique" and kwargs.get("column_name") in not_null:
            return True
        if (
            metadata["name"] == "unique_combination_of_columns"
            and set(kwargs.get("combination_of_columns") or ["?"]) <= not_null
        ):
            return True
    return False


def primary_key_violations(manifest: Manifest) -> Iterator[str]:
    tests = _tests_by_model(manifest)
    for key, node in models(manifest).items():
        reason = str(node["config"].get("meta", {}).get("primary_key", ""))
        if reason.startswith("none:") and len(reason) > len("none: "):
            continue
        if not has_primary_key(node, tests.get(key, [])):
            yield (
                f"primary_key: {node['name']}: no primary-key test whose key "
                "columns are tested not null (or meta primary_key 'none: <why>')"
            )


def prefix_violations(manifest: Manifest) -> Iterator[str]:
    for node in models(manifest).values():
        expected = PREFIXES.get(layer(node))
        if expected is None:
            yield f"prefix: {node['name']}: {node['original_file_path']} is in no layer"
        elif not node["name"].startswith(expected):
            yield (
                f"prefix: {node['name']}: a model in {layer(node)} is named "
                f"{' or '.join(p + '...' for p in expected)}"
            )


def layer_violations(manifest: Manifest) -> Iterator[str]:
    nodes = models(manifest)
    for node in nodes.values():
        allowed = MAY_READ.get(layer(node), set())
        for parent in node["depends_on"]["nodes"]:
            if parent not in nodes:
                continue  # seeds, sources, other packages
            parent_layer = layer(nodes[parent])
            if parent_layer not in allowed:
                yield (
                    f"layers: {node['name']}: a model in {layer(node)} reads "
                    f"{nodes[parent]['name']} ({parent_layer})"
                )


RULES = (
    description_violations,
    contract_violations,
    primary_key_violations,
    prefix_violations,
    layer_violations,
)


def violations(manifest: Manifest) -> list[str]:
    """Every convention the manifest breaks, one line each."""
    return [line for rule in RULES for line in rule(manifest)]
