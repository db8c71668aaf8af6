"""Settings of a warehouse run, from environment variables (and CLI flags).

Every path is resolved against the project root, so the job behaves the
same from any working directory (cron, Dagster, a shell).
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

PROJECT_DIR = Path(__file__).resolve().parents[1]
Number = TypeVar("Number", int, float)


def _path(value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else PROJECT_DIR / path


# Characters DuckDB reads as a glob pattern in a file path.
GLOB_CHARACTERS = "*?[]{}"


def _landing_path(value: str) -> Path:
    """The landing directory; a glob character would read other folders too."""
    path = _path(value)
    found = sorted(
        {character for character in str(path) if character in GLOB_CHARACTERS}
    )
    if found:
        raise ValueError(
            f"the landing directory '{path}' (CVM_LANDING_DIR) contains the glob "
            "character(s) "
            f"{' '.join(found)}: DuckDB would read every folder the pattern "
            "matches (land* also reads landOLD). Rename the folder."
        )
    return path


def _as_of_date(value: str) -> str | None:
    if not value.strip():
        return None
    try:
        return datetime.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValueError(
            f"CVM_AS_OF_DATE must be a date YYYY-MM-DD, got '{value}'"
        ) from None


def _file_mode(value: str) -> int | None:
    """CVM_FILE_MODE: an octal mode such as 0640 (empty: keep the file's)."""
    if not value.strip():
        return None
    try:
        mode = int(value.strip(), 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o777:
        raise ValueError(
            f"CVM_FILE_MODE must be an octal file mode such as 0640, got '{value}'"
        )
    return mode


def _number(env: dict[str, str], name: str, default: str, kind: type[Number]) -> Number:
    value = env.get(name, default)
    try:
        number = kind(value)
    except ValueError:
        raise ValueError(
            f"{name} must be a number ({kind.__name__}), got '{value}'"
        ) from None
    if number < 0:
        raise ValueError(f"{name} must not be negative, got '{value}'")
    return number


# DuckDB's memory limit unless CVM_MEMORY_LIMIT says otherwise: room for the
# operating system, the dbt Python models' pandas frames and a BI reader on a
# 24 GB machine; what does not fit spills to the temp directory beside the
# warehouse (profiles/profiles.yml). The profile repeats this default.
DEFAULT_MEMORY_LIMIT = "8GB"


@dataclass(frozen=True)
class Settings:
    """Where the landing files are, where the warehouse goes, and the as-of date."""

    landing_dir: Path
    warehouse_path: Path
    as_of_date: str | None = None
    demo_customers: int = 2000
    demo_months: int = 36
    demo_seed: int = 42
    # Great Expectations bounds (cvm/expectations.py; README).
    row_count_tolerance: float = 0.25
    row_count_slack: int = 50
    max_quarantine_share: float = 0.05
    # DuckDB (profiles/profiles.yml): named in out-of-memory failures.
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    threads: str = "2"
    # Mode of the published file (CVM_FILE_MODE, octal); None keeps its mode.
    file_mode: int | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        return cls(
            landing_dir=_landing_path(env.get("CVM_LANDING_DIR", "data/raw")),
            warehouse_path=_path(env.get("CVM_WAREHOUSE_PATH", "warehouse/cvm.duckdb")),
            as_of_date=_as_of_date(env.get("CVM_AS_OF_DATE", "")),
            demo_customers=_number(env, "CVM_DEMO_CUSTOMERS", "2000", int),
            demo_months=_number(env, "CVM_DEMO_MONTHS", "36", int),
            demo_seed=_number(env, "CVM_DEMO_SEED", "42", int),
            row_count_tolerance=_number(env, "CVM_ROW_COUNT_TOLERANCE", "0.25", float),
            row_count_slack=_number(env, "CVM_ROW_COUNT_SLACK", "50", int),
            max_quarantine_share=_number(
                env, "CVM_MAX_QUARANTINE_SHARE", "0.05", float
            ),
            memory_limit=env.get("CVM_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT),
            threads=env.get("CVM_THREADS", "2"),
            file_mode=_file_mode(env.get("CVM_FILE_MODE", "")),
        )

    # Files beside the published warehouse. They must share its directory
    # (one filesystem), so that publishing is an atomic rename.
    def _sibling(self, suffix: str) -> Path:
        return self.warehouse_path.with_name(f".{self.warehouse_path.name}.{suffix}")

    @property
    def staging_path(self) -> Path:
        """The warehouse file a build writes and the audits read."""
        return self._sibling("staging")

    @property
    def staging_state_path(self) -> Path:
        """What the build and the audits concluded about the staging file."""
        return self._sibling("staging.json")

    @property
    def scratch_path(self) -> Path:
        """Copy of the published file that a failed run's log row is added to."""
        return self._sibling("log-only")

    @property
    def lock_path(self) -> Path:
        return self._sibling("lock")

    @property
    def failure_record_path(self) -> Path:
        """A failed run's row when the run log could not take it (disk full)."""
        return self._sibling("unlogged-failure.json")

    @property
    def build_path(self) -> Path:
        """The full build of the published run (staging, quarantine): engineers'."""
        return self._sibling("build")

    @property
    def publishing_path(self) -> Path:
        """The next published file (marts and run log) until its rename."""
        return self._sibling("publishing")

    @property
    def unpublished_log_path(self) -> Path:
        """The run log while nothing is published (a first run failed)."""
        return self._sibling("unpublished-runs")

    @property
    def runs_dir(self) -> Path:
        """One folder per run: Great Expectations results, dbt run results."""
        return self.warehouse_path.parent / "runs"

    def dbt_env(self) -> dict[str, str]:
        """The environment variables profiles.yml and dbt_project.yml read."""
        env = {
            "CVM_LANDING_DIR": str(self.landing_dir),
            "CVM_WAREHOUSE_PATH": str(self.warehouse_path),
            "CVM_MEMORY_LIMIT": self.memory_limit,
            "CVM_THREADS": self.threads,
        }
        if self.as_of_date:
            env["CVM_AS_OF_DATE"] = self.as_of_date
        return env


# Demo data is only ever generated here (`make run` on a fresh clone), and
# marked as such, so that a mistyped CVM_LANDING_DIR can never be filled with
# demo customers and published.
DEMO_LANDING_DIR = PROJECT_DIR / "data" / "raw"
DEMO_MARKER = "_DEMO_DATA.txt"


def is_demo_landing_dir(landing_dir: Path) -> bool:
    """Whether ``landing_dir`` is the default demo directory."""
    return landing_dir.resolve() == DEMO_LANDING_DIR.resolve()


def holds_demo_data(landing_dir: Path | str | None) -> bool:
    """Whether the landing directory holds generated demo data (its marker)."""
    return landing_dir is not None and (Path(landing_dir) / DEMO_MARKER).is_file()


def landing_is_empty(landing_dir: Path) -> bool:
    """True when the landing directory is missing or holds no table files."""
    if not landing_dir.is_dir():
        return True
    return not any(
        child.suffix in {".parquet", ".csv"} or child.is_dir()
        for child in landing_dir.iterdir()
        if not child.name.startswith((".", "_"))
    )


def landing_file_exists(landing_dir: Path, table: str) -> bool:
    """Whether a table has a file in the landing directory, in any form.

    An empty folder ``<table>/`` (no parquet parts) counts as no file.
    """
    return (
        (landing_dir / f"{table}.parquet").is_file()
        or (landing_dir / f"{table}.csv").is_file()
        or any((landing_dir / table).glob("*.parquet"))
    )
