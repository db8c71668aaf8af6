"""One run at a time: an exclusive lock beside the published warehouse.

The lock is ``fcntl.flock`` on a small file that also says who holds it
(run id, pid, host, command, step, start time) as JSON. The kernel drops a
flock when its process dies, however it dies (kill -9 included), so a lock
can never outlive its holder; what a dead holder leaves behind is only the
JSON. The next run therefore *knows* the previous holder is gone when it gets
the lock and still finds JSON in the file: that is a stale lock, which it
reports, records in the run log as 'abandoned' and takes over.

The file is never deleted: deleting a locked file lets two processes lock two
different files of the same name. flock works on local filesystems; on NFS
it is not reliable, so keep the warehouse directory on a local disk.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import os
import socket
import time
from pathlib import Path
from typing import Any, NotRequired, TypedDict

RETRIES, RETRY_SECONDS = 10, 0.05
# What a lock file says about its holder (JSON, as written by any version).
Holder = dict[str, Any]


class LockInfo(TypedDict):
    """What this process writes into the lock file while it holds it."""

    run_id: str
    command: str
    pid: int
    host: str
    started_at: str
    step: str
    as_of: NotRequired[str]


class LockHeld(Exception):
    """Another live process holds the lock."""

    def __init__(self, path: Path, holder: Holder) -> None:
        self.path, self.holder = path, holder
        super().__init__(f"another run holds the lock {path}: {describe(holder)}")


def describe(holder: Holder) -> str:
    if not holder:
        return "holder unknown (lock file empty)"
    return (
        f"run {holder.get('run_id', '?')} ({holder.get('command', '?')}), "
        f"pid {holder.get('pid', '?')} on {holder.get('host', '?')}, "
        f"started {holder.get('started_at', '?')}, step {holder.get('step', '?')}"
    )


def _read(fd: int) -> Holder:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = b""
    while chunk := os.read(fd, 65536):
        raw += chunk
    if not raw.strip():
        return {}
    try:
        holder: Holder = json.loads(raw)
    except ValueError:
        return {"unreadable": raw[:200].decode(errors="replace")}
    return holder


class RunLock:
    """``with RunLock(path, run_id, command) as lock: ...``; raises LockHeld."""

    def __init__(self, path: Path, run_id: str, command: str) -> None:
        self.path = path
        self.info: LockInfo = {
            "run_id": run_id,
            "command": command,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": datetime.datetime.now(datetime.UTC).isoformat(
                timespec="seconds"
            ),
            "step": "starting",
        }
        self.stale_holder: Holder = {}
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        # `status` probes with a brief shared lock: retry for half a second
        # so that a probe is never mistaken for a running job.
        for attempt in range(RETRIES):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if attempt == RETRIES - 1:
                    holder = _read(fd)
                    os.close(fd)
                    raise LockHeld(self.path, holder) from None
                time.sleep(RETRY_SECONDS)
        # We hold it: whatever the file still says was left by a dead process.
        self.stale_holder = _read(fd)
        self._fd = fd
        self._write()
        return self

    def set_step(
        self, step: str, as_of: str | None = None, run_id: str | None = None
    ) -> None:
        """Say in the lock file what the run is doing (for `status`)."""
        self.info["step"] = step
        if as_of is not None:
            self.info["as_of"] = as_of
        if run_id is not None:
            self.info["run_id"] = run_id
        self._write()

    def _write(self) -> None:
        assert self._fd is not None
        data = json.dumps(self.info).encode()
        # write, then cut to length: a reader never sees an empty file
        os.pwrite(self._fd, data, 0)
        os.ftruncate(self._fd, len(data))
        os.fsync(self._fd)

    def release(self) -> None:
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)  # a clean exit leaves nothing to take over
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def current_holder(path: Path) -> Holder | None:
    """Who holds the lock now (None when nobody does); never takes it."""
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
