"""Build progress: node counts per kind and the time left (cvm.progress)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from cvm.progress import BuildProgress, node_counts, previous_timings


def _event(name: str, **data: object) -> SimpleNamespace:
    return SimpleNamespace(
        info=SimpleNamespace(name=name), data=SimpleNamespace(**data)
    )


def _finished(unique_id: str) -> SimpleNamespace:
    return _event("NodeFinished", node_info=SimpleNamespace(unique_id=unique_id))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


NODES = [f"model.cvm.m{n}" for n in range(4)] + [f"test.cvm.t{n}" for n in range(4)]


def _found(progress: BuildProgress) -> None:
    progress(
        _event(
            "FoundStats",
            stat_line="4 models, 4 data tests, 1 operation, 20 sources, 564 macros, "
            "2 semantic models",
        )
    )


def test_counts_per_kind_and_estimates_from_the_previous_timings() -> None:
    lines: list[str] = []
    clock = Clock()
    # the first model took as long as all the rest together
    timings = {NODES[0]: 70.0, **{uid: 10.0 for uid in NODES[1:]}}
    progress = BuildProgress(lines.append, timings, steps=4, clock=clock)
    _found(progress)
    assert progress.totals == {"model": 4, "test": 4}

    clock.now += 70
    progress(_finished(NODES[0]))
    progress(_event("MainReportVersion"))  # other events are ignored
    progress(_finished(NODES[0]))  # counted once

    assert lines == [
        "build: 1/4 models, 0/4 data tests done (50%); about 70 s left "
        "(from the previous run's node timings)"
    ]
    for uid in NODES[1:]:
        clock.now += 10
        progress(_finished(uid))
    assert lines[-1] == "build: 4/4 models, 4/4 data tests done (100%)"
    assert len(lines) == 3  # 50%, 78% (3/4 of the way), 100%


def test_kinds_the_command_skips_are_not_counted() -> None:
    lines: list[str] = []
    progress = BuildProgress(
        lines.append, {}, steps=1, clock=Clock(), skipped=frozenset({"unit_test"})
    )
    progress(_event("FoundStats", stat_line="4 models, 4 data tests, 3 unit tests"))
    assert progress.totals == {"model": 4, "test": 4}
    for uid in NODES:
        progress(_finished(uid))
    assert lines == ["build: 4/4 models, 4/4 data tests done (100%)"]


def test_without_an_earlier_run_every_node_weighs_the_same() -> None:
    lines: list[str] = []
    clock = Clock()
    progress = BuildProgress(lines.append, {}, steps=2, clock=clock)
    _found(progress)
    for uid in NODES[:4]:
        clock.now += 5
        progress(_finished(uid))
    assert lines == [
        "build: 4/4 models, 0/4 data tests done (50%); about 20 s left "
        "(from the node count)"
    ]
    progress(_finished("operation.cvm.hook"))  # not a node a person counts
    assert progress.share_done() == pytest.approx(0.5)


def test_run_results_give_counts_and_the_newest_timings(tmp_path: Path) -> None:
    def results(run: str, seconds: float) -> Path:
        path = tmp_path / "runs" / run / "dbt_run_results.json"
        path.parent.mkdir(parents=True)
        rows = [
            {
                "unique_id": uid,
                "status": "pass" if uid[0] == "t" else "success",
                "execution_time": seconds,
            }
            for uid in NODES
        ] + [{"unique_id": "model.cvm.bad", "status": "error", "execution_time": 1}]
        path.write_text(json.dumps({"results": rows}))
        return path

    older = results("20260101T000000Z-aaaaaa", 1.0)
    newer = results("20260102T000000Z-bbbbbb", 2.0)
    newer.touch()
    assert node_counts(older) == {"model": 4, "test": 4}
    assert node_counts(tmp_path / "missing.json") == {}
    assert previous_timings(tmp_path / "runs")[NODES[0]] == 2.0
    assert previous_timings(tmp_path / "runs", exclude=newer.parent)[NODES[0]] == 1.0


def test_a_quiet_build_names_what_is_still_running() -> None:
    lines: list[str] = []
    clock = Clock()
    slow = "model.cvm.int_risk_backtest_predictions"
    progress = BuildProgress(lines.append, {slow: 25.0}, clock=clock, quiet=60)
    _found(progress)
    progress(_event("NodeStart", node_info=SimpleNamespace(unique_id=slow)))
    clock.now += 30
    progress.heartbeat()
    assert lines == []  # not quiet for long enough yet
    clock.now += 45
    progress.heartbeat()
    assert lines == [
        "build: still running int_risk_backtest_predictions for 75 s "
        "(25 s in the previous run)"
    ]
    clock.now += 30
    progress.heartbeat()  # the next one a minute after
    assert len(lines) == 1
    progress(_finished(slow))
    clock.now += 120
    progress.heartbeat()  # nothing running: nothing to say
    assert len(lines) == 2 and lines[-1].startswith("build: 1/4 models")


def test_the_watcher_stops_with_the_build() -> None:
    lines: list[str] = []
    with BuildProgress(lines.append, {}, quiet=0.01) as progress:
        _found(progress)
        progress(_event("NodeStart", node_info=SimpleNamespace(unique_id="model.a.b")))
        for _ in range(200):
            if lines:
                break
            time.sleep(0.01)
    assert lines and lines[0].startswith("build: still running b for ")
