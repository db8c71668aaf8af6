# The two commands a newcomer needs: `make run` and `make test`.
# Both create/refresh .venv from the pinned requirements first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export CVM_LANDING_DIR ?= data/raw
export CVM_WAREHOUSE_PATH ?= warehouse/cvm.duckdb
# Small generated data the test suite builds on.
TEST_LANDING := target/test_landing
TEST_WAREHOUSE := target/test_warehouse/cvm.duckdb

.PHONY: run test venv browser lint sqlfluff dbt-test pytest benchmark benchmark-generator \
	clean dagster dagster-dev

venv: $(STAMP)

# The project's own package (cvm/, the `cvm` command) is installed editable
# after the pinned requirements, without dependencies: they are the pins.
$(STAMP): requirements.txt constraints.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip==24.3.1
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

## run: the main job end to end on the embedded DuckDB warehouse
## (generates demo landing data first when the default data/raw is empty;
## any other missing or empty landing directory fails the run).
run: venv
	$(BIN)/cvm run --demo-if-empty

## test: the whole suite (lint: ruff and mypy; sqlfluff; dbt unit + data tests on
## generated data; pytest).
test: venv browser lint sqlfluff dbt-test pytest

## browser: Debian's chromium and chromium-driver, which the report's browser
## test drives; installed once, only when missing (so `make test` is enough
## on a fresh machine)
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	    sudo=""; if [ "$$(id -u)" != 0 ]; then sudo="sudo"; fi; \
	    $$sudo apt-get update -qq && \
	    $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	fi

lint: venv
	$(BIN)/ruff check cvm tests
	$(BIN)/ruff format --check cvm tests
	$(BIN)/mypy

sqlfluff: venv
	@mkdir -p $(dir $(TEST_WAREHOUSE))
	CVM_WAREHOUSE_PATH=$(TEST_WAREHOUSE) $(BIN)/sqlfluff lint models macros tests/singular tests/generic

dbt-test: venv
	rm -rf $(TEST_LANDING) && mkdir -p $(dir $(TEST_WAREHOUSE)) && rm -f $(TEST_WAREHOUSE)
	$(BIN)/cvm generate --customers 400 --months 24 \
	    --seed 7 --dirty --format parquet --out $(TEST_LANDING)
	CVM_LANDING_DIR=$(TEST_LANDING) CVM_WAREHOUSE_PATH=$(TEST_WAREHOUSE) \
	    $(BIN)/dbt build --profiles-dir profiles --project-dir .

# Two worker processes (pytest-xdist), one test module each at a time: a
# dbt build is mostly single-threaded Python on the small test data, so two
# use the two cores. The warehouses several modules read are built once per
# session all the same (tests/python/conftest.py). Modules are handed out
# heaviest first, in the order conftest.py's HEAVIEST_FIRST gives them (not
# xdist's default, most tests first), so both workers finish together.
# PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2
pytest: venv
	$(BIN)/python -m pytest tests/python -q -n $(PYTEST_WORKERS) --dist loadfile \
	    --no-loadscope-reorder

DAGSTER_STAMP := $(VENV)/.installed-dagster

## dagster: add the optional Dagster packages (requirements-dagster.txt) to .venv,
## with the project's pins as constraints (else pip picks dbt-core 1.12)
dagster: $(DAGSTER_STAMP)

$(DAGSTER_STAMP): $(STAMP) requirements-dagster.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dagster.txt -c constraints.txt
	@touch $(DAGSTER_STAMP)

## dagster-dev: the Dagster UI on http://127.0.0.1:3000 (job cvm_nightly and its schedule)
dagster-dev: dagster
	$(BIN)/dagster dev -m cvm.dagster_defs

# Sizes (customers) of `make benchmark`; 3M only when asked:
# `make benchmark BENCHMARK_SIZES=3000000`.
BENCHMARK_SIZES ?= 100000 1000000

## benchmark: the whole nightly job at 100k and 1M customers (BENCHMARK_SIZES):
## generates the data, runs `cvm run` and the revenue core alone; prints wall
## time, peak RSS, file sizes, per-layer and slowest-node times, and appends
## them to target/benchmarks/job.jsonl (python -m cvm.benchmarks.job --help)
benchmark: venv
	$(BIN)/python -m cvm.benchmarks.job --sizes $(BENCHMARK_SIZES)

## benchmark-generator: the landing data generator alone at 100k and 1M
## (wall time, peak RSS, rows)
benchmark-generator: venv
	$(BIN)/python -m cvm.benchmarks.generator

clean:
	rm -rf target logs warehouse .pytest_cache .ruff_cache .mypy_cache
