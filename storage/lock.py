"""One bot per database: an exclusive lock on a file beside the database, holding the pid.

Two ``newsbot run`` on one database would both claim outbox rows, and the second one's
start-up recovery would put the first one's rows in flight back in the queue, so posts went
out twice. The lock is an ``fcntl`` lock, which the kernel drops when the process dies (also
on SIGKILL), so a crash never leaves a stale lock behind; the pid in the file only serves to
name the holder in the refusal.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from storage.errors import StorageError


class AlreadyRunningError(StorageError):
    """Another live process holds the database's lock."""


class DatabaseLock:
    """Held from ``acquire`` until ``release`` (or the end of the process)."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, database_path: str | Path) -> DatabaseLock:
        """Take the lock for ``database_path`` or raise ``AlreadyRunningError`` naming the holder."""
        db_file = Path(database_path).expanduser()
        lock_path = db_file.with_name(db_file.name + ".lock")
        try:
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StorageError(f"cannot create the lock file {lock_path}: {exc.strerror}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f"pid {holder}" if holder else "another process"
            raise AlreadyRunningError(
                f"another newsbot ({who}) is already running on the database {db_file}; "
                "stop it first, or set DATABASE_PATH to another file"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(lock_path, fd)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
