"""Batches: consecutive cells of a design run as one task, and the part table a batch gives.

A batch is the unit of work sent to a worker (a local process or a Dask
worker): consecutive cells, every protocol. The engine draws each block's
random numbers once per :func:`~binding_sim.dynamics.engine.simulate_cells`
call and shares them across the call's cells (common random numbers,
docs/model.md section 11), so a batch of ``k`` cells spends about ``1/k`` of
its time drawing; a cell's numbers never depend on its batch.

A task carries only the base scenario and its cells' values; the worker
builds each cell from the validated base with
:class:`~binding_sim.config.cells.CellBuilder` (a few microseconds a cell,
no second validation of the whole scenario), so tasks stay small to send and
memory holds the cells of the batches in flight only, whatever the size of
the design.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from ..config.cells import CellBuilder
from ..config.design import column_value, scenario_value
from ..config.experiment import Experiment
from ..config.scenario import Scenario

__all__ = [
    "MAX_BATCH_CELLS",
    "MAX_BATCH_SOLUTION_BYTES",
    "MAX_BATCH_WORK",
    "META_CELLS",
    "META_FAILURES",
    "MIN_BATCH_CELLS",
    "BatchTask",
    "auto_batch_size",
    "batch_tasks",
    "error_text",
    "failure_table",
    "part_failures",
    "run_batch",
]

MIN_BATCH_CELLS = 16
"""Cells per batch to aim for at least: the engine draws each block's random
numbers once per call and shares them across the call's cells (common random
numbers), a cost about that of simulating one cell, so a batch of ``k`` cells
spends about ``1/k`` of its time drawing."""

MAX_BATCH_CELLS = 128
"""Most cells per batch (engine memory is about 1 MB per cell of a call)."""

MAX_BATCH_WORK = 5_000_000_000
"""Most replicate-rounds (reps x rounds x protocols x cells) per batch."""

MAX_BATCH_SOLUTION_BYTES = 256 * 2**20
"""Most bytes of forward-looking solutions (docs/model.md section 13.5) per batch:
the padded ``values`` table of a call holds every forward cell's value function."""

META_FAILURES = b"binding_sim.failures"
"""Parquet metadata key of a part: the cells that failed, with their errors (JSON)."""
META_CELLS = b"binding_sim.cells"
"""Parquet metadata key of a part: the cells of its batch (JSON)."""


@dataclasses.dataclass(frozen=True)
class BatchTask:
    """One unit of work: consecutive cells of a design, every protocol.

    Holds only what the batch needs (the validated base scenario and its
    cells' values), so a task is small to send to a worker process or a
    Dask cluster.
    """

    cells: tuple[int, ...]
    points: tuple[dict[str, Any], ...]
    rows: tuple[dict[str, Any], ...]
    base: Scenario
    protocols: tuple[str, ...]
    reps: int
    seed: int
    attempt: int = dataclasses.field(default=1, compare=False)
    cache_dir: str | None = None
    """The forward solver's disk cache (docs/model.md section 13.5): the
    sweep folder's ``solutions/``, shared by every worker and by a resumed
    run; ``None``: in memory only."""


def auto_batch_size(
    n_cells: int,
    workers: int,
    reps: int,
    horizon: int,
    n_protocols: int,
    cell_bytes: int = 0,
) -> int:
    """Cells per batch (one task): big enough to share the random draws, small enough to balance.

    Aims at four batches per worker, but at least :data:`MIN_BATCH_CELLS`
    cells per batch (fewer only if the workers would otherwise sit idle) and
    at most :data:`MAX_BATCH_CELLS` cells and :data:`MAX_BATCH_WORK`
    replicate-rounds. ``cell_bytes`` is the size of a forward-looking cell's
    solution (0 for myopic cells); a batch holds at most
    :data:`MAX_BATCH_SOLUTION_BYTES` of them.
    """
    workers = max(1, workers)
    spread = math.ceil(n_cells / (4 * workers))
    size = max(spread, min(MIN_BATCH_CELLS, math.ceil(n_cells / workers)))
    per_cell = max(1, reps * horizon * n_protocols)
    size = min(size, MAX_BATCH_CELLS, MAX_BATCH_WORK // per_cell)
    if cell_bytes > 0:
        size = min(size, MAX_BATCH_SOLUTION_BYTES // cell_bytes)
    return int(max(1, size))


def batch_tasks(
    exp: Experiment, cells: Sequence[int], batch_size: int, cache_dir: str | None = None
) -> Iterator[BatchTask]:
    """Group ``cells`` (sorted) into tasks of at most ``batch_size`` consecutive cells.

    ``cache_dir`` is handed to every task (:attr:`BatchTask.cache_dir`).
    """
    design, base = exp.design, exp.scenario
    defaults: dict[str, Any] = {}  # base values of keys a list point omits, looked up once

    def row(point: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for k in design.params:
            if k in point:
                out[k] = column_value(point[k])
            else:
                if k not in defaults:
                    defaults[k] = column_value(scenario_value(base, k))
                out[k] = defaults[k]
        return out

    def make(group: list[int]) -> BatchTask:
        points = tuple(design.points[i] for i in group)
        return BatchTask(
            cells=tuple(group),
            points=points,
            rows=tuple(row(p) for p in points),
            base=base,
            protocols=exp.protocols,
            reps=exp.reps,
            seed=exp.seed,
            cache_dir=cache_dir,
        )

    group: list[int] = []
    for cell in sorted(cells):
        if group and (len(group) >= batch_size or cell != group[-1] + 1):
            yield make(group)
            group = []
        group.append(cell)
    if group:
        yield make(group)


def error_text(exc: BaseException) -> str:
    """``Type: message`` of an exception, on one line."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def run_batch(task: BatchTask) -> pa.Table:
    """Simulate one batch (every protocol) and return its part table.

    A cell that raises is isolated (its batch is rerun cell by cell) and
    listed in the table's metadata with its error; the other cells' rows are
    kept. Runs in worker processes: it must stay importable at module level.
    """
    from ..dynamics import engine  # looked up per call: tests replace simulate_cells

    simulate_cells = engine.simulate_cells
    parameters = inspect.signature(simulate_cells).parameters
    if "workers" in parameters:
        # parallelism comes from the sweep's workers: one thread per worker
        simulate_cells = functools.partial(simulate_cells, workers=1)
    if task.cache_dir is not None and "cache_dir" in parameters:
        # forward-looking cells: solutions shared by workers and resumed runs
        simulate_cells = functools.partial(simulate_cells, cache_dir=task.cache_dir)
    builder = CellBuilder(task.base)
    live: list[tuple[int, Scenario]] = []
    failures: list[dict[str, Any]] = []
    for i, (cell, point) in enumerate(zip(task.cells, task.points, strict=True)):
        try:
            live.append((i, builder.build(point)))
        except Exception as exc:
            failures.append({"cell": cell, "protocol": None, "error": error_text(exc)})
    cells_live = [sc for _, sc in live]
    records: list[tuple[int, str, Any]] = []
    for protocol in task.protocols:
        try:
            outcomes = simulate_cells(cells_live, protocol, task.reps, task.seed)
            pairs = [(i, out) for (i, _), out in zip(live, outcomes, strict=True)]
        except Exception:  # isolate the failing cell(s): rerun the batch cell by cell
            pairs = []
            for i, sc in live:
                try:
                    pairs.append((i, simulate_cells([sc], protocol, task.reps, task.seed)[0]))
                except Exception as exc:
                    failures.append(
                        {"cell": task.cells[i], "protocol": protocol, "error": error_text(exc)}
                    )
        records.extend((i, protocol, out) for i, out in pairs)
    return _part_table(task, records, failures)


def _part_table(
    task: BatchTask, records: Sequence[tuple[int, str, Any]], failures: Sequence[dict[str, Any]]
) -> pa.Table:
    """The part of a batch: one row per cell x protocol, ``bound_by_round`` as a list column."""
    params = list(task.rows[0]) if task.rows else []
    values = [out.columns() for _, _, out in records]
    outcome_cols = list(values[0]) if values else []
    arrays: dict[str, pa.Array] = {
        "cell": pa.array([task.cells[i] for i, _, _ in records], type=pa.int64()),
        "protocol": pa.array([p for _, p, _ in records], type=pa.string()),
    }
    for p in params:
        arrays[p] = pa.array([task.rows[i][p] for i, _, _ in records])
    arrays["cell_seed"] = pa.array([task.seed] * len(records), type=pa.int64())
    matrix = np.array(
        [[math.nan if x is None else x for x in v.values()] for v in values], dtype=np.float64
    ).reshape(len(values), len(outcome_cols))
    for j, c in enumerate(outcome_cols):
        arrays[c] = pa.array(matrix[:, j], type=pa.float64())
    curves = [np.asarray(out.bound_by_round, dtype=np.float64) for _, _, out in records]
    lengths = np.array([len(c) for c in curves], dtype=np.int32)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    flat = np.concatenate(curves) if curves else np.empty(0, dtype=np.float64)
    arrays["bound_by_round"] = pa.ListArray.from_arrays(
        pa.array(offsets, type=pa.int32()), pa.array(flat, type=pa.float64())
    )
    table = pa.table(arrays)
    meta = {
        META_CELLS: json.dumps(list(task.cells)).encode(),
        META_FAILURES: json.dumps(list(failures)).encode(),
    }
    return table.replace_schema_metadata(meta)


def failure_table(task: BatchTask, error: str) -> pa.Table:
    """A part recording every cell of ``task`` as failed with ``error``."""
    failures = [{"cell": c, "protocol": None, "error": error} for c in task.cells]
    return _part_table(task, [], failures)


def part_failures(table: pa.Table | pa.Schema) -> list[dict[str, Any]]:
    """The failures listed in a part's metadata."""
    schema = table.schema if isinstance(table, pa.Table) else table
    return list(json.loads((schema.metadata or {}).get(META_FAILURES, b"[]")))
