"""Proving a refactor: the warehouse comparison and the before/after script."""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import pytest

from cvm.benchmarks import identical
from cvm.compare_warehouses import compare
from cvm.settings import PROJECT_DIR


def warehouse(path: Path, *statements: str) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    for statement in statements:
        con.execute(statement)
    con.close()
    return path


def same(path: Path) -> Path:
    return warehouse(
        path,
        "create table marts.m as select * from "
        "(values (1, 2.5::double), (1, 2.5), (2, 0.1)) t(customer_id, mrr)",
        "create table marts.log as select 1 as run, now() as detected_at",
    )


def test_identical_warehouses_compare_equal_ignoring_build_times(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before, after = same(tmp_path / "a.duckdb"), same(tmp_path / "b.duckdb")
    assert compare(str(before), str(after), ["marts"], ["detected_at"]) == 0
    out = capsys.readouterr().out
    assert "identical marts.m (3 rows)" in out
    assert "2 of 2 common tables identical" in out


def test_a_lost_duplicate_a_changed_float_and_a_missing_table_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = same(tmp_path / "a.duckdb")
    after = warehouse(
        tmp_path / "b.duckdb",
        # one duplicate lost (EXCEPT ALL counts it), one float a hair off
        "create table marts.m as select * from "
        "(values (1, 2.5::double), (2, 0.1 + 1e-15)) t(customer_id, mrr)",
        "create table marts.extra as select 1 as x",
    )
    assert compare(str(before), str(after), ["marts"], ["detected_at"]) == 1
    out = capsys.readouterr().out
    assert "DIFFERS   marts.m: 2 rows only before, 1 only after (2 rows)" in out
    assert "only before: marts.log" in out
    assert "only after:  marts.extra" in out


def test_the_base_revision_is_exported_as_committed(tmp_path: Path) -> None:
    commit = identical.export_revision("HEAD", tmp_path / "base")
    committed = subprocess.run(
        ["git", "show", f"{commit}:dbt_project.yml"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert (tmp_path / "base" / "dbt_project.yml").read_text() == committed
    assert (tmp_path / "base" / "cvm" / "risk_model.py").exists()


def test_an_unknown_revision_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(subprocess.CalledProcessError):
        identical.export_revision("no-such-revision", tmp_path / "base")


def test_the_script_builds_both_sides_and_fails_on_a_difference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    built: list[tuple[Path, Path]] = []
    before = same(tmp_path / "before.duckdb")
    after = warehouse(
        tmp_path / "after.duckdb",
        "create table marts.m as select 1 as customer_id, 2.5::double as mrr",
        "create table marts.log as select 1 as run, now() as detected_at",
    )

    def fake_build(project: Path, landing: Path, root: Path) -> Path:
        built.append((project, landing))
        return before if project != PROJECT_DIR else after

    monkeypatch.setattr(identical, "build", fake_build)
    landing = tmp_path / "landing"
    code = identical.main(
        ["--base", "HEAD", "--landing", str(landing), "--keep", str(tmp_path / "w")]
    )
    assert code == 1
    assert built == [(tmp_path / "w" / "base", landing), (PROJECT_DIR, landing)]
    assert "NOT IDENTICAL" in capsys.readouterr().out

    again = same(tmp_path / "again.duckdb")
    monkeypatch.setattr(
        identical,
        "build",
        lambda project, landing, root: before if project != PROJECT_DIR else again,
    )
    code = identical.main(
        ["--base", "HEAD", "--landing", str(landing), "--keep", str(tmp_path / "w")]
    )
    assert code == 0
    assert capsys.readouterr().out.rstrip().endswith("IDENTICAL")


def test_views_are_compared_with_views_true_even_against_a_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a model that was a view before and is a table after (or back) is
    # still compared; its view reads the file's own catalog
    before = warehouse(
        tmp_path / "before.duckdb",
        "create table marts.t as select * from range(3) r(x)",
        "create view marts.v as select x * 2 as y from before.marts.t",
    )
    after = warehouse(
        tmp_path / "after.duckdb",
        "create table marts.t as select * from range(3) r(x)",
        "create table marts.v as select * from (values (0), (2), (5)) v(y)",
    )
    assert compare(str(before), str(after), ["marts"], [], views=True) == 1
    assert "DIFFERS   marts.v: 1 rows only before, 1 only after" in (
        capsys.readouterr().out
    )
    assert compare(str(before), str(after), ["marts"], []) == 0  # tables only
