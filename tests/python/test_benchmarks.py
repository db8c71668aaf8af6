"""The pure parts of the job benchmark (cvm/benchmarks/job.py, nodes.py): node
times per layer and the slowest nodes, the JSON record, the comparison with
an earlier record, reading the results file. No dbt, no job: fast."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from cvm.benchmarks import job
from cvm.benchmarks.nodes import LAYERS, by_layer, layer, slowest

MANIFEST: dict[str, Any] = {
    "nodes": {
        "model.cvm.stg_billing__invoices": {
            "original_file_path": "models/staging/billing/stg_billing__invoices.sql"
        },
        "model.cvm.int_customer_mrr_monthly": {
            "original_file_path": "models/intermediate/int_customer_mrr_monthly.sql"
        },
        "model.cvm.fct_customer_mrr_monthly": {
            "original_file_path": "models/marts/fct_customer_mrr_monthly.sql"
        },
        "model.cvm.util_months": {
            "original_file_path": "models/utilities/util_months.sql"
        },
    }
}


def _result(unique_id: str, seconds: float) -> dict[str, Any]:
    return {"unique_id": unique_id, "status": "success", "execution_time": seconds}


RESULTS = [
    _result("model.cvm.stg_billing__invoices", 3.0),
    _result("model.cvm.int_customer_mrr_monthly", 12.5),
    _result("model.cvm.fct_customer_mrr_monthly", 4.25),
    _result("model.cvm.util_months", 0.5),
    _result("seed.cvm.fx_rates", 1.0),
    _result("test.cvm.unique_fct_customer_mrr_monthly_id.abc", 0.75),
    _result("test.cvm.not_null_fct_customer_mrr_monthly_id.def", 0.25),
    _result("unit_test.cvm.int_customer_mrr_monthly.prorates", 2.0),
    _result("operation.cvm.cvm-on-run-end-0", 0.1),
]


def test_a_node_s_layer_is_its_folder_or_its_kind() -> None:
    assert layer("model.cvm.stg_billing__invoices", MANIFEST) == "staging"
    assert layer("model.cvm.fct_customer_mrr_monthly", MANIFEST) == "marts"
    assert layer("test.cvm.unique_x.abc", MANIFEST) == "data tests"
    assert layer("unit_test.cvm.m.t", MANIFEST) == "unit tests"
    assert layer("seed.cvm.fx_rates", MANIFEST) == "seeds"
    assert layer("operation.cvm.cvm-on-run-end-0", MANIFEST) == "hooks"
    assert layer("model.cvm.gone", MANIFEST) == "models not in the manifest"


def test_execution_time_is_summed_per_layer_with_every_layer_named() -> None:
    layers = by_layer(RESULTS, MANIFEST)
    assert list(layers)[: len(LAYERS)] == list(LAYERS)
    assert layers["staging"] == (3.0, 1)
    assert layers["intermediate"] == (12.5, 1)
    assert layers["data tests"] == (1.0, 2)
    assert layers["hooks"] == (0.1, 1)
    assert sum(count for _, count in layers.values()) == len(RESULTS)


def test_the_slowest_nodes_come_longest_first() -> None:
    top = slowest(RESULTS, 3)
    assert [r["execution_time"] for r in top] == [12.5, 4.25, 3.0]
    assert len(slowest(RESULTS)) == len(RESULTS)  # fewer than 10


def test_node_figures_for_the_record() -> None:
    figures = job.node_figures(RESULTS, MANIFEST, count=2)
    assert figures["layers"]["marts"] == {"seconds": 4.2, "nodes": 1}
    assert figures["layers"]["unit tests"] == {"seconds": 2.0, "nodes": 1}
    assert figures["slowest_nodes"] == [
        {"node": "int_customer_mrr_monthly", "layer": "intermediate", "seconds": 12.5},
        {"node": "fct_customer_mrr_monthly", "layer": "marts", "seconds": 4.2},
    ]


def test_kept_nodes_read_the_job_s_kept_run_results_and_manifest(
    tmp_path: Path,
) -> None:
    assert job.kept_nodes(tmp_path) == {"layers": None, "slowest_nodes": None}
    kept = tmp_path / "warehouse" / "runs" / "20260101T000000Z-abcdef"
    kept.mkdir(parents=True)
    (kept / "dbt_run_results.json").write_text(json.dumps({"results": RESULTS}))
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "manifest.json").write_text(json.dumps(MANIFEST))
    figures = job.kept_nodes(tmp_path)
    assert figures["slowest_nodes"][0]["node"] == "int_customer_mrr_monthly"
    assert figures["layers"]["seeds"] == {"seconds": 1.0, "nodes": 1}


def test_steps_are_read_from_the_job_s_lines() -> None:
    output = (
        "[cvm 09:00:00] run 20260101T000000Z-abcdef: run (landing, build)\n"
        "[cvm 09:00:01] landing: done in 0.4s\n"
        "[cvm 09:00:02] build: 10/20 models done (50%); about 5 s left\n"
        "[cvm 09:01:30] build: done in 88.2s\n"
        "[cvm 09:01:34] validate: done in 3.9s\n"
    )
    assert job.steps(output) == {"landing": 0.4, "build": 88.2, "validate": 3.9}


JOB = {
    "exit_code": 0,
    "wall_s": 100.0,
    "peak_rss_mib": 3000,
    "steps": {"landing": 0.4, "build": 90.0, "validate": 4.0, "publish": 1.0},
    "expectations": 54,
    "published_bytes": 2**30,
    "build_bytes": 3 * 2**30,
}
CORE = {
    "exit_code": 0,
    "wall_s": 40.0,
    "peak_rss_mib": 1500,
    "nodes": 30,
    "command": "dbt build --select +fct_customer_mrr_monthly",
}


def _record(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "customers": 100_000,
        "months": 36,
        "seed": 1,
        "generate_s": 11.04,
        "job": JOB,
        "nodes": job.node_figures(RESULTS, MANIFEST),
        "core": CORE,
        "started": dt.datetime(2026, 12, 1, 9, 0, 5, tzinfo=dt.UTC),
        "commit": {"commit": "9f2cb77", "dirty": False},
        "host": {"cpus": 2, "ram_gib": 23.4, "load_at_start": [2.5, 2.0, 1.5]},
        "env": {},
    }
    values.update(changes)
    return job.record(**values)


def test_the_record_holds_every_figure_and_reads_back_from_json() -> None:
    record = _record(env={"CVM_MEMORY_LIMIT": "12GB"})
    assert json.loads(json.dumps(record)) == record
    assert record["timestamp"] == "2026-12-01T09:00:05+00:00"
    assert (record["commit"], record["dirty"]) == ("9f2cb77", False)
    assert record["machine"]["cpus"] == 2
    assert record["machine"]["ram_gib"] == 23.4
    assert record["machine"]["load_at_start"] == [2.5, 2.0, 1.5]
    assert len(record["machine"]["load_at_end"]) == 3
    assert record["memory_limit"] == "12GB"
    assert (record["customers"], record["months"], record["seed"]) == (100_000, 36, 1)
    assert record["generate_s"] == 11.0
    assert record["job"] == JOB
    assert record["layers"]["intermediate"] == {"seconds": 12.5, "nodes": 1}
    assert len(record["slowest_nodes"]) == len(RESULTS)
    assert record["revenue_core"] == CORE


def test_the_record_names_the_default_memory_limit_and_a_reused_landing() -> None:
    record = _record(generate_s=None, core=None)
    assert record["memory_limit"] == "8GB"
    assert record["threads"] == "2"
    assert record["generate_s"] is None
    assert record["revenue_core"] is None
    summary = "\n".join(job.summary(record))
    assert "landing data: reused" in summary
    assert "revenue core" not in summary


def test_the_summary_prints_the_figures() -> None:
    summary = "\n".join(job.summary(_record()))
    assert "== 100,000 customers, 36 months, seed 1" in summary
    assert "memory limit 8GB" in summary
    assert "exit 0, wall 100.0 s, peak RSS 2.93 GiB" in summary
    assert "build 90.0 s" in summary
    assert "54 expectations; published file 1.00 GiB, build file 3.00 GiB" in summary
    assert "intermediate" in summary and "int_customer_mrr_monthly" in summary
    assert "+fct_customer_mrr_monthly" in summary and "wall 40.0 s" in summary


def test_a_run_is_compared_with_the_previous_record_of_its_size() -> None:
    older = _record()
    other_size = _record(customers=1_000_000)
    slower = _record(
        job={**JOB, "wall_s": 110.0, "peak_rss_mib": 2700},
        core={**CORE, "wall_s": 30.0},
    )
    assert job.previous([older, other_size], 100_000, 36) is older
    assert job.previous([older, slower, other_size], 100_000, 36) is slower  # latest
    assert job.previous([older, other_size], 100_000, 24) is None
    assert job.previous([other_size], 100_000, 36) is None
    lines = [line.strip() for line in job.comparison(older, slower)]
    assert "commit 9f2cb77" in lines[0] and "load 2.5" in lines[0]
    assert "job wall: 100.0 -> 110.0 s (+10.0, +10%)" in lines
    assert "job peak RSS: 3,000.0 -> 2,700.0 MiB (-300.0, -10%)" in lines
    assert "revenue core wall: 40.0 -> 30.0 s (-10.0, -25%)" in lines
    assert not any("exit code" in line for line in lines)
    failed = _record(core={**CORE, "exit_code": 2, "nodes": None})
    lines = [line.strip() for line in job.comparison(failed, slower)]
    assert "revenue core exit code: 2 -> 0 (a failed run's figures do not compare)" in (
        lines
    )
    assert not any(line.startswith("job exit code") for line in lines)


def test_a_comparison_with_a_record_missing_figures_does_not_fail() -> None:
    before = {"timestamp": "x", "job": {"wall_s": 90.0}}
    lines = [line.strip() for line in job.comparison(before, _record())]
    assert "job wall: 90.0 -> 100.0 s (+10.0, +11%)" in lines
    assert "job peak RSS: None -> 3000" in lines
    assert "revenue core wall: None -> 40.0" in lines


def test_a_broken_line_of_the_results_file_is_skipped_and_named(
    tmp_path: Path,
) -> None:
    results = tmp_path / "job.jsonl"
    assert job.read_records(results) == ([], [])
    good = _record()
    results.write_text(
        json.dumps(good)
        + "\n"
        + '{"customers": 100000, "job": {"wall_s": 1\n'  # cut short
        + "\n"
        + "[1, 2]\n"
        + json.dumps(_record(customers=3000))
        + "\n"
    )
    records, skipped = job.read_records(results)
    assert [r["customers"] for r in records] == [100_000, 3000]
    assert len(skipped) == 2
    assert skipped[0].startswith(f"{results}:2: not JSON")
    assert skipped[1] == f"{results}:4: not a JSON object"


def test_landing_data_is_reused_only_when_it_is_the_same_size(
    tmp_path: Path,
) -> None:
    assert not job.reusable(tmp_path, 3000, 36, 1)  # no manifest
    manifest = {"customers": 3000, "months": 36, "seed": 1, "dirty": True}
    (tmp_path / "_manifest.json").write_text(json.dumps(manifest))
    assert job.reusable(tmp_path, 3000, 36, 1)
    assert not job.reusable(tmp_path, 3000, 24, 1)
    assert not job.reusable(tmp_path, 4000, 36, 1)
    assert not job.reusable(tmp_path, 3000, 36, 2)
    (tmp_path / "_manifest.json").write_text('{"customers": 30')  # cut short
    assert not job.reusable(tmp_path, 3000, 36, 1)
