"""Build progress a person can read: models done / total and the time left.

dbt numbers every node it runs ("383 of 453"), models, seeds, unit and data
tests alike, and stops counting where a failure skips the rest. The job
instead counts what finished, per kind, through a dbtRunner callback, and
says so in its own lines at every tenth of the build:

    [cvm 07:22:40] build: 58/115 models, 190/388 data tests, 40/51 unit
    tests done (52%); about 35 s left

The time left weighs the nodes still to run by how long each took in the
previous run (dbt's run_results.json, kept per run under the warehouse's
runs/ folder), scaled by the pace of this build so far; without an earlier
run every node weighs the same.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

RUN_RESULTS = "dbt_run_results.json"
# the kinds of node a person counts, as dbt's FoundStats line names them
KINDS = {
    "model": "models",
    "seed": "seeds",
    "unit_test": "unit tests",
    "test": "data tests",
}
_STAT = re.compile(r"(\d+) (models?|data tests?|seeds?|unit tests?)\b")


def node_counts(path: Path) -> Counter[str]:
    """Finished nodes per kind (model, seed, test, unit_test) in run results."""
    try:
        results = json.loads(path.read_text())["results"]
    except (OSError, ValueError, KeyError, TypeError):
        return Counter()
    return Counter(
        str(result["unique_id"]).split(".", 1)[0]
        for result in results
        if result.get("status") in {"success", "pass", "warn"}
    )


def previous_timings(runs_dir: Path, exclude: Path | None = None) -> dict[str, float]:
    """Each node's execution time in the newest kept run results (not ``exclude``)."""
    candidates = sorted(
        (
            path
            for path in runs_dir.glob(f"*/{RUN_RESULTS}")
            if exclude is None or path.parent != exclude
        ),
        key=lambda path: path.stat().st_mtime,
        reverse=True,
    )
    for path in candidates:
        try:
            results = json.loads(path.read_text())["results"]
            return {
                str(result["unique_id"]): float(result.get("execution_time") or 0.0)
                for result in results
            }
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return {}


def _totals(stat_line: str) -> dict[str, int]:
    """'115 models, 388 data tests, 9 seeds, ...' -> {'model': 115, ...}."""
    totals = {}
    for number, name in _STAT.findall(stat_line):
        singular = name.rstrip("s")
        kind = next(
            (key for key, label in KINDS.items() if label.rstrip("s") == singular),
            None,
        )
        if kind:
            totals[kind] = int(number)
    return totals


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(5, round(seconds / 5) * 5):.0f} s"
    minutes = seconds / 60
    if minutes < 90:
        return f"{minutes:.0f} min"
    return f"{minutes / 60:.1f} h"


class BuildProgress:
    """A dbtRunner callback that logs the build's progress every tenth.

    Used as a context manager it also watches for silence: when no line has
    been logged for ``quiet`` seconds (one slow node, a busy machine), it
    names the nodes still running, for how long, and how long they took in
    the previous run.
    """

    def __init__(
        self,
        log: Callable[[str], None],
        timings: dict[str, float] | None = None,
        steps: int = 10,
        clock: Callable[[], float] = time.monotonic,
        quiet: float = 60.0,
        skipped: frozenset[str] = frozenset(),
    ) -> None:
        self.log, self.timings, self.steps, self.clock = (
            log,
            timings or {},
            steps,
            clock,
        )
        self.totals: dict[str, int] = {}
        self.done: Counter[str] = Counter()
        self.finished: set[str] = set()
        self.started: float | None = None
        self.reported = 0
        self.running: dict[str, float] = {}  # unique id -> when it started
        self.quiet, self.last_line = quiet, clock()
        # kinds the command excludes (the job: unit tests): dbt's FoundStats
        # counts the whole project, so they are dropped from the totals
        self.skipped = skipped
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def __enter__(self) -> BuildProgress:
        threading.Thread(target=self._watch, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()

    def _watch(self) -> None:
        while not self._stop.wait(min(5.0, self.quiet)):
            self.heartbeat()

    def heartbeat(self) -> None:
        """After ``quiet`` seconds without a line: what is still running."""
        with self._lock:
            now = self.clock()
            if not self.running or now - self.last_line < self.quiet:
                return
            nodes = [
                f"{uid.rsplit('.', 1)[-1]} for {_duration(now - since)}"
                + (
                    f" ({_duration(self.timings[uid])} in the previous run)"
                    if uid in self.timings
                    else ""
                )
                for uid, since in sorted(self.running.items(), key=lambda i: i[1])
            ]
            self.last_line = now
            line = f"build: still running {', '.join(nodes)}"
        self.log(line)

    def __call__(self, event: Any) -> None:
        name = event.info.name
        if name == "FoundStats":
            with self._lock:
                self.totals = {
                    kind: count
                    for kind, count in _totals(event.data.stat_line).items()
                    if kind not in self.skipped
                }
                self.started = self.clock()
        elif name == "NodeStart":
            with self._lock:
                self.running[str(event.data.node_info.unique_id)] = self.clock()
        elif name == "NodeFinished":
            self.finish(str(event.data.node_info.unique_id))

    def finish(self, unique_id: str) -> None:
        """One node finished (whatever its status)."""
        kind = unique_id.split(".", 1)[0]
        with self._lock:
            self.running.pop(unique_id, None)
            if kind not in KINDS or unique_id in self.finished:
                return
            self.finished.add(unique_id)
            self.done[kind] += 1
            if not self.totals:
                return
            step = min(self.steps, int(self.share_done() * self.steps))
            if step <= self.reported:
                return
            self.reported = step
            line = self.line()
            self.last_line = self.clock()
        self.log(line)

    def share_done(self) -> float:
        """The share of the build done, weighted by the previous run's timings."""
        total = sum(self.totals.values())
        count_share = min(1.0, sum(self.done.values()) / total) if total else 0.0
        known = {
            uid: t for uid, t in self.timings.items() if uid.split(".")[0] in KINDS
        }
        weight = sum(known.values())
        if not known or weight <= 0:
            return count_share
        # nodes new since the previous run weigh the mean of the known ones
        mean = weight / len(known)
        done = sum(known.get(uid, mean) for uid in self.finished)
        expected = weight + mean * max(0, total - len(known))
        return min(1.0, done / expected) if expected else count_share

    def line(self) -> str:
        """'build: 58/115 models, ... done (52%); about 35 s left'."""
        parts = [
            f"{self.done[kind]}/{self.totals[kind]} {label}"
            for kind, label in KINDS.items()
            if self.totals.get(kind)
        ]
        share = self.share_done()
        text = f"build: {', '.join(parts)} done ({share:.0%})"
        if self.started is not None and 0 < share < 1:
            elapsed = self.clock() - self.started
            basis = "previous run's node timings" if self.timings else "node count"
            left = elapsed * (1 - share) / share
            text += f"; about {_duration(left)} left (from the {basis})"
        return text
