"""Write-audit-publish of the DuckDB warehouse file, and its run log.

BI tools read one file, the *published* warehouse (``CVM_WAREHOUSE_PATH``),
and only ever read-only. It holds the marts and the run log, nothing else:
no landing, staging or intermediate relation, so no personal data. Nothing
writes to it in place:

1. a build writes a *staging* file beside it (``.<name>.staging``): landing,
   staging (with the quarantine), intermediates, marts;
2. dbt tests and the Great Expectations suites audit the staging file;
3. only if both pass, a new file is written beside the published one
   (``.<name>.publishing``): the marts copied from the staging file (types,
   NOT NULL, descriptions), the run log, then checkpointed (no WAL left),
   given the published file's mode, fsynced and renamed over the published
   file with ``os.replace`` - one atomic ``rename(2)`` on one filesystem - and
   the directory is fsynced so the rename survives a power cut;
4. the staging file becomes the *build* file (``.<name>.build``, mode 0600):
   the whole build of the published run, for engineers.

A reader that opened the old file keeps reading the old file (its inode
lives until it closes); the next open sees the new one. A process killed at
any moment leaves either the old or the new published file, never a mix;
leftover staging files are deleted by the next run, which builds afresh.

A run that fails still appends its row to ``marts.pipeline_runs``: the
published file is copied, the row added to the copy and the copy renamed
over the original. The marts in it are byte-for-byte the published ones.
Until a run has published, nothing is created where BI looks: failed runs
are logged in ``.<name>.unpublished-runs``, carried into the first publish.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import stat
from contextlib import suppress
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import duckdb

from cvm.db import scalar
from cvm.settings import Settings

RUN_LOG_TABLE = "marts.pipeline_runs"
# A run-log row: column name (RUN_LOG_COLUMNS) -> value; JSON columns as
# dicts, timestamps as datetimes. Rows may leave columns out (null).
RunRow = dict[str, Any]
# What build and validate concluded about the staging file (its JSON file).
StagingState = dict[str, Any]
# The umask the job was started with, once restrict_umask() tightened it.
_STARTING_UMASK: list[int] = []


def column(sql_type: str, doc: str) -> dict[str, str]:
    """A run-log column's metadata: its SQL type, the description BI shows."""
    return {"sql_type": sql_type, "doc": doc}


@dataclass
class RunLogRow:
    """One row of ``marts.pipeline_runs``: the one definition of the run log.

    The writers build rows through it (a misspelt column is an error), the
    readers read rows back through it (``from_record``), and the table's
    schema and its column comments (what BI tools show) come from its fields
    (``RUN_LOG_COLUMNS``). JSON columns hold dicts until written.
    """

    run_id: str = field(
        metadata=column(
            "varchar",
            "Id of the run (UTC start time and a random suffix). Standalone validate "
            "and publish commands carry the id of the build they audit or publish, so "
            "one build can have several rows (one per command).",
        ),
    )
    command: str | None = field(
        default=None,
        metadata=column(
            "varchar",
            "The command that ran: run, backfill, build, validate or publish.",
        ),
    )
    as_of_date: str | datetime.date | None = field(
        default=None,
        metadata=column(
            "date",
            "The as-of date the run built; null when it failed before knowing it.",
        ),
    )
    started_at: datetime.datetime | None = field(
        default=None,
        metadata=column(
            "timestamp",
            "When the run started (UTC).",
        ),
    )
    finished_at: datetime.datetime | None = field(
        default=None,
        metadata=column(
            "timestamp",
            "When the run ended (UTC); null when abandoned.",
        ),
    )
    duration_seconds: float | None = field(
        default=None,
        metadata=column(
            "double",
            "finished_at - started_at in seconds.",
        ),
    )
    status: str | None = field(
        default=None,
        metadata=column(
            "varchar",
            "'success' (published), 'failed' (a data, test or expectation failure: "
            "nothing published), 'crashed' (bad configuration or an error: nothing "
            "published) or 'abandoned' (the process died, e.g. killed, while holding "
            "the lock; recorded by the next run).",
        ),
    )
    exit_code: int | None = field(
        default=None,
        metadata=column(
            "integer",
            "The command's exit code: 0, 1, 2 (null when abandoned).",
        ),
    )
    failed_step: str | None = field(
        default=None,
        metadata=column(
            "varchar",
            "The step that failed: landing, build, validate or publish (for abandoned "
            "runs, the step they were in); null on success.",
        ),
    )
    failure_reason: str | None = field(
        default=None,
        metadata=column(
            "varchar",
            "One line naming the model, test, expectation or error; null on success.",
        ),
    )
    published: bool | None = field(
        default=None,
        metadata=column(
            "boolean",
            "True when this run replaced the published marts.",
        ),
    )
    marts_row_counts: dict[str, Any] | None = field(
        default=None,
        metadata=column(
            "varchar",
            "JSON object: rows per mart in what the run built (null if it built "
            "nothing).",
        ),
    )
    landing_rows: dict[str, Any] | None = field(
        default=None,
        metadata=column(
            "varchar",
            "JSON object: raw rows per landing table the run read.",
        ),
    )
    quarantined_rows: dict[str, Any] | None = field(
        default=None,
        metadata=column(
            "varchar",
            "JSON object: quarantined landing rows per landing table.",
        ),
    )
    quarantined_rows_total: int | None = field(
        default=None,
        metadata=column(
            "bigint",
            "Sum of quarantined_rows.",
        ),
    )
    expectations_evaluated: int | None = field(
        default=None,
        metadata=column(
            "integer",
            "Great Expectations evaluated.",
        ),
    )
    expectations_failed: int | None = field(
        default=None,
        metadata=column(
            "integer",
            "Great Expectations that failed.",
        ),
    )
    gx_summary: dict[str, Any] | None = field(
        default=None,
        metadata=column(
            "varchar",
            "JSON object per suite: evaluated, failed, and one line per failed "
            "expectation. Full results: results_path.",
        ),
    )
    step_seconds: dict[str, Any] | None = field(
        default=None,
        metadata=column(
            "varchar",
            "JSON object: seconds spent in each step before the row was written "
            "(landing, build, validate; publish only when a later command wrote it).",
        ),
    )
    landing_dir: str | None = field(
        default=None,
        metadata=column(
            "varchar",
            "The landing directory the run read.",
        ),
    )
    host: str | None = field(
        default=None,
        metadata=column(
            "varchar",
            "Host the run ran on.",
        ),
    )
    pid: int | None = field(
        default=None,
        metadata=column(
            "integer",
            "Process id of the run.",
        ),
    )
    results_path: str | None = field(
        default=None,
        metadata=column(
            "varchar",
            "Folder with this run's Great Expectations results and dbt run results.",
        ),
    )

    def to_record(self) -> RunRow:
        """The row as column name -> value (what the writer stores)."""
        return {item.name: getattr(self, item.name) for item in fields(self)}

    @classmethod
    def from_record(cls, record: RunRow) -> RunLogRow:
        """A stored or recorded row (missing columns are null)."""
        values: dict[str, Any] = {
            item.name: record.get(item.name) for item in fields(cls)
        }
        return cls(**values)


# name, type, description (also written as column comments for BI tools)
RUN_LOG_COLUMNS: list[tuple[str, str, str]] = [
    (item.name, item.metadata["sql_type"], item.metadata["doc"])
    for item in fields(RunLogRow)
]
RUN_LOG_NAMES = [name for name, _, _ in RUN_LOG_COLUMNS]


def restrict_umask() -> None:
    """Create every file of the job 0600 (and folders 0700) from now on.

    The build file, dbt's logs and artifacts and runs/ can hold what only
    engineers may read; the published file gets its own mode explicitly.
    """
    previous = os.umask(0o077)
    if not _STARTING_UMASK:
        _STARTING_UMASK.append(previous)


def starting_umask() -> int:
    """The umask the job was started with."""
    if _STARTING_UMASK:
        return _STARTING_UMASK[0]
    current = os.umask(0o077)
    os.umask(current)
    return current


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def remove_file(path: Path) -> None:
    """Delete a DuckDB file and its WAL, if present."""
    for candidate in (path, path.with_name(path.name + ".wal")):
        candidate.unlink(missing_ok=True)


def clear_staging(settings: Settings) -> None:
    """Delete what an earlier, unfinished run left beside the published file."""
    remove_file(settings.staging_path)
    remove_file(settings.scratch_path)
    remove_file(settings.publishing_path)
    settings.staging_state_path.unlink(missing_ok=True)


# -- the staging file's state between build, validate and publish ----------


def fingerprint(path: Path) -> dict[str, int]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def write_state(settings: Settings, state: StagingState) -> None:
    tmp = settings.staging_state_path.with_suffix(".tmp")
    with tmp.open("w") as out:
        out.write(json.dumps(state, indent=2, default=str))
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, settings.staging_state_path)


def read_state(settings: Settings) -> StagingState | None:
    try:
        state: StagingState = json.loads(settings.staging_state_path.read_text())
    except FileNotFoundError:
        return None
    return state


# -- reading a warehouse file -----------------------------------------------


def _has_table(
    con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str
) -> bool:
    return bool(
        scalar(
            con,
            "select count(*) from duckdb_tables() "
            "where database_name = ? and schema_name = ? and table_name = ?",
            [database, schema, table],
        )
    )


def run_history(path: Path, limit: int | None = None) -> list[RunRow]:
    """The run log of a warehouse file, newest first (read-only)."""
    if not path.exists():
        return []
    con = duckdb.connect(str(path), read_only=True)
    try:
        database = scalar(con, "select current_database()")
        if not _has_table(con, database, "marts", "pipeline_runs"):
            return []
        query = f"select * from {RUN_LOG_TABLE} order by started_at desc"
        if limit:
            query += f" limit {int(limit)}"
        cursor = con.execute(query)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def last_published(path: Path) -> RunRow | None:
    """The newest successful run in a warehouse file's log, or None."""
    return next((row for row in run_history(path) if row["status"] == "success"), None)


def collect_counts(path: Path) -> dict[str, dict[str, int]]:
    """Rows per mart, and raw and quarantined rows per landing table.

    Keys: marts_row_counts, landing_rows, quarantined_rows (run log columns).
    """
    con = duckdb.connect(str(path), read_only=True)
    try:
        database = scalar(con, "select current_database()")
        marts = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where database_name = ? "
                "and schema_name = 'marts' and table_name <> 'pipeline_runs' "
                "order by 1",
                [database],
            ).fetchall()
        ]
        counts = {
            mart: scalar(con, f'select count(*) from marts."{mart}"') for mart in marts
        }
        landing = {
            view: scalar(con, f'select count(*) from landing."{view}"')
            for (view,) in con.execute(
                "select view_name from duckdb_views() where database_name = ? "
                "and schema_name = 'landing' order by 1",
                [database],
            ).fetchall()
        }
        quarantined: dict[str, int] = {}
        if _has_table(con, database, "staging", "stg_landing__quarantine"):
            quarantined = dict(
                con.execute(
                    "select source_table, count(*) "
                    "from staging.stg_landing__quarantine group by 1 order by 1"
                ).fetchall()
            )
        return {
            "marts_row_counts": counts,
            "landing_rows": landing,
            "quarantined_rows": quarantined,
        }
    finally:
        con.close()


def detach_landing_files(path: Path) -> int:
    """Empty the landing views that read files; return how many.

    The build file then reads no landing file when engineers open it later
    (the exports may have changed, or hold what they should not see live).
    Each view keeps its columns and types and returns no row: the rows the
    build read are in the ``staging.base_`` tables, typed, with their file
    and line, de-duplication rank and quarantine rule (and the raw text of
    a row that broke a rule in ``stg_landing__quarantine``). Copying them
    instead cost a full second read and write of the landing data (26 s at
    100k customers, minutes at 1M).
    """
    con = duckdb.connect(str(path))
    try:
        views = con.execute(
            "select schema_name, view_name from duckdb_views() "
            "where database_name = current_database() and not internal "
            "and regexp_matches(sql, 'read_(parquet|csv)', 'i') order by 1, 2"
        ).fetchall()
        for schema, view in views:
            columns = con.execute(
                "select column_name, data_type from duckdb_columns() "
                "where database_name = current_database() and schema_name = ? "
                "and table_name = ? order by column_index",
                [schema, view],
            ).fetchall()
            nulls = ", ".join(
                f"cast(null as {kind}) as {_name(name)}" for name, kind in columns
            )
            relation = f"{_name(schema)}.{_name(view)}"
            con.execute(
                f"create or replace view {relation} as select {nulls} where 1 = 0"
            )
            con.execute(
                f"comment on view {relation} is 'Emptied after the build (it read "
                "a landing file): the rows the build read are in staging.base_ "
                "tables, with _landing_file and _landing_line.'"
            )
        con.execute("checkpoint")
        return len(views)
    finally:
        con.close()


def as_of_of(path: Path) -> str | None:
    """The as-of date a built warehouse file reports, if it has one."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        database = scalar(con, "select current_database()")
        if not _has_table(con, database, "utilities", "util_as_of_date"):
            return None
        row = con.execute("select as_of_date from utilities.util_as_of_date").fetchone()
        return row[0].isoformat() if row and row[0] else None
    finally:
        con.close()


# -- writing the run log and publishing --------------------------------------


def _append_run_log(
    target: Path, rows: list[RunRow], history_from: Path | None
) -> None:
    """Give ``target`` the run log of ``history_from`` plus ``rows``; checkpoint."""
    con = duckdb.connect(str(target))
    try:
        con.execute("create schema if not exists marts")
        database = scalar(con, "select current_database()")
        if not _has_table(con, database, "marts", "pipeline_runs"):
            columns = ", ".join(f"{name} {kind}" for name, kind, _ in RUN_LOG_COLUMNS)
            con.execute(f"create table {RUN_LOG_TABLE} ({columns})")
            if history_from is not None and history_from.exists():
                quoted = str(history_from).replace("'", "''")
                con.execute(f"attach '{quoted}' as published (read_only)")
                if _has_table(con, "published", "marts", "pipeline_runs"):
                    con.execute(
                        f"insert into {RUN_LOG_TABLE} by name "
                        "select * from published.marts.pipeline_runs"
                    )
                con.execute("detach published")
        con.execute(
            f"comment on table {RUN_LOG_TABLE} is 'One row per run of the warehouse "
            "job (cvm run): freshness and quality for BI. Written by "
            "cvm/publish.py, not by dbt.'"
        )
        for name, _, description in RUN_LOG_COLUMNS:
            escaped = description.replace("'", "''")
            con.execute(f"comment on column {RUN_LOG_TABLE}.{name} is '{escaped}'")
        placeholders = ", ".join("?" for _ in RUN_LOG_NAMES)
        for row in rows:
            values = [_db_value(row.get(name)) for name in RUN_LOG_NAMES]
            if row.get("status") == "abandoned" or row.get("unlogged"):
                # never over a row the run wrote itself before it died, nor
                # twice an unlogged failure (carried in by the next run)
                con.execute(
                    f"insert into {RUN_LOG_TABLE} ({', '.join(RUN_LOG_NAMES)}) "
                    f"select {placeholders} where not exists (select 1 from "
                    f"{RUN_LOG_TABLE} where run_id = ?)",
                    [*values, row["run_id"]],
                )
            else:
                con.execute(
                    f"insert into {RUN_LOG_TABLE} ({', '.join(RUN_LOG_NAMES)}) "
                    f"values ({placeholders})",
                    values,
                )
        con.execute("checkpoint")
    finally:
        con.close()


def _db_value(value: object) -> object:
    return json.dumps(value, default=str) if isinstance(value, dict | list) else value


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace(source: Path, target: Path) -> None:
    """Atomically make the checkpointed DuckDB file ``source`` the file ``target``."""
    if source.with_name(source.name + ".wal").exists():
        raise RuntimeError(f"{source} still has a WAL after checkpoint; not publishing")
    wal = target.with_name(target.name + ".wal")
    if wal.exists():
        # Only this job writes, and never in place; a WAL here was made by a
        # read-write open by someone else. It must not be replayed onto the
        # new file: keep it aside for inspection.
        wal.rename(wal.with_name(f"{wal.name}.orphaned-{utc_now():%Y%m%dT%H%M%S}"))
    _fsync(source)
    os.replace(source, target)
    _fsync(target.parent)


def run_log_path(settings: Settings) -> Path:
    """The file holding the run log: the published one, once there is one."""
    if settings.warehouse_path.exists():
        return settings.warehouse_path
    return settings.unpublished_log_path


def published_mode(settings: Settings) -> int:
    """The published file's mode: CVM_FILE_MODE, else the mode it has now.

    A first publish without CVM_FILE_MODE gets 0666 less the umask the job
    was started with (0644 under the usual 022).
    """
    if settings.file_mode is not None:
        return settings.file_mode
    try:
        return stat.S_IMODE(settings.warehouse_path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~starting_umask()


def _give_published_mode(settings: Settings, path: Path) -> None:
    """The published file's mode (and group, where allowed) for ``path``."""
    os.chmod(path, published_mode(settings))
    try:
        group = settings.warehouse_path.stat().st_gid
    except FileNotFoundError:
        return
    with suppress(OSError):  # not a member of the operator's group: mode only
        os.chown(path, -1, group)


def _copy_marts(build: Path, target: Path) -> None:
    """Write the marts of ``build`` into the new file ``target``.

    Column types, NOT NULL and the table and column descriptions (comments,
    which BI tools show) are kept; nothing else of the build is copied.
    """
    con = duckdb.connect(str(target))
    try:
        con.execute(f"attach {_literal(build)} as build (read_only)")
        con.execute("create schema marts")
        tables = con.execute(
            "select table_name, comment from duckdb_tables() "
            "where database_name = 'build' and schema_name = 'marts' order by 1"
        ).fetchall()
        for table, comment in tables:
            columns = con.execute(
                "select column_name, data_type, is_nullable, comment "
                "from duckdb_columns() where database_name = 'build' "
                "and schema_name = 'marts' and table_name = ? order by column_index",
                [table],
            ).fetchall()
            definition = ", ".join(
                f"{_name(name)} {kind}{'' if nullable else ' not null'}"
                for name, kind, nullable, _ in columns
            )
            relation = f"marts.{_name(table)}"
            con.execute(f"create table {relation} ({definition})")
            con.execute(f"insert into {relation} select * from build.{relation}")
            if comment:
                con.execute(f"comment on table {relation} is {_literal(comment)}")
            for name, _, _, described in columns:
                if described:
                    con.execute(
                        f"comment on column {relation}.{_name(name)} "
                        f"is {_literal(described)}"
                    )
        con.execute("detach build")
        con.execute("checkpoint")
    finally:
        con.close()


def _literal(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _name(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def publish_staging(settings: Settings, rows: list[RunRow]) -> None:
    """Publish the marts of the audited staging file with the run log.

    The staging file itself is not written to (it stays as audited), and
    becomes the build file once the new published file is in place.
    """
    target = settings.publishing_path
    remove_file(target)
    _copy_marts(settings.staging_path, target)
    _append_run_log(target, rows, history_from=run_log_path(settings))
    _give_published_mode(settings, target)
    _replace(target, settings.warehouse_path)
    keep_build(settings)


def keep_build(settings: Settings) -> None:
    """Keep the published run's staging file as the build file (mode 0600)."""
    if settings.staging_path.exists():
        os.chmod(settings.staging_path, 0o600)
        os.replace(settings.staging_path, settings.build_path)
        _fsync(settings.build_path.parent)
    settings.staging_state_path.unlink(missing_ok=True)
    remove_file(settings.unpublished_log_path)


def is_published(settings: Settings, run_id: str) -> bool:
    """Whether the published run log holds run ``run_id`` as published."""
    return any(
        row["run_id"] == run_id and row["published"]
        for row in run_history(settings.warehouse_path)
    )


def record_without_publishing(settings: Settings, rows: list[RunRow]) -> None:
    """Append rows to the run log, leaving the published marts as they are.

    Before anything is published, the rows go to the unpublished run log
    (created 0600), never to a published file holding only the run log.
    """
    target = run_log_path(settings)
    scratch = settings.scratch_path
    remove_file(scratch)
    if target.exists():
        shutil.copyfile(target, scratch)
    _append_run_log(scratch, rows, history_from=None)
    if target == settings.warehouse_path:
        _give_published_mode(settings, scratch)
    else:
        os.chmod(scratch, 0o600)
    _replace(scratch, target)


# -- a failure the run log could not take --------------------------------------

# Bytes reserved for the record: written while the disk has room, so that a
# failed run can still say why when the disk is full (rewriting allocated
# blocks in place needs no free space on a local, non copy-on-write disk).
FAILURE_RECORD_BYTES = 16384


def reserve_failure_record(settings: Settings) -> None:
    """Allocate the failure record beside the lock, unless it holds one."""
    path = settings.failure_record_path
    if path.exists() and path.stat().st_size >= FAILURE_RECORD_BYTES:
        return
    with path.open("ab") as out:
        out.write(b" " * (FAILURE_RECORD_BYTES - out.tell()))
        out.flush()
        os.fsync(out.fileno())


def record_failure_beside_lock(settings: Settings, row: RunRow) -> None:
    """Write a failed run's row into the reserved record, in place."""
    data = json.dumps(row, default=str).encode()
    if len(data) > FAILURE_RECORD_BYTES:
        reason = str(row.get("failure_reason"))[:2000]
        slim = {key: row.get(key) for key in RUN_LOG_NAMES if key not in _BULKY}
        data = json.dumps({**slim, "failure_reason": reason}, default=str).encode()
    fd = os.open(settings.failure_record_path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:  # no truncation: the reserved blocks are rewritten, none allocated
        os.pwrite(fd, data.ljust(FAILURE_RECORD_BYTES), 0)
        os.fsync(fd)
    finally:
        os.close(fd)


# run-log columns left out of a failure record that would not fit
_BULKY = {"marts_row_counts", "landing_rows", "quarantined_rows", "gx_summary"}


def unlogged_failure(settings: Settings) -> RunRow | None:
    """The failed run recorded beside the lock and not yet in the run log."""
    try:
        raw = settings.failure_record_path.read_bytes().strip()
    except FileNotFoundError:
        return None
    if not raw:
        return None
    try:
        row = {**json.loads(raw), "unlogged": True}
    except ValueError:  # cut short by a crash while writing: nothing to carry
        return None
    for name in ("started_at", "finished_at"):
        if row.get(name):
            row[name] = datetime.datetime.fromisoformat(row[name])
    return row


def clear_failure_record(settings: Settings) -> None:
    """Blank the record once its row is in the run log (keeps it reserved)."""
    path = settings.failure_record_path
    if path.exists():
        fd = os.open(path, os.O_WRONLY)
        try:
            os.pwrite(fd, b" " * path.stat().st_size, 0)
            os.fsync(fd)
        finally:
            os.close(fd)
