"""dbt's nodes timed: each node's layer, execution time per layer, the slowest.

Read from dbt's ``run_results.json`` (its ``results``) and ``manifest.json``,
for the benchmarks of a build (``build``) and of the whole job (``job``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

LAYERS = (
    "staging",
    "intermediate",
    "utilities",
    "marts",
    "seeds",
    "hooks",
    "data tests",
    "unit tests",
)


def layer(unique_id: str, manifest: dict[str, Any]) -> str:
    """The layer of a node: a model's folder under models/, else its kind."""
    kind = unique_id.split(".")[0]
    if kind == "model":
        node = manifest.get("nodes", {}).get(unique_id)
        if node is None:
            return "models not in the manifest"
        path = Path(node["original_file_path"])
        return path.parts[1] if len(path.parts) > 2 else "marts"
    kinds = {"test": "data tests", "unit_test": "unit tests", "seed": "seeds"}
    return kinds.get(kind, "hooks")


def name(unique_id: str) -> str:
    """A node's id without its kind and project: ``model.cvm.x`` -> ``x``."""
    return unique_id.split(".", 2)[-1]


def by_layer(
    results: list[dict[str, Any]], manifest: dict[str, Any]
) -> dict[str, tuple[float, int]]:
    """Summed ``execution_time`` and node count per layer, every layer named."""
    layers: dict[str, tuple[float, int]] = {each: (0.0, 0) for each in LAYERS}
    for result in results:
        key = layer(result["unique_id"], manifest)
        seconds, count = layers.get(key, (0.0, 0))
        layers[key] = (seconds + result["execution_time"], count + 1)
    return layers


def slowest(results: list[dict[str, Any]], count: int = 10) -> list[dict[str, Any]]:
    """The ``count`` results with the longest ``execution_time``, longest first."""
    return sorted(results, key=lambda result: -result["execution_time"])[:count]
