"""The front door: :func:`run_sweep` runs every cell x protocol of an experiment.

Order of a run (each step before the next, so a refusal changes nothing):

1. load and validate the experiment (every cell, before any work);
2. take the output folder's lock (:mod:`binding_sim.sweep.lock`): one writer
   at a time;
3. compare with what the folder holds (the run record's fingerprint):
   resume, refuse or, with ``force``, clear;
4. decide the cells to run, the workers (at most one per cell) and the batch
   size, and check that the memory they need is there
   (:mod:`binding_sim.sweep.memory`);
5. write the ``running`` record, run the batches on the chosen executor
   (:mod:`binding_sim.sweep.executors`), storing each part as it finishes
   (:mod:`binding_sim.sweep.store`);
6. assemble the final tables from the parts and commit them with the
   finished record; return a :class:`~binding_sim.sweep.result.SweepResult`.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..config.experiment import Experiment
from ..config.schema import EXPERIMENT_KEYS
from ..dynamics.protocols import compile_program
from ..dynamics.tables import values_bytes
from ..serialize import to_jsonable
from .batching import BatchTask, auto_batch_size, batch_tasks, part_failures
from .errors import SweepError, SweepFailed
from .executors import probe_scheduler, run_dask, run_processes, run_serial
from .lock import OutputLock, describe
from .memory import batch_bytes, check_memory, tables_bytes
from .record import GitProbe, now, run_record
from .result import SweepResult
from .store import FAILED, RUN_RECORD, SOLUTIONS, Store

__all__ = ["MAX_WORKERS", "check_workers", "load_experiment", "resume_command", "run_sweep"]

MAX_WORKERS = 1024
"""Most local worker processes a sweep starts (``--workers``)."""


def warn(message: str) -> None:
    """Print a notice on stderr, prefixed like every message of the command line."""
    print(f"binding-sim: {message}", file=sys.stderr, flush=True)


def check_workers(workers: Any, option: str = "--workers") -> int:
    """``workers`` as an int in ``[1, MAX_WORKERS]`` (``None``: the number of cores)."""
    if workers is None:
        return os.cpu_count() or 1
    if (
        isinstance(workers, bool)
        or not isinstance(workers, int)
        or not 1 <= workers <= MAX_WORKERS
    ):
        raise SweepError(
            f"{option} = {workers!r}: must be an integer in [1, {MAX_WORKERS}] "
            "(the local worker processes)"
        )
    return workers


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


def resume_command(exp: Experiment, root: Path) -> str | None:
    """The command line that resumes ``exp`` into ``root`` (``None`` if it has no file)."""
    if exp.quick or not Path(exp.source).is_file():
        return None
    head = exp.raw.get("experiment", {}) if isinstance(exp.raw, dict) else {}
    head = head if isinstance(head, dict) else {}
    args = ["binding-sim", "sweep", exp.source, "--out", str(root), "--resume"]
    if exp.reps != head.get("reps", EXPERIMENT_KEYS["experiment.reps"].default):
        args += ["--reps", str(exp.reps)]
    if not exp.seed_drawn and head.get("seed") != exp.seed:
        args += ["--seed", str(exp.seed)]
    return shlex.join(args)


def load_experiment(
    experiment: Experiment | str | Path, reps: int | None, seed: int | None
) -> Experiment:
    """``experiment`` (loaded from its file if a path) with ``reps`` and ``seed`` overridden where given."""
    if isinstance(experiment, Experiment):
        if reps is None and seed is None:
            return experiment
        return Experiment.from_dict(
            experiment.raw,
            source=experiment.source,
            base_dir=experiment.base_dir,
            default_name=experiment.name,
            reps=reps if reps is not None else experiment.reps,
            seed=seed if seed is not None else experiment.seed,
            quick=experiment.quick,
        )
    return Experiment.load(experiment, reps=reps, seed=seed)


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
    resume_hint: str | None = None,
) -> SweepResult:
    """Run every cell x protocol of an experiment; return both tables and the run record.

    Parameters
    ----------
    experiment : Experiment or path
        An experiment or the path of its TOML file.
    out : path, optional
        Output folder. ``None``: a temporary folder, removed afterwards
        (nothing is kept on disk; no resume).
    workers : int, optional
        ``1``: serial, in this process; ``N``: ``N`` local processes (or the
        size of a ``scheduler="local"`` cluster), at most one per cell to run
        and at most :data:`MAX_WORKERS`. Default ``os.cpu_count()``.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``), or ``"local"`` to
        start a :class:`distributed.LocalCluster`.
    resume : bool
        Keep the finished cells of a previous run of the same experiment in
        ``out`` and run only the others (failed cells are retried).
    force : bool
        Overwrite a non-empty ``out`` holding another experiment's results.
    reps, seed : int, optional
        Override the experiment's replicates and root seed.
    quiet : bool
        No progress bar and no notices on stderr (a drawn root seed and the
        resume command after Ctrl-C are still printed).
    batch_size : int, optional
        Cells per task (default :func:`~binding_sim.sweep.batching.auto_batch_size`);
        results do not depend on it.
    resume_hint : str, optional
        The command printed after Ctrl-C to resume the run (default: the
        ``binding-sim sweep ... --resume`` line of :func:`resume_command`);
        a caller that builds the experiment itself (a sensitivity analysis)
        gives its own.

    Returns
    -------
    SweepResult
        ``results`` (one row per cell x protocol, sorted by cell and
        protocol), ``binding_time`` (cell, protocol, round, share_bound),
        ``out`` (the folder, ``None`` for a temporary one) and ``record``
        (the run record of ``run.json``).

    Raises
    ------
    ConfigError, SweepError, MemoryLimitError
        Before any work starts: bad input, an unusable or busy output
        folder, a sweep the machine's memory cannot hold.
    SweepFailed
        After the run, if some cells raised (``exit_status`` 1).
    KeyboardInterrupt
        On Ctrl-C, after marking the run ``interrupted`` and printing how
        many cells were saved and the command that resumes.
    """
    exp = load_experiment(experiment, reps, seed)
    n_workers = check_workers(workers)
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
    ):
        raise SweepError(f"--batch-size = {batch_size!r}: must be an integer >= 1")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise SweepError(f"--scheduler = {scheduler!r}: give tcp://HOST:PORT or 'local'")
    if scheduler is not None and scheduler != "local":
        probe_scheduler(scheduler)  # before the output folder is touched

    with contextlib.ExitStack() as stack:
        temporary = out is None
        if temporary:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="binding-sim-")))
        else:
            root = Path(out)  # type: ignore[arg-type]
        try:
            return _Run(
                exp, Store(root), n_workers, scheduler, quiet, batch_size, temporary, resume_hint
            ).run(resume, force)
        except OSError as exc:
            # disk full, quota, read-only or vanished folder while writing:
            # one line, and the parts already on disk stay valid for --resume
            where = f" ({exc.filename})" if exc.filename else ""
            raise SweepError(
                f"{root}: cannot write the sweep's files: {exc.strerror or exc}{where}; "
                "finished cells are kept: fix the problem and rerun with --resume"
            ) from None
    raise AssertionError("unreachable")  # pragma: no cover


class _Run:
    """One run of :func:`run_sweep` (see the module docstring for its steps)."""

    def __init__(
        self,
        exp: Experiment,
        store: Store,
        workers: int,
        scheduler: str | None,
        quiet: bool,
        batch_size: int | None,
        temporary: bool,
        resume_hint: str | None = None,
    ) -> None:
        self.exp = exp
        self.resume_hint = resume_hint
        self.store = store
        self.workers = workers
        self.scheduler = scheduler
        self.quiet = quiet
        self.batch_size = batch_size
        self.temporary = temporary
        self.notice = (lambda msg: None) if quiet else warn

    def run(self, resume: bool, force: bool) -> SweepResult:
        store = self.store
        if store.root.exists() and not store.root.is_dir():
            raise SweepError(f"{store.root}: the output path exists and is not a directory")
        lock = OutputLock(store.root)
        if not self.temporary:
            lock.acquire()
        try:
            if lock.stale is not None:
                self.notice(
                    f"{store.root}: taking over the lock of a sweep that is no longer running "
                    f"({describe(lock.stale)})"
                )
            return self._locked(resume, force)
        finally:
            lock.release()

    def _locked(self, resume: bool, force: bool) -> SweepResult:
        git_probe = GitProbe()  # git runs while the folder is checked
        try:
            return self._checked(resume, force, git_probe)
        finally:
            git_probe.close()  # a refused run never asked for the result: reap git

    def _checked(self, resume: bool, force: bool, git_probe: GitProbe) -> SweepResult:
        store, exp = self.store, self.exp
        previous = store.record()
        if (
            resume
            and previous is not None
            and exp.seed_drawn
            and isinstance(previous.get("seed"), int)
        ):
            exp = self.exp = exp.with_seed(previous["seed"])  # the recorded drawn seed
        fingerprint = exp.fingerprint()
        same = previous is not None and previous.get("fingerprint") == fingerprint
        clear = False
        if not store.is_empty() and not same:
            if not force:
                what = (
                    "results of another experiment "
                    f"({previous.get('experiment', {}).get('experiment', {}).get('name', '?')})"
                    if previous is not None
                    else "files that are not a sweep of this experiment"
                )
                raise SweepError(
                    f"{store.root}: the output directory holds {what}; "
                    "use --force to overwrite or choose another --out"
                )
            clear = True
        elif same and not resume:
            if not force:
                raise SweepError(
                    f"{store.root}: the output directory already holds results of this "
                    "experiment; use --resume to continue it or --force to recompute them"
                )
            clear = True

        done_before, failed_before = (
            store.scan(exp.protocols) if resume and not clear else (set(), {})
        )
        todo = [c for c in range(exp.n_cells) if c not in done_before]
        workers = self._workers(len(todo))
        size = self._size(len(todo), workers) if self.scheduler is None else self.batch_size
        self._check_memory(len(todo), workers, size)

        if clear:
            store.clear()
        store.prepare()
        store.retract()  # final tables appear again only with a finished record
        if exp.seed_drawn:  # printed even when quiet, so that any run can be repeated
            where = "" if self.temporary else f"; recorded in {store.root / RUN_RECORD}"
            warn(f"root seed {exp.seed} (drawn{where})")

        mode = (
            f"dask:{self.scheduler}"
            if self.scheduler
            else ("serial" if workers == 1 else f"processes:{workers}")
        )
        started = now()
        git = git_probe.result()
        execution: dict[str, Any] = {
            "mode": mode,
            "workers": workers,
            "scheduler": self.scheduler,
            "batch_size": size,
            "cells": exp.n_cells,
            "cells_reused": len(done_before),
            "cells_retried": len(failed_before),
        }

        def record(**fields: Any) -> dict[str, Any]:
            return run_record(
                exp,
                git=git,
                fingerprint=fingerprint,
                start_time=started,
                execution=execution,
                **fields,
            )

        store.write_record(record(status="running", end_time=None), sync=False)
        store.log("start", cells=len(todo), reused=len(done_before), mode=mode, batch_size=size)

        bar = _progress(exp.n_cells, len(done_before), exp.name, self.quiet)
        t0 = time.perf_counter()

        written: dict[str, pa.Table] = {}  # parts of this run, kept for the assembly

        def finished(task: BatchTask, table: pa.Table) -> None:
            written[store.write_part(task, table).name] = table
            store.log(
                "batch",
                first=task.cells[0],
                last=task.cells[-1],
                cells=len(task.cells),
                failed=sorted({f["cell"] for f in part_failures(table)}),
            )
            bar.update(len(task.cells))

        cell_bytes = self._cell_bytes()
        cache_dir = str(store.root / SOLUTIONS) if cell_bytes else None
        if cell_bytes and todo:
            self.notice(
                "forward-looking decisions: each distinct cell's decision problem is solved "
                f"once before it is simulated (solutions kept in {store.root / SOLUTIONS})"
                if not self.temporary
                else "forward-looking decisions: each distinct cell's decision problem is "
                "solved once before it is simulated"
            )

        def make_tasks(slots: int) -> Any:
            execution["batch_size"] = self.batch_size or auto_batch_size(
                len(todo), slots, exp.reps, exp.scenario.horizon, len(exp.protocols), cell_bytes
            )
            return batch_tasks(exp, todo, execution["batch_size"], cache_dir)

        try:
            if not todo:
                pass  # everything was finished before: only assemble the tables
            elif self.scheduler is not None:
                run_dask(make_tasks, self.scheduler, workers, finished, self.notice, self.quiet)
            elif workers == 1:
                run_serial(make_tasks(1), finished)
            else:
                run_processes(make_tasks(workers), workers, finished, self.notice)
        except KeyboardInterrupt:
            bar.close()
            store.log("interrupted")
            store.write_record(record(status="interrupted", end_time=now()))
            self._interrupted()
            raise
        finally:
            bar.close()
        elapsed = time.perf_counter() - t0

        results, binding, failures = store.assemble(exp.protocols, written)
        execution["seconds"] = round(elapsed, 3)
        status = "failed" if failures else "complete"
        final = record(status=status, end_time=now(), rows=results.num_rows, failed=failures)
        store.commit(results, binding, failures, final)
        store.log(
            "end", status=status, rows=results.num_rows, failed=len(failures), seconds=elapsed
        )
        if failures:
            cells = sorted({f["cell"] for f in failures})
            first = failures[0]
            where = f"cell {first['cell']}" + (
                f" {first['protocol']}" if first["protocol"] else ""
            )
            raise SweepFailed(
                f"{len(cells)} of {exp.n_cells} cells failed (listed in {store.root / FAILED}); "
                f"first: {where}: {first['error']}; "
                "rerun with --resume to retry them",
                failures,
            )
        return SweepResult(
            results=results.to_pandas(),
            binding_time=binding.to_pandas(),
            out=None if self.temporary else store.root,
            record=to_jsonable(final),
        )

    # ------------------------------------------------------------------ helpers
    def _workers(self, n_todo: int) -> int:
        """Workers to start: at most one per cell to run; notices when capped or oversubscribed."""
        workers = self.workers
        if self.scheduler is not None and self.scheduler != "local":
            return workers  # the cluster's own workers run the batches
        if n_todo and workers > n_todo:
            self.notice(f"--workers {workers} capped at {n_todo}, the number of cells to run")
            workers = n_todo
        cores = os.cpu_count() or 1
        if workers > cores:
            self.notice(
                f"--workers {workers} is more than the {cores} cores of this machine; "
                "the workers will share them (results do not change)"
            )
        return workers

    def _size(self, n_todo: int, workers: int) -> int:
        exp = self.exp
        return self.batch_size or auto_batch_size(
            n_todo, workers, exp.reps, exp.scenario.horizon, len(exp.protocols), self._cell_bytes()
        )

    def _cell_bytes(self) -> int:
        """Bytes of one forward-looking cell's solution; 0 when no cell can be forward-looking.

        docs/model.md section 13.5: ``2 x 2`` value functions (actors, types)
        per protocol state on ``grid_points^2`` nodes, at the largest grid and
        state count of the base scenario under the experiment's protocols.
        """
        exp = self.exp
        base, design = exp.scenario, exp.design
        rules = {base.decisions.rule} | {
            p["decisions.rule"] for p in design.points if "decisions.rule" in p
        }
        if "forward" not in rules:
            return 0
        grids = [base.decisions.grid_points] + [
            int(p["decisions.grid_points"]) for p in design.points if "decisions.grid_points" in p
        ]
        states = max(len(compile_program(base, p).states) for p in exp.protocols)
        return values_bytes(1, states, max(grids))

    def _horizon(self) -> int:
        """The longest horizon of any cell (a design may vary ``scenario.horizon``)."""
        exp = self.exp
        longest = exp.scenario.horizon
        if "scenario.horizon" in exp.design.params:
            longest = max(
                [
                    longest,
                    *(
                        int(p["scenario.horizon"])
                        for p in exp.design.points
                        if "scenario.horizon" in p
                    ),
                ]
            )
        return longest

    def _check_memory(self, n_todo: int, workers: int, size: int | None) -> None:
        """Refuse, before anything is allocated, a sweep the machine cannot hold (one line)."""
        exp = self.exp
        horizon = self._horizon()
        protocols = len(exp.protocols)
        if n_todo and (self.scheduler is None or self.scheduler == "local"):
            batch = min(size or n_todo, n_todo)
            running = 1 if self.scheduler is None and workers == 1 else workers
            check_memory(
                f"running batches of {batch} cells x {exp.reps} replicates x {horizon} rounds "
                f"on {running} worker(s)",
                running * batch_bytes(batch, exp.reps, horizon, protocols, self._cell_bytes()),
                "give a smaller --batch-size or fewer --workers",
            )
        check_memory(
            f"assembling the tables of {exp.n_cells} cells x {protocols} protocol(s) x {horizon} rounds",
            tables_bytes(exp.n_cells, protocols, horizon),
            "split the design into several experiments with fewer cells each "
            "(or shorten the horizon), one --out folder each",
        )

    def _interrupted(self) -> None:
        """Say (even when quiet) how many cells are saved and how to resume."""
        exp, store = self.exp, self.store
        if self.temporary:
            warn("interrupted: nothing kept (no output folder)")
            return
        saved = len(store.scan(exp.protocols)[0])
        command = self.resume_hint or resume_command(exp, store.root)
        how = (
            command
            if command is not None
            else f"run_sweep(..., out={str(store.root)!r}, resume=True)"
        )
        warn(
            f"interrupted: {saved} of {exp.n_cells} cells saved in {store.root}; resume with: {how}"
        )
