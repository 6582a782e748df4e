"""Running an experiment over all its cells: executors, streaming store, resume.

:func:`run_sweep` runs every cell x protocol of an
:class:`~binding_sim.config.experiment.Experiment` with
:func:`binding_sim.dynamics.engine.simulate_cells` and writes tidy tables.

Execution
    Cells are grouped into batches of consecutive cells (one task each, so
    per-task overhead is small against the work). Batches run serially
    (``workers=1``), on local processes (``workers=N``, default
    ``os.cpu_count()``), or on a Dask distributed cluster
    (``scheduler=ADDRESS``, or ``"local"`` for a
    :class:`distributed.LocalCluster` of ``workers`` processes). The random
    streams follow docs/model.md section 11 (fixed blocks of replicates from the
    root seed, shared by every cell), so a cell's result does not depend on
    its batch, the batch size, the order or the executor: the tables are
    bit-identical in every mode.

Store (``DIR``)
    ``run.json``
        The run record (package version, git commit and dirty flag, the
        resolved scenario and experiment, root seed, fingerprint, times,
        platform, dependency versions, status), written atomically at the
        start and at the end.
    ``parts/part-*.parquet``
        One file per finished batch, written to a temporary file and moved
        into place with :func:`os.replace` (a part exists completely or not
        at all). Rows: cell, protocol, design parameters, cell_seed, every
        :meth:`Outcome.columns` value and ``bound_by_round`` (a list); cells
        that failed are listed in the file's metadata with their error.
        Memory in the parent is bounded by the batches in flight.
    ``log.jsonl``
        Append-only run log (one line per start, finished batch, end).
    ``results.parquet`` / ``results.csv``, ``binding_time.parquet`` / ``.csv``
        The finished tables, assembled from the parts and sorted by cell then
        protocol (then round), so they are identical however cells were
        scheduled or interrupted.
    ``failed.csv``
        Cells that raised (cell, protocol, error), if any.

Resume
    ``resume=True`` keeps the parts of a previous run of the same experiment
    (same fingerprint: resolved experiment, scenario and cells) and runs only
    the cells not finished, including cells that failed. A non-empty ``DIR``
    holding anything else, or this experiment's results without ``resume``,
    is refused unless ``force=True``: finished results are never overwritten
    without it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import functools
import inspect
import io
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..config.experiment import Experiment
from ..config.scenario import Scenario
from ..errors import BindingSimError
from ..serialize import dumps

__all__ = [
    "MAX_ATTEMPTS",
    "MAX_BATCH_CELLS",
    "MAX_BATCH_WORK",
    "MIN_BATCH_CELLS",
    "BatchTask",
    "SweepError",
    "SweepFailed",
    "auto_batch_size",
    "batch_tasks",
    "read_results",
    "run_batch",
    "run_sweep",
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

MAX_ATTEMPTS = 3
"""Times a batch is started before the cells of a batch that kills its worker count as failed."""

RESULTS = "results"
BINDING_TIME = "binding_time"
PARTS = "parts"
RUN_RECORD = "run.json"
LOG = "log.jsonl"
FAILED = "failed.csv"
_OUR_FILES = (
    f"{RESULTS}.parquet",
    f"{RESULTS}.csv",
    f"{BINDING_TIME}.parquet",
    f"{BINDING_TIME}.csv",
    RUN_RECORD,
    LOG,
    FAILED,
)
_META_FAILURES = b"binding_sim.failures"
_META_CELLS = b"binding_sim.cells"
_DEPENDENCIES = (
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "nashpy",
    "numba",
    "dask",
    "distributed",
    "tqdm",
    "matplotlib",
)


class SweepError(BindingSimError):
    """The sweep cannot start or continue (output directory, scheduler, ...)."""


class SweepFailed(BindingSimError):
    """Some cells raised; the others finished (tables hold the finished cells)."""

    exit_status = 1

    def __init__(self, message: str, failures: Sequence[dict[str, Any]]) -> None:
        super().__init__(message)
        self.failures = list(failures)


# ----------------------------------------------------------------------- tasks
@dataclasses.dataclass(frozen=True)
class BatchTask:
    """One unit of work: consecutive cells of a design, every protocol.

    Holds only what the batch needs (its cells' values), so a task is small
    to send to a worker process or a Dask cluster.
    """

    cells: tuple[int, ...]
    points: tuple[dict[str, Any], ...]
    rows: tuple[dict[str, Any], ...]
    base: Scenario
    protocols: tuple[str, ...]
    reps: int
    seed: int
    attempt: int = dataclasses.field(default=1, compare=False)


def auto_batch_size(n_cells: int, workers: int, reps: int, horizon: int, n_protocols: int) -> int:
    """Cells per batch (one task): big enough to share the random draws, small enough to balance.

    Aims at four batches per worker, but at least :data:`MIN_BATCH_CELLS`
    cells per batch (fewer only if the workers would otherwise sit idle) and
    at most :data:`MAX_BATCH_CELLS` cells and :data:`MAX_BATCH_WORK`
    replicate-rounds.
    """
    workers = max(1, workers)
    spread = math.ceil(n_cells / (4 * workers))
    size = max(spread, min(MIN_BATCH_CELLS, math.ceil(n_cells / workers)))
    per_cell = max(1, reps * horizon * n_protocols)
    return int(max(1, min(size, MAX_BATCH_CELLS, MAX_BATCH_WORK // per_cell)))


def batch_tasks(exp: Experiment, cells: Sequence[int], batch_size: int) -> Iterator[BatchTask]:
    """Group ``cells`` (sorted) into tasks of at most ``batch_size`` consecutive cells."""
    group: list[int] = []

    def make(group: list[int]) -> BatchTask:
        return BatchTask(
            cells=tuple(group),
            points=tuple(exp.design.points[i] for i in group),
            rows=tuple(exp.design.row_values(exp.scenario, i) for i in group),
            base=exp.scenario,
            protocols=exp.protocols,
            reps=exp.reps,
            seed=exp.seed,
        )

    for cell in sorted(cells):
        if group and (len(group) >= batch_size or cell != group[-1] + 1):
            yield make(group)
            group = []
        group.append(cell)
    if group:
        yield make(group)


def _error_text(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def run_batch(task: BatchTask) -> pa.Table:
    """Simulate one batch (every protocol) and return its part table.

    A cell that raises is isolated (its batch is rerun cell by cell) and
    listed in the table's metadata with its error; the other cells' rows are
    kept. Runs in worker processes: it must stay importable at module level.
    """
    from ..dynamics import engine

    simulate_cells = engine.simulate_cells
    if "workers" in inspect.signature(simulate_cells).parameters:
        # parallelism comes from the sweep's workers: one thread per worker
        simulate_cells = functools.partial(simulate_cells, workers=1)
    scenarios: list[Scenario | None] = []
    failures: list[dict[str, Any]] = []
    for cell, point in zip(task.cells, task.points, strict=True):
        try:
            scenarios.append(task.base.with_values(point))
        except Exception as exc:
            scenarios.append(None)
            failures.append({"cell": cell, "protocol": None, "error": _error_text(exc)})
    live = [(i, sc) for i, sc in enumerate(scenarios) if sc is not None]
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
                        {"cell": task.cells[i], "protocol": protocol, "error": _error_text(exc)}
                    )
        records.extend((i, protocol, out) for i, out in pairs)
    return _part_table(task, records, failures)


def _part_table(
    task: BatchTask, records: Sequence[tuple[int, str, Any]], failures: Sequence[dict[str, Any]]
) -> pa.Table:
    columns: dict[str, list[Any]] = {"cell": [], "protocol": []}
    params = list(task.rows[0]) if task.rows else []
    for p in params:
        columns[p] = []
    columns["cell_seed"] = []
    outcome_cols: list[str] = []
    curves: list[list[float]] = []
    for i, protocol, out in records:
        values = out.columns()
        if not outcome_cols:
            outcome_cols = list(values)
            for c in outcome_cols:
                columns[c] = []
        columns["cell"].append(task.cells[i])
        columns["protocol"].append(protocol)
        for p in params:
            columns[p].append(task.rows[i][p])
        columns["cell_seed"].append(task.seed)
        for c in outcome_cols:
            v = values[c]
            columns[c].append(math.nan if v is None else float(v))
        curves.append([float(x) for x in np.asarray(out.bound_by_round, dtype=float)])
    arrays: dict[str, pa.Array] = {
        "cell": pa.array(columns["cell"], type=pa.int64()),
        "protocol": pa.array(columns["protocol"], type=pa.string()),
    }
    for p in params:
        arrays[p] = pa.array(columns[p])
    arrays["cell_seed"] = pa.array(columns["cell_seed"], type=pa.int64())
    for c in outcome_cols:
        arrays[c] = pa.array(columns[c], type=pa.float64())
    arrays["bound_by_round"] = pa.array(curves, type=pa.list_(pa.float64()))
    table = pa.table(arrays)
    meta = {
        _META_CELLS: json.dumps(list(task.cells)).encode(),
        _META_FAILURES: json.dumps(list(failures)).encode(),
    }
    return table.replace_schema_metadata(meta)


def _failure_table(task: BatchTask, error: str) -> pa.Table:
    """A part recording every cell of ``task`` as failed with ``error``."""
    failures = [{"cell": c, "protocol": None, "error": error} for c in task.cells]
    return _part_table(task, [], failures)


# ----------------------------------------------------------------------- store
def _atomic_write(path: Path, write: Callable[[io.BufferedWriter], None]) -> None:
    """Write ``path`` through a temporary file in the same folder, fsync, then os.replace."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_text(path: Path, text: str) -> None:
    data = text.encode("utf-8")

    def write(fh: io.BufferedWriter) -> None:
        fh.write(data)

    _atomic_write(path, write)


def _write_parquet(path: Path, table: pa.Table) -> None:
    _atomic_write(path, lambda fh: pq.write_table(table, fh))


class Store:
    """The output directory of one sweep (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.parts = root / PARTS

    # ---- directory state
    def record(self) -> dict[str, Any] | None:
        try:
            return dict(json.loads((self.root / RUN_RECORD).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def is_empty(self) -> bool:
        return not self.root.exists() or not any(self.root.iterdir())

    def clear(self) -> None:
        """Remove this package's artefacts (never other files)."""
        for name in _OUR_FILES:
            with contextlib.suppress(FileNotFoundError):
                (self.root / name).unlink()
        if self.parts.exists():
            shutil.rmtree(self.parts)

    def prepare(self) -> None:
        try:
            self.parts.mkdir(parents=True, exist_ok=True)
            stale = list(self.parts.glob(".*.tmp"))  # from a run killed mid-write
            for name in _OUR_FILES:
                stale.extend(self.root.glob(f".{name}.*.tmp"))
            for path in stale:
                path.unlink()
            probe = self.root / f".write-probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise SweepError(
                f"{self.root}: cannot write to the output directory ({exc.strerror or exc})"
            ) from None

    # ---- parts
    def part_paths(self) -> list[Path]:
        return sorted(self.parts.glob("part-*.parquet")) if self.parts.exists() else []

    def write_part(self, task: BatchTask, table: pa.Table) -> Path:
        path = self.parts / f"part-{task.cells[0]:09d}-{uuid.uuid4().hex[:12]}.parquet"
        _write_parquet(path, table)
        return path

    def scan(self, protocols: Sequence[str]) -> tuple[set[int], dict[int, str]]:
        """Cells finished in every protocol, and failed cells (cell -> last error)."""
        ok: dict[int, set[str]] = {}
        failed: dict[int, str] = {}
        for path in self.part_paths():
            try:
                schema = pq.read_schema(path)
                cells = pq.read_table(path, columns=["cell", "protocol"])
            except (OSError, pa.ArrowException):
                path.unlink()  # unreadable part (cannot happen with atomic writes): redo
                continue
            for c, p in zip(
                cells.column("cell").to_pylist(), cells.column("protocol").to_pylist(), strict=True
            ):
                ok.setdefault(c, set()).add(p)
            for f in json.loads((schema.metadata or {}).get(_META_FAILURES, b"[]")):
                failed[int(f["cell"])] = f"{f['protocol'] or 'cell'}: {f['error']}"
        done = {c for c, ps in ok.items() if set(protocols) <= ps}
        return done, {c: e for c, e in failed.items() if c not in done}

    def log(self, event: str, **fields: Any) -> None:
        line = dumps({"time": _now(), "event": event, "pid": os.getpid(), **fields}, indent=None)
        with open(self.root / LOG, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()

    # ---- final tables
    def assemble(self, protocols: Sequence[str]) -> tuple[pa.Table, pa.Table, list[dict]]:
        """Read every part; return (results, binding_time, failures), sorted and de-duplicated."""
        tables = []
        failures: dict[tuple[int, Any], dict[str, Any]] = {}
        for path in self.part_paths():
            t = pq.read_table(path)
            for f in json.loads((t.schema.metadata or {}).get(_META_FAILURES, b"[]")):
                failures[(int(f["cell"]), f["protocol"])] = f
            if t.num_rows:
                tables.append(t.replace_schema_metadata(None))
        if tables:
            table = pa.concat_tables(tables, promote_options="default")
            table = table.sort_by([("cell", "ascending"), ("protocol", "ascending")])
            keys = np.array(table.column("cell").to_numpy(), dtype=np.int64)
            protos = table.column("protocol").to_pylist()
            keep = [
                i
                for i in range(len(keys))
                if i == 0 or keys[i] != keys[i - 1] or protos[i] != protos[i - 1]
            ]
            if len(keep) != table.num_rows:
                table = table.take(pa.array(keep, type=pa.int64()))
        else:
            table = pa.table(
                {"cell": pa.array([], pa.int64()), "protocol": pa.array([], pa.string())}
            )
        done: dict[int, set[str]] = {}
        if table.num_rows:
            for c, p in zip(
                table.column("cell").to_pylist(), table.column("protocol").to_pylist(), strict=True
            ):
                done.setdefault(c, set()).add(p)
        open_failures = [
            f
            for (c, p), f in sorted(failures.items(), key=lambda kv: (kv[0][0], str(kv[0][1])))
            if not (c in done and (p in done[c] if p is not None else set(protocols) <= done[c]))
        ]
        binding = _binding_table(table)
        if "bound_by_round" in table.column_names:
            table = table.drop(["bound_by_round"])
        return table, binding, open_failures

    def write_tables(self, results: pa.Table, binding: pa.Table, failures: list[dict]) -> None:
        _write_parquet(self.root / f"{RESULTS}.parquet", results)
        _write_text(self.root / f"{RESULTS}.csv", _csv(results))
        _write_parquet(self.root / f"{BINDING_TIME}.parquet", binding)
        _write_text(self.root / f"{BINDING_TIME}.csv", _csv(binding))
        if failures:
            _write_text(self.root / FAILED, pd.DataFrame(failures).to_csv(index=False))
        else:
            with contextlib.suppress(FileNotFoundError):
                (self.root / FAILED).unlink()


def _csv(table: pa.Table) -> str:
    return str(table.to_pandas().to_csv(index=False))


def _binding_table(results: pa.Table) -> pa.Table:
    """The long binding-time table (cell, protocol, round, share_bound) from the list column."""
    if "bound_by_round" not in results.column_names or results.num_rows == 0:
        return pa.table(
            {
                "cell": pa.array([], pa.int64()),
                "protocol": pa.array([], pa.string()),
                "round": pa.array([], pa.int64()),
                "share_bound": pa.array([], pa.float64()),
            }
        )
    curves = results.column("bound_by_round").combine_chunks()
    parents = pc.list_parent_indices(curves)
    lengths = np.asarray(pc.list_value_length(curves).fill_null(0).to_numpy(), dtype=np.int64)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    rounds = np.arange(int(lengths.sum()), dtype=np.int64) - starts + 1
    return pa.table(
        {
            "cell": results.column("cell").take(parents),
            "protocol": results.column("protocol").take(parents),
            "round": pa.array(rounds, pa.int64()),
            "share_bound": pc.list_flatten(curves),
        }
    )


def read_results(out_dir: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the finished tables of a sweep: ``(results, binding_time)`` DataFrames."""
    root = Path(out_dir)
    try:
        results = pd.read_parquet(root / f"{RESULTS}.parquet")
        binding = pd.read_parquet(root / f"{BINDING_TIME}.parquet")
    except FileNotFoundError:
        raise SweepError(
            f"{root}: no finished sweep tables ({RESULTS}.parquet); run the sweep (or --resume it)"
        ) from None
    return results, binding


# ---------------------------------------------------------------- run record
def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _git() -> dict[str, Any]:
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit or None, "dirty": bool(status.strip())}


@functools.lru_cache(maxsize=1)
def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in _DEPENDENCIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def run_record(exp: Experiment, git: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """The run record of ``exp`` (written to ``DIR/run.json``); ``git`` defaults to a fresh look-up."""
    from .. import __version__

    return {
        "package": "binding_sim",
        "version": __version__,
        "git": git if git is not None else _git(),
        "fingerprint": exp.fingerprint(),
        "seed": exp.seed,
        "seed_drawn": exp.seed_drawn,
        "experiment": exp.to_dict(),
        "scenario": exp.scenario.to_dict(),
        "platform": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
        },
        "dependencies": dict(_versions()),
        **extra,
    }


# ------------------------------------------------------------------ executors
Done = Callable[[BatchTask, pa.Table], None]


def _run_serial(tasks: Iterable[BatchTask], done: Done) -> None:
    for task in tasks:
        done(task, run_batch(task))


def _ignore_sigint() -> None:
    """Worker initializer: Ctrl-C is handled by the parent, which stops the workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel queued batches and terminate the worker processes (after Ctrl-C or an error)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())  # before shutdown clears it
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.terminate()


def _run_processes(tasks: Iterable[BatchTask], workers: int, done: Done, warn: Callable) -> None:
    """Local processes with a bounded number of batches in flight; dead workers are replaced.

    When a worker process dies (``BrokenProcessPool``), a fresh pool is
    started and the batches that were in flight are rerun one at a time, so
    a second death pins the batch that causes it; a batch whose worker dies
    on each of :data:`MAX_ATTEMPTS` starts is recorded as failed.
    """
    pending = iter(tasks)
    retry: list[BatchTask] = []
    limit = 2 * workers
    while True:
        lost: list[BatchTask] = []
        inflight: dict[Future, BatchTask] = {}
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_ignore_sigint)
        try:
            while True:
                while len(inflight) < limit and not lost:
                    if inflight and (retry or any(t.attempt > 1 for t in inflight.values())):
                        break  # a rerun batch runs alone
                    task = retry.pop(0) if retry else next(pending, None)
                    if task is None:
                        break
                    try:
                        inflight[pool.submit(run_batch, task)] = task
                    except BrokenProcessPool:
                        lost.append(task)
                    if task.attempt > 1:
                        break
                if not inflight:
                    break
                finished, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for fut in finished:
                    task = inflight.pop(fut)
                    try:
                        table = fut.result()
                    except BrokenProcessPool:
                        lost.append(task)
                        continue
                    except Exception as exc:
                        table = _failure_table(task, _error_text(exc))
                    done(task, table)
                if lost:
                    lost.extend(inflight.values())
                    inflight.clear()
                    break
        except BaseException:
            _stop_pool(pool)
            raise
        pool.shutdown(wait=True)
        if not lost:
            return
        again = []
        for task in sorted(lost, key=lambda t: t.cells[0]):
            if task.attempt >= MAX_ATTEMPTS:
                span = (
                    f"{task.cells[0]}-{task.cells[-1]}" if len(task.cells) > 1 else task.cells[0]
                )
                done(
                    task,
                    _failure_table(
                        task,
                        f"worker process died running cells {span} ({task.attempt} attempts)",
                    ),
                )
            else:
                again.append(dataclasses.replace(task, attempt=task.attempt + 1))
        retry[:0] = again
        warn(
            f"a worker process died; restarting the pool and rerunning {len(again)} "
            "unfinished batch(es) one at a time"
        )


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT while child processes are started (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _run_dask(
    make_tasks: Callable[[int], Iterable[BatchTask]],
    scheduler: str,
    workers: int,
    done: Done,
    warn: Callable,
) -> None:
    """A Dask distributed cluster (``"local"``: a LocalCluster of ``workers`` processes)."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise SweepError(f"--scheduler needs dask.distributed: {exc}") from None

    with contextlib.ExitStack() as stack:
        if scheduler == "local":
            # the cluster's processes start with Ctrl-C ignored (an ignored signal is
            # inherited): Ctrl-C reaches this process, which shuts the cluster down
            with _sigint_ignored():
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                        silence_logs=40,
                    )
                )
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(scheduler, timeout="30s"))
            except (OSError, TimeoutError, ValueError) as exc:
                raise SweepError(
                    f"--scheduler {scheduler}: cannot connect to the Dask scheduler ({exc})"
                ) from None
        slots = max(1, sum(client.nthreads().values()))
        pending = iter(make_tasks(slots))  # batch size from the cluster's size
        futures: dict[Any, BatchTask] = {}
        stream = as_completed()
        for task in pending:
            fut = client.submit(run_batch, task, pure=False)
            futures[fut] = task
            stream.add(fut)
            if len(futures) >= 2 * slots:
                break
        for fut in stream:
            task = futures.pop(fut)
            try:
                table = fut.result()
            except Exception as exc:
                warn(f"batch starting at cell {task.cells[0]} was lost: {_error_text(exc)}")
                table = _failure_table(task, f"worker lost: {_error_text(exc)}")
            done(task, table)
            nxt = next(pending, None)
            if nxt is not None:
                f2 = client.submit(run_batch, nxt, pure=False)
                futures[f2] = nxt
                stream.add(f2)


# ------------------------------------------------------------------ front door
def _warn(message: str) -> None:
    print(f"binding-sim: {message}", file=sys.stderr, flush=True)


def _progress(total: int, initial: int, desc: str, quiet: bool) -> Any:
    from tqdm import tqdm

    disable = quiet or not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty())
    return tqdm(
        total=total,
        initial=initial,
        desc=desc,
        unit="cell",
        file=sys.stderr,
        disable=disable,
        dynamic_ncols=True,
        smoothing=0.1,
    )


def run_sweep(
    experiment: Experiment | str | Path,
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    reps: int | None = None,
    seed: int | None = None,
    quiet: bool = True,
    batch_size: int | None = None,
) -> pd.DataFrame:
    """Run every cell x protocol of an experiment and return the results table.

    Parameters
    ----------
    experiment : Experiment or path
        An experiment or the path of its TOML file.
    out : path, optional
        Output directory. ``None``: a temporary directory, removed afterwards
        (nothing is kept on disk; no resume).
    workers : int, optional
        ``1``: serial, in this process; ``N``: ``N`` local processes (or the
        size of a ``scheduler="local"`` cluster). Default ``os.cpu_count()``.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``), or ``"local"`` to
        start a :class:`distributed.LocalCluster`.
    resume : bool
        Keep the finished cells of a previous run of the same experiment in
        ``out`` and run only the others (failed cells are retried).
    force : bool
        Overwrite a non-empty ``out`` holding another experiment's results.
    reps, seed : int, optional
        Override the experiment's replicates and root seed (only when
        ``experiment`` is a path).
    quiet : bool
        No progress bar and no notices on stderr (a drawn root seed is
        still printed).
    batch_size : int, optional
        Cells per task (default :func:`auto_batch_size`); results do not
        depend on it.

    Returns
    -------
    pandas.DataFrame
        One row per cell x protocol, sorted by (cell, protocol): ``cell``,
        ``protocol``, every design parameter (dotted key), ``cell_seed`` (the
        root seed; every cell shares the block streams of docs/model.md section 11),
        then every :meth:`binding_sim.dynamics.outcomes.Outcome.columns` value.
        ``df.attrs["binding_time"]`` holds the long table (cell, protocol,
        round, share_bound); pop it before ``pd.concat`` of several results
        (pandas compares ``attrs`` there, which fails for a DataFrame value).

    Raises
    ------
    ConfigError, SweepError
        Before any work starts, on bad input or an unusable output directory.
    SweepFailed
        After the run, if some cells raised (``exit_status`` 1).
    """
    if isinstance(experiment, Experiment):
        exp = experiment
        if reps is not None or seed is not None:
            exp = Experiment.from_dict(
                exp.raw,
                source=exp.source,
                base_dir=exp.base_dir,
                default_name=exp.name,
                reps=reps if reps is not None else exp.reps,
                seed=seed if seed is not None else exp.seed,
                quick=exp.quick,
            )
    else:
        exp = Experiment.load(experiment, reps=reps, seed=seed)
    if workers is None:
        workers = os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise SweepError(f"--workers = {workers!r}: must be an integer >= 1")
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise SweepError(f"--batch-size = {batch_size!r}: must be an integer >= 1")

    with contextlib.ExitStack() as stack:
        if out is None:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="binding-sim-")))
        else:
            root = Path(out)
        try:
            return _run(
                exp, Store(root), workers, scheduler, resume, force, quiet, batch_size, out is None
            )
        except OSError as exc:
            # disk full, quota, read-only or vanished folder while writing:
            # one line, and the parts already on disk stay valid for --resume
            where = f" ({exc.filename})" if exc.filename else ""
            raise SweepError(
                f"{root}: cannot write the sweep's files: {exc.strerror or exc}{where}; "
                "finished cells are kept: fix the problem and rerun with --resume"
            ) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _run(
    exp: Experiment,
    store: Store,
    workers: int,
    scheduler: str | None,
    resume: bool,
    force: bool,
    quiet: bool,
    batch_size: int | None,
    out_is_temporary: bool = False,
) -> pd.DataFrame:
    if store.root.exists() and not store.root.is_dir():
        raise SweepError(f"{store.root}: the output path exists and is not a directory")
    previous = store.record()
    if (
        resume
        and previous is not None
        and exp.seed_drawn
        and isinstance(previous.get("seed"), int)
    ):
        exp = exp.with_seed(previous["seed"])  # resume with the recorded drawn seed
    fingerprint = exp.fingerprint()
    same = previous is not None and previous.get("fingerprint") == fingerprint
    if not store.is_empty() and not same:
        if not force:
            what = (
                f"results of another experiment ({previous.get('experiment', {}).get('experiment', {}).get('name', '?')})"
                if previous is not None
                else "files that are not a sweep of this experiment"
            )
            raise SweepError(
                f"{store.root}: the output directory holds {what}; "
                "use --force to overwrite or choose another --out"
            )
        store.clear()
    elif same and not resume:
        if not force:
            raise SweepError(
                f"{store.root}: the output directory already holds results of this experiment; "
                "use --resume to continue it or --force to recompute them"
            )
        store.clear()
    store.prepare()
    if (
        exp.seed_drawn
    ):  # printed even when quiet, so that any run can be repeated (docs/model.md section 11)
        where = "" if out_is_temporary else f"; recorded in {store.root / RUN_RECORD}"
        _warn(f"root seed {exp.seed} (drawn{where})")

    done_before, failed_before = store.scan(exp.protocols) if resume else (set(), {})
    todo = [c for c in range(exp.n_cells) if c not in done_before]

    def size_for(slots: int) -> int:
        return batch_size or auto_batch_size(
            len(todo), slots, exp.reps, exp.scenario.horizon, len(exp.protocols)
        )

    size: int | None = size_for(workers) if scheduler is None else batch_size
    mode = (
        f"dask:{scheduler}"
        if scheduler
        else ("serial" if workers == 1 else f"processes:{workers}")
    )
    started = _now()
    git = _git()
    execution: dict[str, Any] = {
        "mode": mode,
        "workers": workers,
        "scheduler": scheduler,
        "batch_size": size,
        "cells": exp.n_cells,
        "cells_reused": len(done_before),
        "cells_retried": len(failed_before),
    }
    _write_text(
        store.root / RUN_RECORD,
        dumps(
            run_record(
                exp,
                git=git,
                status="running",
                start_time=started,
                end_time=None,
                execution=execution,
            )
        ),
    )
    store.log("start", cells=len(todo), reused=len(done_before), mode=mode, batch_size=size)

    bar = _progress(exp.n_cells, len(done_before), exp.name, quiet)
    warn = (lambda msg: None) if quiet else _warn
    t0 = time.perf_counter()

    def finished(task: BatchTask, table: pa.Table) -> None:
        store.write_part(task, table)
        fails = json.loads((table.schema.metadata or {}).get(_META_FAILURES, b"[]"))
        store.log(
            "batch",
            first=task.cells[0],
            last=task.cells[-1],
            cells=len(task.cells),
            failed=sorted({f["cell"] for f in fails}),
        )
        bar.update(len(task.cells))

    def make_tasks(slots: int) -> Iterator[BatchTask]:
        execution["batch_size"] = size_for(slots)
        return batch_tasks(exp, todo, execution["batch_size"])

    try:
        if not todo:
            pass  # everything was finished before: only assemble the tables
        elif scheduler is not None:
            _run_dask(make_tasks, scheduler, workers, finished, warn)
        elif workers == 1:
            _run_serial(make_tasks(1), finished)
        else:
            _run_processes(make_tasks(workers), workers, finished, warn)
    except KeyboardInterrupt:
        bar.close()
        store.log("interrupted")
        _write_text(
            store.root / RUN_RECORD,
            dumps(
                run_record(
                    exp,
                    git=git,
                    status="interrupted",
                    start_time=started,
                    end_time=_now(),
                    execution=execution,
                )
            ),
        )
        raise
    finally:
        bar.close()
    elapsed = time.perf_counter() - t0

    results, binding, failures = store.assemble(exp.protocols)
    store.write_tables(results, binding, failures)
    execution["seconds"] = round(elapsed, 3)
    status = "failed" if failures else "complete"
    _write_text(
        store.root / RUN_RECORD,
        dumps(
            run_record(
                exp,
                git=git,
                status=status,
                start_time=started,
                end_time=_now(),
                execution=execution,
                rows=results.num_rows,
                failed=failures,
            )
        ),
    )
    store.log("end", status=status, rows=results.num_rows, failed=len(failures), seconds=elapsed)
    if failures:
        cells = sorted({f["cell"] for f in failures})
        first = failures[0]
        where = f"cell {first['cell']}" + (f" {first['protocol']}" if first["protocol"] else "")
        raise SweepFailed(
            f"{len(cells)} of {exp.n_cells} cells failed (listed in {store.root / FAILED}); "
            f"first: {where}: {first['error']}; "
            "rerun with --resume to retry them",
            failures,
        )
    df = results.to_pandas()
    df.attrs["binding_time"] = binding.to_pandas()
    return df
