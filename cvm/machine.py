"""Failures of the machine, not of the data: out of memory, a full disk.

Re-running on a healthy machine would pass, so the job exits 2 for them
(a locked file too). The reason then says what to change: DuckDB's memory
limit and its value, or which disk is full (the path, its mount point and
the space left).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from cvm.settings import Settings

OUT_OF_MEMORY = "Out of Memory Error"
DISK_FULL = "No space left on device"
# DuckDB and OS errors that say the machine is the problem; when several
# nodes fail, the first kind in this order is the cause (a full disk makes
# other nodes fail with secondary errors).
MACHINE_ERRORS = (DISK_FULL, OUT_OF_MEMORY, "Could not set lock on file", "IO Error")
# a path quoted in an error message: "/srv/x.duckdb" or '/srv/x.duckdb'
_QUOTED_PATH = re.compile(r"[\"'](/[^\"']+)[\"']")


def machine_error(lines: list[str]) -> str | None:
    """The line that names the machine problem, if any line does."""
    for marker in MACHINE_ERRORS:
        for line in lines:
            if marker in line:
                return line
    return None


def _size(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024:
            return f"{size:.1f} {unit}" if unit != "B" else f"{size:.0f} B"
        size /= 1024
    return f"{size:.1f} TiB"


def disk_report(path: Path) -> str:
    """``path``, the mount point it is on, and the space left there."""
    existing = Path(path).absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    mount = existing.resolve()
    while not os.path.ismount(mount) and mount != mount.parent:
        mount = mount.parent
    usage = shutil.disk_usage(existing)
    return (
        f"{path} is on the filesystem mounted at {mount}: {_size(usage.free)} free "
        f"of {_size(usage.total)}"
    )


def explain(message: str, settings: Settings) -> str:
    """The reason for a failure, with what to change when the machine lacks it."""
    if DISK_FULL in message:
        quoted = _QUOTED_PATH.search(message)
        path = Path(quoted.group(1)) if quoted else settings.warehouse_path.parent
        return (
            f"disk full: {disk_report(path)}; free space there (or point "
            f"CVM_WAREHOUSE_PATH at another disk) and re-run. {message}"
        )
    if OUT_OF_MEMORY in message:
        return (
            f"out of memory: DuckDB's memory_limit is {settings.memory_limit} "
            f"(CVM_MEMORY_LIMIT) with {settings.threads} threads (CVM_THREADS); "
            f"raise the limit or lower the threads and re-run. {message}"
        )
    return message
