"""Memory: what the machine has, what a sweep will need, and a one-line refusal.

A sweep checks its memory needs before it allocates anything
(:func:`binding_sim.limits.check_memory`, the one check every command uses): the engine's working set of one batch in every local
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

from ..limits import MemoryLimitError, available_memory, check_memory, format_bytes
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


def batch_bytes(cells: int, reps: int, horizon: int, protocols: int, cell_bytes: int = 0) -> int:
    """Peak memory of one worker running a batch of ``cells`` cells (engine and part table).

    The engine holds one block of ``min(reps, 8192)`` replicates of every
    cell at a time: the state and tallies (:data:`_STATE_ARRAYS` numbers per
    replicate and cell), as much again in temporaries, a buffer of uniform
    draws shared by the cells, and per cell the binding-round counts; the
    part keeps each cell's outcome and binding-time curve per protocol.
    Forward-looking cells (docs/model.md section 13.5) add their solutions,
    ``cell_bytes`` each, twice: the solver's copy and the padded table the
    kernel reads.
    """
    n = min(max(1, reps), BLOCK_SIZE)
    state = 2 * _STATE_ARRAYS * 8 * cells * n
    draws = _DRAW_ROWS * 8 * n
    counts = 4 * 8 * cells * (horizon + 1)
    part = protocols * cells * (3 * 8 * horizon + _RESULT_ROW_BYTES)
    solutions = 2 * cells * cell_bytes
    return PROCESS_BYTES + state + draws + counts + part + solutions


def tables_bytes(cells: int, protocols: int, horizon: int) -> int:
    """Peak memory of assembling the final tables of ``cells`` cells in the calling process.

    The binding-time table has one row per cell, protocol and round and is
    the largest object: read from the parts, sorted, expanded, written and
    returned as a DataFrame.
    """
    rows = cells * protocols
    return rows * _RESULT_ROW_BYTES + rows * (horizon + 1) * _BINDING_ROW_BYTES
