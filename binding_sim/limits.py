"""Memory limits: refuse a request the machine cannot hold, before allocating it.

Every command estimates the memory its request needs (replicates, rounds,
recorded trajectories, population size, ...) from the sizes on its command
line and calls :func:`check_memory` before any array is allocated. A request
above the limit is refused with one line naming what was asked, the estimate,
the limit and how to split the work, instead of growing until the operating
system kills the process or ``numpy`` raises ``MemoryError`` in the middle
of the run.

The limit is :data:`MEMORY_FRACTION` of :func:`available_memory`: the
kernel's estimate of memory available without swapping (``MemAvailable`` in
``/proc/meminfo``), lowered to what a control group (container) still allows.
Estimates are upper bounds built from the arrays each code path allocates;
they are deliberately generous, since refusing a borderline request costs a
rerun with smaller pieces while accepting it can cost the machine.

Examples
--------
>>> from binding_sim.limits import check_memory
>>> check_memory("--reps 10", 10 * 64, "use fewer replicates")  # small: no error
>>> check_memory("--reps 1e15", 10**18, "run fewer replicates per call")
Traceback (most recent call last):
...
binding_sim.limits.MemoryLimitError: --reps 1e15: needs about 888 PiB of memory, ...
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import BindingSimError, one_line

__all__ = [
    "FALLBACK_MEMORY",
    "MEMORY_FRACTION",
    "MemoryLimitError",
    "available_memory",
    "check_memory",
    "format_bytes",
]

MEMORY_FRACTION = 0.8
"""Share of the available memory a single request may use (the rest is left to the
interpreter, the libraries and the other programs running)."""

FALLBACK_MEMORY = 2 * 1024**3
"""Bytes assumed available when the operating system does not say (2 GiB)."""

_MEMINFO = Path("/proc/meminfo")
_CGROUP_FILES = (
    # (limit, usage): cgroup v2, then v1
    (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory.current")),
    (
        Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
        Path("/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ),
)


class MemoryLimitError(BindingSimError):
    """The work asked for needs more memory than the machine can give (exit status 2)."""


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None  # "max" (no limit) reads as None


def _meminfo_available() -> int | None:
    try:
        lines = _MEMINFO.read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in lines:
        if line.startswith("MemAvailable:"):
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                unit = 1024 if parts[2:3] == ["kB"] else 1
                return int(parts[1]) * unit
    return None


def _sysconf_available() -> int | None:
    try:
        pages = os.sysconf("SC_AVPHYS_PAGES")
        size = os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None
    return pages * size if pages > 0 and size > 0 else None


def _cgroup_remaining() -> int | None:
    for limit_path, usage_path in _CGROUP_FILES:
        limit = _read_int(limit_path)
        usage = _read_int(usage_path)
        if limit is not None and usage is not None and limit < 2**60:
            return max(0, limit - usage)
    return None


def available_memory() -> int:
    """Bytes of memory available to this process without swapping.

    ``MemAvailable`` from ``/proc/meminfo`` (Linux); where that file is
    missing, the free physical pages reported by ``os.sysconf``; where
    neither exists, :data:`FALLBACK_MEMORY`. A control-group limit
    (containers, batch schedulers) lowers it to what the group still allows.

    Returns
    -------
    int
        Bytes, >= 0.
    """
    found = _meminfo_available()
    if found is None:
        found = _sysconf_available()
    if found is None:
        found = FALLBACK_MEMORY
    group = _cgroup_remaining()
    if group is not None:
        found = min(found, group)
    return max(0, int(found))


def format_bytes(n: int | float) -> str:
    """``n`` bytes in binary units with three significant digits, e.g. ``1.5 GiB``."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if abs(value) < 1024 or unit == "EiB":
            return f"{value:.3g} {unit}" if unit != "B" else f"{int(value)} B"
        value /= 1024
    return f"{value:.3g} EiB"  # pragma: no cover - the loop always returns


def check_memory(what: str, needed_bytes: int, hint: str) -> None:
    """Refuse a request whose memory estimate exceeds what the machine can give.

    Parameters
    ----------
    what : str
        What was asked, as the user wrote it (e.g. ``"--reps 1000000000000"``).
    needed_bytes : int
        The estimate of the memory the request needs, in bytes.
    hint : str
        How to split the work (e.g. ``"run fewer replicates per call and pool
        the results"``).

    Raises
    ------
    MemoryLimitError
        One line: ``WHAT: needs about X of memory, more than the limit of Y
        (80% of the Z available on this machine); HINT``.
    """
    available = available_memory()
    limit = int(available * MEMORY_FRACTION)
    if needed_bytes <= limit:
        return
    raise MemoryLimitError(
        one_line(
            f"{what}: needs about {format_bytes(needed_bytes)} of memory, more than the limit "
            f"of {format_bytes(limit)} ({MEMORY_FRACTION:.0%} of the {format_bytes(available)} "
            f"available on this machine); {hint}"
        )
    )
