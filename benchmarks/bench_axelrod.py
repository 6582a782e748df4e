"""Benchmark: noisy repeated matches, binding_sim.games.match against the Axelrod library.

Workload (the same for both libraries, in the same run): matches of 200
turns at noise 0.05 on R, S, T, P = 3, 0, 5, 1 (Axelrod's default game),
for TFT vs TFT and GTFT vs WSLS. Reports turns per second for each library
and the ratio (target >= 100, aim 300). Ours is timed on >= 100,000 matches
in one vectorised call (best of ``--repeat``), so start-up does not
dominate; Axelrod plays ``--axelrod-matches`` matches one by one, each with
its own seed, as its tournaments do. The two are timed in alternating rounds
and each keeps its best round; rates are per CPU second of this
single-threaded process (robust to other load on the machine), with the
wall-clock rates alongside.

Before timing, the script checks that both libraries play the same game:
identical noise-free action sequences, and Axelrod's noisy mean score per
turn within a 99.9% interval of our exact 200-turn expectation.

Axelrod is a benchmark-only dependency (``pip install -e '.[bench]'``:
``axelrod==4.13.0``); the test suite never needs it.

Usage::

    .venv/bin/python benchmarks/bench_axelrod.py [--reps 100000] [--axelrod-matches 300] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
import warnings

import numpy as np

from binding_sim.games.match import exact_expected, play

PAYOFFS = (3.0, 0.0, 5.0, 1.0)  # R, S, T, P
TURNS = 200
NOISE = 0.05
PAIRS = (("tft", "tft"), ("gtft", "wsls"))


def _axelrod():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Human strategy not available" on import
        import axelrod as axl
    return axl


def _axelrod_players(axl, a: str, b: str):
    make = {"tft": axl.TitForTat, "gtft": axl.GTFT, "wsls": axl.WinStayLoseShift}
    return make[a](), make[b]()


def check_agreement(axl, matches: int = 400) -> None:
    """Raise AssertionError unless both libraries play the same game."""
    game = axl.Game(r=3, s=0, t=5, p=1)
    for a, b in [("tft", "alternator"), ("wsls", "alld")]:
        cls = {
            "tft": axl.TitForTat,
            "alternator": axl.Alternator,
            "wsls": axl.WinStayLoseShift,
            "alld": axl.Defector,
        }
        m = axl.Match((cls[a](), cls[b]()), turns=20, game=game)
        m.play()
        theirs = (
            "".join(str(x) for x, _ in m.result),
            "".join(str(y) for _, y in m.result),
        )
        ours = play(a, b, PAYOFFS, 20, record=True, seed=0).action_strings()
        assert theirs == ours, (a, b, theirs, ours)
    for a, b in PAIRS:
        scores = []
        for i in range(matches):
            m = axl.Match(
                _axelrod_players(axl, a, b), turns=TURNS, noise=NOISE, game=game, seed=10_000 + i
            )
            m.play()
            scores.append(m.final_score_per_turn())
        x = np.asarray(scores, dtype=float)
        half = 3.2905 * x.std(axis=0, ddof=1) / math.sqrt(matches)
        exact = exact_expected(a, b, PAYOFFS, TURNS, NOISE)
        assert np.all(np.abs(x.mean(axis=0) - exact) <= half), (a, b, x.mean(axis=0), exact)


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(t0: tuple[float, float]) -> tuple[float, float]:
    wall, cpu = _clock()
    return wall - t0[0], cpu - t0[1]


def time_ours(a: str, b: str, reps: int, seed: int) -> tuple[float, float]:
    """(wall, CPU) seconds of one vectorised run of ``reps`` matches."""
    t0 = _clock()
    play(a, b, PAYOFFS, TURNS, noise=NOISE, reps=reps, seed=seed)
    return _since(t0)


def time_axelrod(axl, a: str, b: str, matches: int, first_seed: int) -> tuple[float, float]:
    """(wall, CPU) seconds of ``matches`` Axelrod matches played one by one."""
    game = axl.Game(r=3, s=0, t=5, p=1)
    t0 = _clock()
    for i in range(matches):
        m = axl.Match(
            _axelrod_players(axl, a, b), turns=TURNS, noise=NOISE, game=game, seed=first_seed + i
        )
        m.play()
    return _since(t0)


def measure(axl, a: str, b: str, reps: int, axl_matches: int, rounds: int) -> dict:
    """Alternate ``rounds`` timings of both libraries; keep each one's best rate.

    Both run single-threaded in this process, so CPU time is the primary
    measure (it is robust to other load on the machine); wall time is
    reported too. Axelrod's ``axl_matches`` are split evenly over the rounds.
    """
    play(a, b, PAYOFFS, TURNS, noise=NOISE, reps=1000, seed=1)  # warm-up
    per_round = max(1, axl_matches // rounds)
    ours_wall = ours_cpu = theirs_wall = theirs_cpu = math.inf
    for r in range(rounds):
        w, c = time_ours(a, b, reps, seed=2 + r)
        ours_wall, ours_cpu = min(ours_wall, w), min(ours_cpu, c)
        w, c = time_axelrod(axl, a, b, per_round, first_seed=r * per_round)
        theirs_wall, theirs_cpu = min(theirs_wall, w), min(theirs_cpu, c)
    ours_turns, theirs_turns = reps * TURNS, per_round * TURNS
    return {
        "pair": f"{a} vs {b}",
        "ours_matches": reps,
        "ours_turns_per_cpu_s": ours_turns / ours_cpu,
        "ours_turns_per_wall_s": ours_turns / ours_wall,
        "axelrod_matches": per_round,
        "axelrod_turns_per_cpu_s": theirs_turns / theirs_cpu,
        "axelrod_turns_per_wall_s": theirs_turns / theirs_wall,
        "ratio_cpu": (ours_turns / ours_cpu) / (theirs_turns / theirs_cpu),
        "ratio_wall": (ours_turns / ours_wall) / (theirs_turns / theirs_wall),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=100_000, help="our matches per timing run")
    parser.add_argument(
        "--repeat", type=int, default=3, help="alternating timing rounds (best is kept)"
    )
    parser.add_argument(
        "--axelrod-matches", type=int, default=600, help="Axelrod matches, over all rounds"
    )
    parser.add_argument("--skip-check", action="store_true", help="skip the agreement check")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    try:
        axl = _axelrod()
    except ImportError:
        print("axelrod is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 1
    if not args.skip_check:
        check_agreement(axl)
    rows = [measure(axl, a, b, args.reps, args.axelrod_matches, args.repeat) for a, b in PAIRS]
    meta = {
        "turns": TURNS,
        "noise": NOISE,
        "payoffs_RSTP": PAYOFFS,
        "axelrod": axl.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    if args.json:
        print(json.dumps({"meta": meta, "results": rows}, indent=2))
        return 0
    print(
        f"noisy matches: {TURNS} turns, noise {NOISE}, R,S,T,P = 3,0,5,1; "
        f"axelrod {meta['axelrod']}, numpy {meta['numpy']}, python {meta['python']}"
    )
    head = (
        f"{'pair':<14} {'ours turns/s':>14} {'axelrod turns/s':>16} {'ratio':>7}"
        f" {'(wall: ours, axelrod, ratio)':>34}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['pair']:<14} {r['ours_turns_per_cpu_s']:>14.3g} "
            f"{r['axelrod_turns_per_cpu_s']:>16.3g} {r['ratio_cpu']:>7.0f}"
            f" {r['ours_turns_per_wall_s']:>14.3g} {r['axelrod_turns_per_wall_s']:>11.3g}"
            f" {r['ratio_wall']:>7.0f}"
        )
    print("rates per CPU second (best round); the last three columns are wall-clock")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
