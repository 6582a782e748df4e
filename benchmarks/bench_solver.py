"""Forward-solver benchmark (docs/model.md section 13.5; run on demand, not in the test suite).

For ``krickovic2016`` at ``delta = 0.9`` (section 13.9's setting: ``k = 1``,
``lambda = 0.1``, ``mu = 0.5``, ``epsilon = 0.05``) under the formal and the
piecemeal protocol, with linear trust and with Bayesian trust and types
(``trustworthy_prob = 0.8``, ``greed = 1``, turnover ``phi = 0.02``), at
``n_grid`` = 51 and 201, measures:

- matrices: seconds to fill one actor's sparse transition matrices at the
  myopic proposal map, and their nonzeros;
- the whole solve (both actors, every proposal-map round): sweeps, rounds,
  seconds;
- peak memory of the solve (``tracemalloc``: numpy and scipy allocations).

The compiled loops are warmed up (compiled or loaded from numba's cache)
before timing.

Usage::

    python benchmarks/bench_solver.py [--grid 51 201] [--json]
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc

from binding_sim.config.scenario import Scenario
from binding_sim.dynamics import forward

BASE = [
    "decisions.rule=forward",
    "scenario.discount_factor=0.9",
    "actors.*.relative_gains=1",
    "trust.building_rate=0.1",
    "trust.erosion_rate=0.5",
    "actors.*.incident_rate=0.05",
]
MODELS = {
    "linear": ["trust.model=linear", "trust.recovery_rate=0"],
    "bayesian": [
        "trust.model=bayesian",
        "trust.recovery_rate=0.02",
        "actors.*.trustworthy_prob=0.8",
        "actors.*.greed=1",
    ],
}


def measure(protocol: str, model: str, n: int) -> dict[str, object]:
    sc = Scenario.load("krickovic2016", [*BASE, *MODELS[model], f"decisions.grid_points={n}"])
    tab = forward._tables(sc, protocol)
    tabled = forward._myopic_map(tab, n)
    t = time.perf_counter()
    problem = forward._build(tab, tabled, 0, sc.discount_factor)
    matrices = time.perf_counter() - t
    forward.clear_cache()
    tracemalloc.start()
    t = time.perf_counter()
    try:
        sol = forward.solve(sc, protocol)
    except forward.ForwardSolverError as err:
        # a cycle of the proposal map is reported, not hidden
        tracemalloc.stop()
        return {"protocol": protocol, "model": model, "n_grid": n, "error": str(err)}
    seconds = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    forward.clear_cache()
    return {
        "protocol": protocol,
        "model": model,
        "n_grid": n,
        "states": int(tabled.shape[0]),
        "matrices_seconds": round(matrices, 3),
        "nonzeros": problem.nonzeros,
        "sweeps": sol.iterations,
        "outer_rounds": sol.outer_rounds,
        "solve_seconds": round(seconds, 2),
        "peak_mib": round(peak / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, nargs="+", default=[51, 201])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    measure("formal", "linear", 11)  # warm up the compiled loops
    rows = [measure(p, m, n) for n in args.grid for p in ("formal", "piecemeal") for m in MODELS]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    head = (
        f"{'protocol':<10} {'model':<9} {'N':>4} {'S':>2} {'matrices s':>10} {'nonzeros':>9} "
        f"{'sweeps':>7} {'rounds':>6} {'solve s':>8} {'peak MiB':>9}"
    )
    print(head)
    for r in rows:
        if "error" in r:
            print(f"{r['protocol']:<10} {r['model']:<9} {r['n_grid']:>4}  error: {r['error']}")
            continue
        print(
            f"{r['protocol']:<10} {r['model']:<9} {r['n_grid']:>4} {r['states']:>2} "
            f"{r['matrices_seconds']:>10} {r['nonzeros']:>9} {r['sweeps']:>7} "
            f"{r['outer_rounds']:>6} {r['solve_seconds']:>8} {r['peak_mib']:>9}"
        )


if __name__ == "__main__":
    main()
