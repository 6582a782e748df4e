"""A sweep with forward-looking decisions: solve versus simulate (run on demand, not in the test suite).

The workload (docs/model.md sections 13.4, 13.5): ``krickovic2016`` with
``decisions.rule = "forward"`` at ``decisions.grid_points = 51``, a grid of
20 initial trusts (0.05 .. 0.62, both actors) x 10 discount factors (0.5 ..
0.95): 200 distinct cells, each solved once per protocol (both protocols
by default), then simulated with ``--reps`` replicates (default 1000) over
the preset's 200 rounds, as the figure experiments do.

Measured, in one run:

1. ``cold``: the whole sweep into a fresh folder (every cell solved, then
   simulated), with ``--workers`` local processes;
2. ``warm``: the parts removed and the sweep resumed: every cell simulated
   again, every solution read from the folder's ``solutions/`` (nothing is
   solved: the disk cache);
3. the solver's own seconds, summed over the stored solutions
   (:attr:`~binding_sim.dynamics.valuegrid.ForwardSolution.seconds`), and the
   solve wall time ``cold - warm``.

Target: the cold sweep under 10 minutes on 2 cores.

A cell whose solve raises (``ForwardSolverError``: value iteration or the
proposal map did not settle) is a failed cell of the sweep, as in any
sweep; the benchmark counts and names them, and the resumed sweep retries
them (so their solve attempts are in both timings).

Usage::

    python benchmarks/bench_forward_sweep.py [--workers 2] [--reps 1000] [--protocols formal piecemeal] [--cycles union|error] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from binding_sim.config.experiment import Experiment
from binding_sim.sweep import SweepFailed, read_results, run_sweep
from binding_sim.sweep.store import SOLUTIONS

TARGET_SECONDS = 600.0
TRUSTS = [round(float(x), 4) for x in np.linspace(0.05, 0.62, 20)]
DISCOUNTS = [round(float(x), 4) for x in np.linspace(0.5, 0.95, 10)]


def experiment(
    folder: Path, reps: int, protocols: list[str], grid_points: int, cycles: str = "union"
) -> Experiment:
    """The benchmark's experiment: 20 x 10 distinct forward-looking cells."""
    raw = {
        "experiment": {
            "name": "bench_forward_sweep",
            "scenario": "krickovic2016",
            "protocols": protocols,
            "reps": reps,
            "seed": 2016,
            "set": {
                "decisions.rule": "forward",
                "decisions.grid_points": grid_points,
                "decisions.cycles": cycles,
            },
        },
        "design": {
            "kind": "grid",
            "grid": {"actors.*.initial_trust": TRUSTS, "scenario.discount_factor": DISCOUNTS},
        },
    }
    return Experiment.from_dict(raw, source=str(folder / "bench_forward_sweep.toml"))


def solver_seconds(folder: Path) -> dict[str, Any]:
    """Sum and spread of the stored solutions' solve seconds and iterations."""
    seconds, iterations = [], []
    for path in sorted((folder / SOLUTIONS).glob("*.npz")):
        with np.load(path, allow_pickle=False) as data:
            meta = np.array(data["meta"], dtype=float)
        iterations.append(int(meta[1]))
        seconds.append(float(meta[4]))
    arr = np.array(seconds) if seconds else np.zeros(1)
    return {
        "solutions": len(seconds),
        "solve_seconds_sum": float(arr.sum()),
        "solve_seconds_median": float(np.median(arr)),
        "solve_seconds_max": float(arr.max()),
        "iterations_median": float(np.median(iterations)) if iterations else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--reps", type=int, default=1000)
    p.add_argument("--grid-points", type=int, default=51)
    p.add_argument("--protocols", nargs="+", default=["formal", "piecemeal"])
    p.add_argument(
        "--cycles",
        choices=["error", "union"],
        default="union",
        help="decisions.cycles (docs/model.md section 13.5): with error, cells whose ladder "
        "proposal map cycles fail",
    )
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-forward-") as tmp:
        folder = Path(tmp)
        exp = experiment(folder, args.reps, args.protocols, args.grid_points, args.cycles)
        out = folder / "out"
        failed: list[dict[str, Any]] = []

        def sweep(**kw: Any) -> Any:
            try:
                return run_sweep(exp, out=out, workers=args.workers, **kw).results
            except SweepFailed as exc:
                failed[:] = exc.failures
                return read_results(out).results

        t = time.perf_counter()
        cold = sweep()
        cold_s = time.perf_counter() - t
        solver = solver_seconds(out)
        shutil.rmtree(out / "parts")
        t = time.perf_counter()
        warm = sweep(resume=True)
        warm_s = time.perf_counter() - t
        assert warm.equals(cold), "a resumed sweep must give the same tables"
        share = cold.groupby("protocol")["share_bound"].mean().to_dict()
        by_protocol: dict[str, int] = {}
        for f in failed:
            by_protocol[str(f["protocol"])] = by_protocol.get(str(f["protocol"]), 0) + 1
        first_error = failed[0]["error"] if failed else None
    result = {
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "load_average_1min": os.getloadavg()[0],
        },
        "cells": exp.n_cells,
        "protocols": args.protocols,
        "reps": args.reps,
        "horizon": exp.scenario.horizon,
        "grid_points": args.grid_points,
        "cycles": args.cycles,
        "workers": args.workers,
        "cold_seconds": cold_s,
        "warm_seconds": warm_s,
        "solve_wall_seconds": cold_s - warm_s,
        **solver,
        "mean_share_bound": share,
        "failed_cells": by_protocol,
        "first_error": first_error,
        "target_met": cold_s <= TARGET_SECONDS,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"machine: {result['machine']}")
    print(
        f"{exp.n_cells} cells x {len(args.protocols)} protocol(s), {args.reps} reps x "
        f"{exp.scenario.horizon} rounds, grid {args.grid_points}, {args.workers} worker(s)"
    )
    print(f"cold sweep (solve + simulate)   {cold_s:8.1f} s   (target <= {TARGET_SECONDS:.0f} s)")
    print(f"warm sweep (simulate, cached)   {warm_s:8.1f} s")
    print(f"solve, wall (cold - warm)       {cold_s - warm_s:8.1f} s")
    print(
        f"solver seconds, summed          {solver['solve_seconds_sum']:8.1f} s over "
        f"{solver['solutions']} solutions (median {solver['solve_seconds_median']:.2f} s, "
        f"max {solver['solve_seconds_max']:.2f} s, median sweeps {solver['iterations_median']:.0f})"
    )
    print(f"mean share bound by protocol    {share}")
    if failed:
        print(f"failed cells by protocol        {by_protocol}; first: {first_error}")
    print(f"target {'met' if result['target_met'] else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
