"""Memory: what the machine has, what a sweep will need, and a one-line refusal.

A sweep checks its memory needs before it allocates anything
(:func:`check_memory`): the engine's working set of one batch in every local
worker (:func:`batch_bytes`) and the final tables assembled in the calling
process (:func:`tables_bytes`). A sweep that would exceed the memory
available is refused with one line: what was asked, the estimate, the limit
and how to split the work.

The estimates follow the engine's layout (docs/model.md section 11: blocks
of 8192 replicates, all cells of a batch at once) and the tables' columns;
they are upper bounds checked against measured peaks in
``tests/test_sweep_edges.py``.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ..errors import BindingSimError
from ..rng import BLOCK_SIZE

__all__ = [
    "MemoryLimitError",
    "available_memory",
    "batch_bytes",
    "check_memory",
    "format_bytes",
    "tables_bytes",
]

PROCESS_BYTES = 256 * 2**20
"""Memory of a worker process before any work (Python, numpy, numba, pyarrow)."""

_STATE_ARRAYS = 16
"""Per-replicate float or integer arrays of a block's state and tallies, per cell."""
_DRAW_ROWS = 32 * 4
"""Uniform draws held at once per replicate (up to 32 rounds of 4 draws)."""
_RESULT_ROW_BYTES = 2048
"""A results row (about 40 numbers plus the design values) in every form it takes."""
_BINDING_ROW_BYTES = 160
"""A binding-time row (cell, protocol, round, share) in every form it takes at assembly."""


class MemoryLimitError(BindingSimError):
    """The work asked for needs more memory than the machine has (exit status 2)."""


def format_bytes(n: float) -> str:
    """``n`` bytes in the largest binary unit that keeps the number >= 1 (``1.5 GiB``)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def _read_int(path: str) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        text = Path(path).read_text().strip()
        if text != "max":
            return int(text)
    return None


def available_memory() -> int | None:
    """Bytes of memory this process can still use, or ``None`` if unknown.

    The smaller of the system's available memory (``MemAvailable`` of
    ``/proc/meminfo``, else free physical pages) and what the control group's
    limit leaves (cgroup v2 ``memory.max - memory.current``, or v1).
    """
    found: list[int] = []
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
                break
    if not found:
        with contextlib.suppress(AttributeError, ValueError, OSError):
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ):
        limit, usage = _read_int(limit_file), _read_int(usage_file)
        if limit is not None and usage is not None and limit < 2**60:
            found.append(max(0, limit - usage))
            break
    return min(found) if found else None


def check_memory(what: str, needed_bytes: int, hint: str) -> None:
    """Refuse work that needs more memory than is available, in one line.

    Parameters
    ----------
    what : str
        What was asked (``"sweep of 10^6 cells x 2 protocols x 200 rounds"``).
    needed_bytes : int
        The estimate.
    hint : str
        How to split the work.

    Raises
    ------
    MemoryLimitError
        ``what needs about X of memory; Y is available: hint``.
    """
    available = available_memory()
    if available is not None and needed_bytes > available:
        raise MemoryLimitError(
            f"{what} needs about {format_bytes(needed_bytes)} of memory; "
            f"{format_bytes(available)} is available: {hint}"
        )


def batch_bytes(cells: int, reps: int, horizon: int, protocols: int) -> int:
    """Peak memory of one worker running a batch of ``cells`` cells (engine and part table).

    The engine holds one block of ``min(reps, 8192)`` replicates of every
    cell at a time: the state and tallies (:data:`_STATE_ARRAYS` numbers per
    replicate and cell), as much again in temporaries, a buffer of uniform
    draws shared by the cells, and per cell the binding-round counts; the
    part keeps each cell's outcome and binding-time curve per protocol.
    """
    n = min(max(1, reps), BLOCK_SIZE)
    state = 2 * _STATE_ARRAYS * 8 * cells * n
    draws = _DRAW_ROWS * 8 * n
    counts = 4 * 8 * cells * (horizon + 1)
    part = protocols * cells * (3 * 8 * horizon + _RESULT_ROW_BYTES)
    return PROCESS_BYTES + state + draws + counts + part


def tables_bytes(cells: int, protocols: int, horizon: int) -> int:
    """Peak memory of assembling the final tables of ``cells`` cells in the calling process.

    The binding-time table has one row per cell, protocol and round and is
    the largest object: read from the parts, sorted, expanded, written and
    returned as a DataFrame.
    """
    rows = cells * protocols
    return rows * _RESULT_ROW_BYTES + rows * (horizon + 1) * _BINDING_ROW_BYTES
