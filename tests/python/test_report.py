"""The report `run` writes beside the published file, checked in a real browser.

Headless Chromium (Debian's chromium and chromium-driver; `make test` installs
them) opens report/index.html from disk with every network request made to
fail, waits until every chart has rendered, fails on any console error or
Vega warning, and compares the numbers drawn with the marts. Screenshots (the
whole page and each chart) go to target/test-artifacts/report/ (or
$CVM_TEST_ARTIFACTS/report/).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import PROJECT_DIR, Published, last_line, run_cli

from cvm.report import CHARTS, incomplete_note, report_path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = (
    Path(
        os.environ.get("CVM_TEST_ARTIFACTS")
        or PROJECT_DIR / "target" / "test-artifacts"
    )
    / "report"
)


def _query(path: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium through its matching chromedriver (no downloads)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail(
            "headless Chromium is needed: apt-get install chromium chromium-driver "
            "(`make browser` does; `make test` runs it)"
        )
    options = Options()
    options.binary_location = CHROMIUM
    for argument in [
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1300,1000",
        # the page must not need the network: every request fails
        "--proxy-server=127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def page(published_run: Published, browser: Any) -> dict[str, Any]:
    """The report loaded and rendered; its console log and chart states."""
    path = report_path(published_run.warehouse)
    browser.get(path.as_uri())
    deadline = time.monotonic() + 60
    while not browser.execute_script(
        "return document.body && document.body.dataset.rendered === 'true'"
    ):
        assert time.monotonic() < deadline, "the charts did not finish rendering"
        time.sleep(0.2)
    state = browser.execute_script(
        "return {rendered: Object.keys(window.cvmReport.rendered), "
        "errors: window.cvmReport.errors, "
        "sections: Array.from(document.querySelectorAll('section')).map(s => s.id)}"
    )
    state["log"] = browser.get_log("browser")
    _screenshots(browser, state["sections"])
    return state


def _screenshots(browser: Any, sections: list[str]) -> None:
    from selenium.webdriver.common.by import By

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    height = browser.execute_script("return document.body.scrollHeight")
    browser.set_window_size(1300, height + 100)
    browser.save_screenshot(str(ARTIFACTS / "report.png"))
    for section in sections:
        element = browser.find_element(By.ID, f"chart-{section}")
        element.screenshot(str(ARTIFACTS / f"{section}.png"))


def _drawn(browser: Any, chart: str, field: str) -> list[dict[str, Any]]:
    """The data of every mark item drawn in a chart that has ``field``."""
    return browser.execute_script(
        """
        const [chart, field] = arguments;
        const out = [];
        const walk = (node) => {
          for (const item of node.items || []) {
            if (item.datum && field in item.datum) out.push(item.datum);
            walk(item);
          }
        };
        walk(window.cvmReport.views[chart].scenegraph().root);
        return out;
        """,
        chart,
        field,
    )


def _set(browser: Any, chart: str, signal: str, value: str) -> None:
    browser.execute_async_script(
        "const [chart, signal, value, done] = arguments;"
        "window.cvmReport.views[chart].signal(signal, value).runAsync()"
        ".then(() => done());",
        chart,
        signal,
        value,
    )


def test_the_note_names_the_periods_still_running() -> None:
    periods = {"2026-09": True, "2026-10": False}
    assert incomplete_note("2026-10-15", periods, "months") == (
        "As of 2026-10-15; incomplete months (still running): 2026-10"
    )
    assert incomplete_note("2026-10-31", {"2026-10": True}, "months") == (
        "As of 2026-10-31; every month shown is complete"
    )


# -- the run writes it ---------------------------------------------------------


def test_run_writes_a_self_contained_report_and_says_so_last(
    published_run: Published,
) -> None:
    path = report_path(published_run.warehouse)
    text = path.read_text()
    assert path.stat().st_size > 100_000  # the Vega bundle is inlined
    assert "<script src" not in text and "<link" not in text  # nothing fetched
    line = last_line(published_run.result.output)
    assert "done: built " in line and " models and " in line
    assert re.search(r"passed \d+ data tests and \d+ expectations; published ", line)
    # the job leaves the unit tests to `make test`: none ran, none counted
    finished = re.search(r"Finished running .*", published_run.result.output)
    assert finished and "unit test" not in finished.group(0)
    assert not [
        line
        for line in published_run.result.output.splitlines()
        if line.startswith("[cvm ") and "unit test" in line
    ]
    assert f"report {path}" in line
    # the progress lines: every kind counted against its total
    assert re.search(
        r"build: \d+/\d+ models, \d+/\d+ seeds", published_run.result.output
    )
    assert "left (from the " in published_run.result.output


def test_every_chart_renders_without_console_errors(page: dict[str, Any]) -> None:
    assert len(page["sections"]) == len(CHARTS)
    assert sorted(page["rendered"]) == sorted(page["sections"]), page["errors"]
    assert page["errors"] == {}
    severe = [entry for entry in page["log"] if entry["level"] == "SEVERE"]
    assert severe == []
    vega_warnings = [entry for entry in page["log"] if '"WARN"' in entry["message"]]
    assert vega_warnings == []


def test_every_chart_states_its_as_of_date_and_incomplete_periods(
    published_run: Published, page: dict[str, Any], browser: Any
) -> None:
    (as_of,) = _query(
        published_run.warehouse,
        "select as_of_date from marts.pipeline_runs where published "
        "order by finished_at desc limit 1",
    )[0]
    for section in page["sections"]:
        text = browser.execute_script(
            "return document.getElementById('chart-' + arguments[0]).textContent",
            section,
        )
        assert f"As of {as_of}" in text, section
        assert "complete" in text, section  # "incomplete ...: 2026" or "complete"


def test_the_mrr_bridge_draws_the_marts_numbers(
    published_run: Published, page: dict[str, Any], browser: Any
) -> None:
    for segment in ["All", "SMB"]:
        _set(browser, "mrr_bridge", "mrr_bridge_segment", segment)
        bars = {bar["step"]: bar for bar in _drawn(browser, "mrr_bridge", "step")}
        month = bars["closing"]["month"]
        mart = _query(
            published_run.warehouse,
            "select opening_mrr, new_mrr, churned_mrr, closing_mrr "
            "from marts.fct_mrr_movements "
            "where strftime(month_start, '%Y-%m') = ? and segment = ?",
            [month, segment],
        )
        opening, new, churned, closing = (float(value) for value in mart[0])
        assert set(bars) == {
            "opening",
            "fx",
            "new",
            "reactivation",
            "expansion",
            "contraction",
            "churn",
            "closing",
        }
        assert {bar["segment"] for bar in bars.values()} == {segment}
        assert bars["closing"]["end"] == pytest.approx(closing, abs=0.01)
        assert bars["opening"]["end"] == pytest.approx(opening, abs=0.01)
        assert bars["new"]["amount"] == pytest.approx(new, abs=0.01)
        assert bars["churn"]["amount"] == pytest.approx(-churned, abs=0.01)
        # the bridge closes: the last movement ends where closing MRR is
        assert bars["churn"]["end"] == pytest.approx(closing, abs=0.01)


def test_the_retention_heatmap_draws_the_marts_numbers(
    published_run: Published, page: dict[str, Any], browser: Any
) -> None:
    cells = _drawn(browser, "retention_logo_retention", "rate")
    mart = _query(
        published_run.warehouse,
        "select strftime(cohort_month, '%Y-%m'), months_since_start, logo_retention "
        "from marts.fct_retention_cohorts "
        "where segment = 'All' and cohort_customers > 0",
    )
    assert len(cells) == len(mart) > 20
    expected = {(cohort, months): rate for cohort, months, rate in mart}
    for cell in cells:
        key = (cell["cohort"], cell["months_since_start"])
        assert cell["rate"] == pytest.approx(expected[key]), key


def test_the_at_risk_list_holds_ids_not_names(published_run: Published) -> None:
    text = report_path(published_run.warehouse).read_text()
    names = _query(
        published_run.warehouse,
        "select customer_name from marts.dim_customers "
        "where customer_id in (select customer_id from marts.fct_renewal_risk "
        "where is_at_risk)",
    )
    at_risk = _query(
        published_run.warehouse,
        "select customer_id from marts.fct_renewal_risk where is_at_risk "
        "and snapshot_month = (select max(snapshot_month) from marts.fct_renewal_risk) "
        "order by mrr_at_risk desc, customer_id limit 1",
    )
    assert at_risk and at_risk[0][0] in text
    assert not [name for (name,) in names if name and name in text]


# -- the command and its failures ------------------------------------------------


def test_report_command_rewrites_it_and_a_failure_leaves_the_marts(
    published_run: Published, tmp_path: Path
) -> None:
    out = tmp_path / "elsewhere" / "report.html"
    result = published_run.cli("report", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("<!DOCTYPE html>")

    blocked = tmp_path / "blocked" / "index.html"
    blocked.mkdir(parents=True)  # a directory where the page should go
    before = published_run.warehouse.read_bytes()
    result = published_run.cli("report", "--out", str(blocked))
    assert result.exit_code == 2
    assert "report not written: " in last_line(result.output)
    assert published_run.warehouse.read_bytes() == before


def test_a_publish_whose_report_fails_still_publishes_and_warns_last(
    published_run: Published, staged: dict[str, Path], tmp_path: Path
) -> None:
    # the published file and a validated staging file (what `run` has before
    # its publish step, which writes the report: the same code for `run`,
    # `publish` and `backfill`)
    warehouse = tmp_path / "warehouse" / published_run.warehouse.name
    warehouse.parent.mkdir()
    shutil.copy2(staged["published"], warehouse)
    for path in staged["validate"].iterdir():
        shutil.copy2(path, warehouse.parent / path.name)
    page = report_path(warehouse)
    page.mkdir(parents=True)  # the report cannot be written there

    result = run_cli("publish", landing=published_run.landing, warehouse=warehouse)

    assert result.exit_code == 0, result.output[-3000:]
    line = last_line(result.output)
    assert "WARNING: report NOT written" in line and "published" in line
    runs = _query(warehouse, "select status, published from marts.pipeline_runs")
    assert runs == [("success", True), ("success", True)]
