"""Engine throughput and memory benchmark (run on demand, not in the test suite).

Measures, in one run on the same machine:

1. numpy's raw uniform-draw rate on one core: ``Generator.random(out=buf)``
   over a preallocated 10-million-element float64 buffer (one thread), best
   of 5;
2. the engine's rate on one core, in replicate-rounds per second (``reps x
   horizon`` of the request; early exit is not credited with extra rounds),
   with ONE worker thread (``workers=1``), for the ``krickovic2016``
   piecemeal protocol with incidents (``epsilon = 0.05``) and finite decision
   precision (``actors.*.decision_precision=5``), best of ``--repeat``;
3. the per-core ratio: (2) divided by (1). Both are single-threaded, so the
   ratio compares like with like and does not depend on how many cores the
   machine has; the same ratio of rates per CPU second is printed too (less
   sensitive to other jobs on a shared machine);
3b. the same workload with actor types and Bayesian trust (docs/model.md
   section 12): ``trust.model = "bayesian"``, ``trustworthy_prob = 0.8``,
   ``greed = 3``, and in a second variant also type turnover
   (``recovery_rate = 0.02``) and ``empathy = 0.5``; its rate over the
   linear rate, timed alternately with it in the same run (target >= 0.5).
   Also printed: the rate per replicate-round actually played (rounds after
   binding are skipped, and the models bind at different rates);
3c. the same workload with power that shifts and breakdown (docs/model.md
   section 14): ``power.conversion_rate = 0.25``, ``power.breakdown = true``,
   ``actors.*.war_cost = 10``; its rate over the linear rate, timed
   alternately with it in the same run (target >= 0.7);
4. optionally (``--all-cores``) the engine's rate with its default number of
   threads (every core), for information;
5. peak memory of 1,000,000 replicates x 200 rounds, summary only, in a
   fresh child process (``ru_maxrss``, and ``tracemalloc``'s peak of the
   allocations made by the run).

Targets: >= 8% of numpy's raw draw rate per core, the bayesian model with
types at least half the linear model's rate, power and breakdown at least
70% of it, and <= 1 GiB for the memory run.

The script runs against this checkout or an older one with the flat layout
(``binding_sim.engine``, ``binding_sim.scenario``), so that "before" and
"after" numbers come from the same benchmark code::

    PYTHONPATH=/path/to/old/checkout python benchmarks/bench_engine.py --json

Usage::

    python benchmarks/bench_engine.py [--reps 100000] [--repeat 5] [--all-cores] [--json]

On a machine shared with other sessions, Linux's autogroup scheduler gives a
session one share of the CPUs however many threads it runs; the per-core
ratio is measured with one thread on each side, so it is the least sensitive
number, but measure on a quiet machine and alternate runs when comparing two
versions.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from typing import Any

import numpy as np

try:  # the layered package
    from binding_sim.config.scenario import Scenario
    from binding_sim.dynamics.engine import simulate
except ImportError:  # an older checkout with the flat layout (for "before" numbers)
    from binding_sim.engine import simulate  # type: ignore[no-redef]
    from binding_sim.scenario import Scenario  # type: ignore[no-redef]

TARGET_RATIO = 0.08
TARGET_MEMORY = 1024**3
TARGET_BAYESIAN = 0.5
TARGET_POWER = 0.7
SETTINGS = ["actors.*.decision_precision=5"]
BAYESIAN = {
    "bayesian": [
        *SETTINGS,
        "trust.model=bayesian",
        "actors.*.trustworthy_prob=0.8",
        "actors.*.greed=3",
    ],
    "bayesian_turnover_empathy": [
        *SETTINGS,
        "trust.model=bayesian",
        "actors.*.trustworthy_prob=0.8",
        "actors.*.greed=3",
        "trust.recovery_rate=0.02",
        "actors.*.empathy=0.5",
    ],
}
"""The workloads with actor types (docs/model.md section 12), timed against ``SETTINGS``."""


POWER = {
    "power_shift_breakdown": [
        *SETTINGS,
        "power.conversion_rate=0.25",
        "power.breakdown=true",
        "actors.*.war_cost=10",
    ],
}


def raw_draw_rate(size: int = 10_000_000, repeat: int = 5) -> tuple[float, float]:
    """numpy's raw uniform rate on one core: ``Generator.random(out=buf)``, best of ``repeat``.

    Returns draws per wall-clock second and per CPU second.
    """
    rng = np.random.default_rng(12345)
    buf = np.empty(size)
    best = float("inf")
    best_cpu = float("inf")
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        rng.random(out=buf)
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - c)
    return size / best, size / best_cpu


def engine_rate(reps: int, workers: int | None, repeat: int) -> dict[str, Any]:
    """Best-of-``repeat`` replicate-rounds/s of the benchmark scenario with ``workers`` threads."""
    sc = Scenario.load("krickovic2016", SETTINGS)
    simulate(sc, "piecemeal", 100, seed=0)  # compile / load the kernel cache
    best = float("inf")
    best_cpu = float("inf")
    out = None
    for i in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = simulate(sc, "piecemeal", reps, seed=i, workers=workers)
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - c)
    assert out is not None
    return {
        "reps": reps,
        "horizon": sc.horizon,
        "workers": workers,
        "seconds": best,
        "cpu_seconds": best_cpu,
        "rate": reps * sc.horizon / best,
        "rate_per_cpu_second": reps * sc.horizon / best_cpu,
        "share_bound": out.share_bound,
        "mean_incidents": out.mean_incidents,
    }


def _played(out: Any, reps: int, horizon: int) -> float:
    """Replicate-rounds actually played: every replicate bound in round ``b`` skips ``H - b``."""
    return float(reps * (horizon - float(np.sum(out.bound_by_round[:-1]))))


def model_rates(reps: int, repeat: int) -> dict[str, Any] | None:
    """Linear against the bayesian workloads, one worker, timed alternately (best of ``repeat``).

    ``None`` on a checkout without the bayesian model (a "before" run).
    """
    try:
        scenarios = {
            name: Scenario.load("krickovic2016", sets)
            for name, sets in {"linear": SETTINGS, **BAYESIAN, **POWER}.items()
        }
    except Exception:  # an older checkout rejects the keys
        return None
    for sc in scenarios.values():
        simulate(sc, "piecemeal", 100, seed=0)  # compile / load the kernel cache
    best = dict.fromkeys(scenarios, float("inf"))
    best_cpu = dict.fromkeys(scenarios, float("inf"))
    outs: dict[str, Any] = {}
    for i in range(repeat):
        for name, sc in scenarios.items():
            t, c = time.perf_counter(), time.process_time()
            outs[name] = simulate(sc, "piecemeal", reps, seed=i, workers=1)
            best[name] = min(best[name], time.perf_counter() - t)
            best_cpu[name] = min(best_cpu[name], time.process_time() - c)
    result: dict[str, Any] = {}
    for name, sc in scenarios.items():
        out = outs[name]
        played = _played(out, reps, sc.horizon)
        result[name] = {
            "rate": reps * sc.horizon / best[name],
            "rate_per_cpu_second": reps * sc.horizon / best_cpu[name],
            "played_rate": played / best[name],
            "seconds": best[name],
            "share_bound": out.share_bound,
            "mean_idle": out.mean_idle,
            "share_war": getattr(out, "share_war", 0.0),
        }
    for name in [*BAYESIAN, *POWER]:
        result[name]["ratio_to_linear"] = result[name]["rate"] / result["linear"]["rate"]
        result[name]["ratio_to_linear_cpu"] = (
            result[name]["rate_per_cpu_second"] / result["linear"]["rate_per_cpu_second"]
        )
        result[name]["played_ratio_to_linear"] = (
            result[name]["played_rate"] / result["linear"]["played_rate"]
        )
    return result


def memory_child(reps: int) -> None:
    """Run in a fresh process: 1M x 200 summary only; print peak memory as JSON."""
    import tracemalloc

    sc = Scenario.load("krickovic2016", SETTINGS)
    simulate(sc, "piecemeal", 100, seed=0)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tracemalloc.start()
    t = time.perf_counter()
    simulate(sc, "piecemeal", reps, seed=1, horizon=200)
    seconds = time.perf_counter() - t
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(
        json.dumps(
            {
                "reps": reps,
                "horizon": 200,
                "seconds": seconds,
                "maxrss_bytes": peak,
                "maxrss_before_run_bytes": base,
                "tracemalloc_peak_bytes": traced_peak,
            }
        )
    )


def memory_run(reps: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--memory-child", "--memory-reps", str(reps)]
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return dict(json.loads(res.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--reps", type=int, default=100_000, help="replicates of the rate run")
    p.add_argument("--repeat", type=int, default=5, help="timed runs of the engine (best of)")
    p.add_argument(
        "--all-cores", action="store_true", help="also time the engine with its default threads"
    )
    p.add_argument("--memory-reps", type=int, default=1_000_000)
    p.add_argument("--skip-memory", action="store_true")
    p.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    args = p.parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_reps)
        return 0
    raw, raw_cpu = raw_draw_rate()
    eng = engine_rate(args.reps, 1, args.repeat)
    raw_after, raw_cpu_after = raw_draw_rate()  # bracket the engine run: best of both sides
    raw, raw_cpu = max(raw, raw_after), max(raw_cpu, raw_cpu_after)
    ratio = eng["rate"] / raw
    ratio_cpu = eng["rate_per_cpu_second"] / raw_cpu
    models = model_rates(args.reps, args.repeat)
    every = engine_rate(args.reps, None, args.repeat) if args.all_cores else None
    mem = None if args.skip_memory else memory_run(args.memory_reps)
    result = {
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "load_average_1min": os.getloadavg()[0],
        },
        "numpy_raw_draws_per_s_one_core": raw,
        "numpy_raw_draws_per_cpu_s": raw_cpu,
        "engine_one_worker": eng,
        "ratio_per_core": ratio,
        "ratio_per_core_cpu_time": ratio_cpu,
        "engine_all_cores": every,
        "trust_models_one_worker": models,
        "memory": mem,
        "targets_met": {
            "ratio_8pct_per_core": ratio >= TARGET_RATIO,
            "bayesian_half_of_linear": None
            if models is None
            else all(models[n]["ratio_to_linear"] >= TARGET_BAYESIAN for n in BAYESIAN),
            "power_70pct_of_linear": None
            if models is None or "power_shift_breakdown" not in models
            else models["power_shift_breakdown"]["ratio_to_linear"] >= TARGET_POWER,
            "memory_1GiB": None if mem is None else mem["maxrss_bytes"] <= TARGET_MEMORY,
        },
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"machine: {result['machine']}")
    print(
        f"numpy raw draws, one core  {raw / 1e6:8.1f} M/s "
        "(Generator.random(out=buf), 10M, best of 5 before and 5 after the engine)"
    )
    print(
        f"engine, one worker thread  {eng['rate'] / 1e6:8.1f} M replicate-rounds/s "
        f"(krickovic2016 piecemeal, eps 0.05, beta 5, {eng['reps']} reps x {eng['horizon']} "
        f"rounds, {eng['seconds']:.2f} s, best of {args.repeat})"
    )
    print(f"ratio per core             {100 * ratio:8.1f} %   (target >= 8 %)")
    print(
        f"same per CPU second        {100 * ratio_cpu:8.1f} %   (engine "
        f"{eng['rate_per_cpu_second'] / 1e6:.1f} M/s, raw {raw_cpu / 1e6:.1f} M/s; "
        "less sensitive to other load)"
    )
    if models is not None:
        lin = models["linear"]
        print(
            f"trust models, one thread   linear {lin['rate'] / 1e6:.1f} M/s "
            f"(share bound {lin['share_bound']:.3f}, {lin['played_rate'] / 1e6:.1f} M played "
            "rounds/s; timed alternately with:)"
        )
        for name in BAYESIAN:
            m = models[name]
            print(
                f"  {name:26s} {m['rate'] / 1e6:6.1f} M/s = {m['ratio_to_linear']:.2f} x linear "
                f"(CPU {m['ratio_to_linear_cpu']:.2f}; played rounds "
                f"{m['played_ratio_to_linear']:.2f}; share bound {m['share_bound']:.3f}; "
                f"target >= {TARGET_BAYESIAN})"
            )
        for name in POWER:
            m = models[name]
            print(
                f"  {name:26s} {m['rate'] / 1e6:6.1f} M/s = {m['ratio_to_linear']:.2f} x linear "
                f"(CPU {m['ratio_to_linear_cpu']:.2f}; played rounds "
                f"{m['played_ratio_to_linear']:.2f}; share bound {m['share_bound']:.3f}; "
                f"share at war {m.get('share_war', 0.0):.3f}; target >= {TARGET_POWER})"
            )
    if every is not None:
        print(
            f"engine, default threads    {every['rate'] / 1e6:8.1f} M replicate-rounds/s "
            f"({every['seconds']:.2f} s wall, {every['cpu_seconds']:.2f} CPU s)"
        )
    if mem is not None:
        print(
            f"memory {mem['reps']} x 200 summary only: peak RSS {mem['maxrss_bytes'] / 2**20:.0f} MiB"
            f" (tracemalloc peak {mem['tracemalloc_peak_bytes'] / 2**20:.0f} MiB, "
            f"{mem['seconds']:.1f} s)"
        )
    for name, ok in result["targets_met"].items():
        print(f"target {name:20s} {'met' if ok else 'NOT met' if ok is not None else 'skipped'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
