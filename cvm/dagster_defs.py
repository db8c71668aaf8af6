"""Optional Dagster definitions: the nightly warehouse job as dbt assets.

Every dbt model and seed is an asset with its lineage (read from dbt's
manifest), but the one asset step builds them all the only supported way:
``cvm run`` (build, validate, publish), never a bare
``dbt build`` into the published file.

Install (on top of requirements.txt):
    .venv/bin/pip install -r requirements-dagster.txt -c constraints.txt
Run, from the project root, with the usual CVM_* environment variables:
    .venv/bin/dagster dev -m cvm.dagster_defs   # UI at localhost:3000
    .venv/bin/dagster job execute -m cvm.dagster_defs -j cvm_nightly

The schedule (02:15 every night, the README's cron line, in UTC unless
CVM_SCHEDULE_TIMEZONE names another zone) is off until switched on in the
UI, and fires only while the Dagster daemon runs (``dagster dev`` starts one).
Set DAGSTER_HOME to keep run history and that on/off state; without it the
CLI uses a temporary .tmp_dagster_home_* folder in the cwd.
When dbt's target/manifest.json is missing (a fresh clone), importing this
module runs ``dbt parse`` first; ``dagster dev`` re-parses at every load.
"""

import os
import signal
import subprocess
import sys
from collections import deque
from collections.abc import Iterator
from graphlib import TopologicalSorter
from pathlib import Path

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtProject,
    dbt_assets,
)

from cvm.settings import PROJECT_DIR

# The job. Exit codes: 0 published, 1 data/test failure (nothing published),
# 2 crash or bad configuration, 3 another run holds the lock.
CVM_RUN = [sys.executable, "-m", "cvm", "run"]
EXIT_LOCKED = 3
# Another run holds the lock: try again later rather than fail the night.
LOCK_RETRIES = 3
LOCK_RETRY_SECONDS = 600

# dagster-dbt runs the `dbt` found on PATH: make it the one installed beside
# this Python, also when the venv is not activated (`.venv/bin/dagster dev`).
os.environ["PATH"] = os.pathsep.join(
    [str(Path(sys.executable).parent), os.environ.get("PATH", "")]
)
cvm_project = DbtProject(
    project_dir=PROJECT_DIR,
    profiles_dir=PROJECT_DIR / "profiles",
    target_path=os.environ.get("DBT_TARGET_PATH", "target"),
)
if cvm_project.manifest_path.exists():
    cvm_project.prepare_if_dev()
else:
    cvm_project.preparer.prepare(cvm_project)


@dbt_assets(
    manifest=cvm_project.manifest_path,
    project=cvm_project,
    # dbt's tests run inside the job (they gate the publish), not as checks.
    dagster_dbt_translator=DagsterDbtTranslator(
        DagsterDbtTranslatorSettings(enable_asset_checks=False)
    ),
)
def cvm_warehouse(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
    """Build, validate and publish the whole warehouse with `cvm run`."""
    if context.is_subset:
        raise dg.Failure(
            "cvm run builds the whole warehouse: materialise every cvm asset "
            "(or launch the job cvm_nightly), not a subset."
        )
    output: deque[str] = deque(maxlen=20)  # its last line says why it failed
    process = subprocess.Popen(
        CVM_RUN,
        cwd=PROJECT_DIR,
        env={"DBT_USE_COLORS": "false", **os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None  # stdout=PIPE
    try:
        for line in process.stdout:
            if line.strip():
                output.append(line.rstrip())
                context.log.info(output[-1])
        exit_code = process.wait()
    finally:
        if process.poll() is None:  # the Dagster run was stopped: stop cvm too
            process.send_signal(signal.SIGINT)  # cvm releases its lock, exits 2
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
    if exit_code != 0:
        failure = dg.Failure(
            description=output[-1] if output else "no output",
            metadata={"exit_code": exit_code, "output_tail": "\n".join(output)},
        )
        if exit_code == EXIT_LOCKED:
            raise dg.RetryRequested(
                max_retries=LOCK_RETRIES, seconds_to_wait=LOCK_RETRY_SECONDS
            ) from failure
        raise failure
    # Every asset is built and published: report them, upstream first (Dagster
    # requires a multi-asset's results in topological order).
    upstream_first = TopologicalSorter(context.assets_def.asset_deps).static_order()
    for asset_key in upstream_first:
        if asset_key in context.selected_asset_keys:
            yield dg.MaterializeResult(asset_key=asset_key)


cvm_nightly = dg.define_asset_job("cvm_nightly", selection=[cvm_warehouse])

defs = dg.Definitions(
    assets=[cvm_warehouse],
    jobs=[cvm_nightly],
    schedules=[
        dg.ScheduleDefinition(
            job=cvm_nightly,
            cron_schedule="15 2 * * *",
            execution_timezone=os.environ.get("CVM_SCHEDULE_TIMEZONE", "UTC"),
        )
    ],
)
