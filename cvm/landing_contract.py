"""The landing contract as data, read from the staging source YAML files.

``models/staging/*/_*__sources.yml`` declare every landing table, its
columns and types, and whether it is optional (``meta.optional``); dbt, the
expectations and the test fixtures all read the contract from there.
"""

from __future__ import annotations

from typing import TypedDict

import yaml

from cvm.settings import PROJECT_DIR


class LandingTable(TypedDict):
    optional: bool
    columns: dict[str, str]  # name -> data type


def contract() -> dict[str, LandingTable]:
    """Table name -> {'optional': bool, 'columns': {name: data_type}}."""
    tables: dict[str, LandingTable] = {}
    for path in sorted(PROJECT_DIR.glob("models/staging/*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source["tables"]:
                meta = table.get("config", {}).get("meta", {})
                if meta.get("loader_output"):
                    continue  # written by the landing hook, not delivered
                tables[table["name"]] = {
                    "optional": bool(meta.get("optional", False)),
                    "columns": {c["name"]: c["data_type"] for c in table["columns"]},
                }
    return tables
