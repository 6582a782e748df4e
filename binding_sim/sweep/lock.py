"""One writer per output folder: ``DIR/sweep.lock``.

A sweep holds an exclusive :func:`fcntl.flock` on ``DIR/sweep.lock`` while
it writes, and records in the file who it is: process id, host name, start
time and command line. A second sweep into the same folder is refused with
a message naming the running one. The kernel drops a ``flock`` when its
process dies however it dies (``kill -9`` included), so a lock file left by a
crashed run is recognised as stale and taken over; the file descriptor is
closed in forked worker processes, so the lock lives exactly as long as the
sweep's own process. Where the file system offers no ``flock`` (some network
file systems), a lock whose process is gone from this host is stale; one
recorded by another host is refused, with the hint to remove the file if
that run is over.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

from .errors import SweepError
from .record import now

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["LOCK", "OutputLock"]

LOCK = "sweep.lock"
"""Name of the lock file in an output folder."""

_HELD: set[int] = set()  # lock file descriptors held by this process


def _close_in_child() -> None:
    """After a fork: the child (a worker) must not keep the parent's lock alive."""
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_in_child)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    except (OSError, OverflowError, ValueError):
        return False
    return True


def describe(holder: dict[str, Any]) -> str:
    """``PID 123 on host, started T`` for a lock record."""
    parts = [f"PID {holder.get('pid', '?')} on {holder.get('host', '?')}"]
    if holder.get("start_time"):
        parts.append(f"started {holder['start_time']}")
    return ", ".join(parts)


class OutputLock:
    """The lock of one output folder (see the module docstring).

    Attributes
    ----------
    path : Path
        ``DIR/sweep.lock``.
    stale : dict or None
        After :meth:`acquire`: the record of a dead run whose lock was taken over.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / LOCK
        self.stale: dict[str, Any] | None = None
        self._fd: int | None = None
        self._created = False

    def _read(self, fd: int) -> dict[str, Any]:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            data = os.read(fd, 65536)
            record = json.loads(data.decode("utf-8")) if data.strip() else {}
        except (OSError, ValueError):
            return {}
        return record if isinstance(record, dict) else {}

    def acquire(self) -> None:
        """Take the lock or raise :class:`SweepError` naming the sweep that holds it."""
        try:
            self._created = not self.root.exists()
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SweepError(
                f"{self.root}: cannot write to the output directory ({exc.strerror or exc})"
            ) from None
        host = socket.gethostname()
        for _ in range(10):  # the file may be replaced under us by a finishing run: retry
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
            except OSError as exc:
                raise SweepError(
                    f"{self.root}: cannot write to the output directory ({exc.strerror or exc})"
                ) from None
            holder = self._read(fd)
            locked = self._flock(fd)
            if locked is False or (locked is None and self._held_elsewhere(holder, host)):
                os.close(fd)
                hint = (
                    f"; if that run is over, remove {self.path}"
                    if locked is None and holder.get("host") != host
                    else ""
                )
                raise SweepError(
                    f"{self.root}: another sweep is writing to this folder "
                    f"({describe(holder)}){hint}; wait for it to finish or choose another --out"
                )
            try:
                same_file = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same_file = False
            if not same_file:
                os.close(fd)
                continue
            # a finished run removes its lock file: one still holding a record was left
            # by a run that died (its flock went with it)
            holder = self._read(fd)
            if holder:
                self.stale = holder
            record = self._me(host, now())
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, (json.dumps(record) + "\n").encode("utf-8"))
            self._fd = fd
            _HELD.add(fd)
            return
        raise SweepError(f"{self.root}: could not take the lock {self.path}; try again")

    @staticmethod
    def _flock(fd: int) -> bool | None:
        """``True``: locked; ``False``: held by another process; ``None``: no flock here."""
        if fcntl is None:  # pragma: no cover - Windows
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError as exc:
            if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
                return None
            raise
        return True

    @staticmethod
    def _held_elsewhere(holder: dict[str, Any], host: str) -> bool:
        """Without flock: whether the recorded holder may still be running."""
        pid = holder.get("pid")
        if not isinstance(pid, int) or pid == os.getpid():
            return False
        if holder.get("host") != host:
            return True  # cannot tell: refuse
        return _alive(pid)

    @staticmethod
    def _me(host: str, start_time: Any) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "host": host,
            "start_time": start_time,
            "command": " ".join(sys.argv),
        }

    def release(self) -> None:
        """Remove the lock file and drop the lock (idempotent).

        A folder the lock created and nothing else was written to (a sweep
        refused before any work) is removed too.
        """
        fd, self._fd = self._fd, None
        if fd is None:
            return
        _HELD.discard(fd)
        try:
            with contextlib.suppress(FileNotFoundError):
                if os.fstat(fd).st_ino == os.stat(self.path).st_ino:
                    self.path.unlink()
        finally:
            os.close(fd)  # closing drops the flock
        if self._created:
            with contextlib.suppress(OSError):
                self.root.rmdir()  # only if empty
