"""``binding-sim strategies``: round-robin tournament and evolution of classic strategies.

::

    binding-sim strategies SCENARIO --arrangement NAME [--trust T] [--relative-gains K ...]
                           [--players NAME ...] [--turns N] [--noise E] [--reps N] [--seed S]
                           [--population N [--selection W]] [--json]

For each relative-gains sensitivity ``K`` (both actors; default the
scenario's own values) prints the round-robin matrix (mean score per turn of
row against column on the arrangement's relative-gains stage game, exact),
the ranking, the replicator-dynamics outcome from a uniform population and,
with ``--population``, the Moran fixation probabilities of single mutants.
See :mod:`binding_sim.games.tournament` and :mod:`binding_sim.games.evolution`.
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import BindingSimError, ConfigError
from ..games.evolution import FITNESS_MAPPINGS
from ..games.match import CHUNK_TURNS
from ..games.strategies import NAMES
from ..limits import check_memory
from ..model.stage_game import classify
from ..rng import BLOCK_SIZE, draw_root_seed
from ._common import (
    RELATIVE_GAINS_BOUND,
    check_finite_results,
    float_arg,
    int_arg,
    load_scenario,
    print_json,
)

if TYPE_CHECKING:
    from ..games.evolution import ReplicatorOutcome
    from ..games.tournament import TournamentResult

ORDER = 62

DEFAULT_TURNS = 200
DEFAULT_REPS = 1000

MAX_RELATIVE_GAINS = RELATIVE_GAINS_BOUND
"""Largest ``--relative-gains`` value (the bound of ``actors.*.relative_gains`` in scenario files)."""
MAX_SELECTION = 1000.0
"""Largest ``--selection`` with the exponential fitness map (the linear map needs ``w <= 1``)."""
MAX_EXPONENT = 700.0
"""Largest ``w x |payoff|`` with the exponential fitness map: ``exp`` overflows near 709.8."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "strategies",
        help="round-robin tournament of classic strategies and its evolution (replicator, Moran)",
        description=(
            "Round robin of memory-one strategies on a scenario arrangement's relative-gains "
            "stage game at fixed trust: the matrix of mean score per turn (exact, with a "
            "simulated check and 95% intervals), the ranking, the long-run shares under the "
            "replicator dynamics and, with --population, Moran fixation probabilities. "
            "Several --relative-gains values print one block each."
        ),
    )
    p.add_argument(
        "scenario", metavar="SCENARIO", help="preset name or path to a scenario TOML file"
    )
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scenario key, e.g. trust.building_rate=0.2",
    )
    p.add_argument(
        "--arrangement", metavar="NAME", required=True, help="arrangement of SCENARIO to play"
    )
    p.add_argument(
        "--trust",
        metavar="T",
        help="trust of both actors (T) or of each (TA,TB); default: each actor's initial trust",
    )
    p.add_argument(
        "--relative-gains",
        dest="relative_gains",
        type=float,
        nargs="+",
        metavar="K",
        default=None,
        help="relative-gains sensitivity k of both actors, each in [0, 1e6]; several values print "
        "one block each (default: the scenario's own)",
    )
    p.add_argument(
        "--players",
        nargs="+",
        metavar="NAME",
        default=list(NAMES),
        help=f"strategies, case-insensitive (default all): {', '.join(NAMES)}",
    )
    p.add_argument(
        "--turns", type=int_arg(1), default=DEFAULT_TURNS, help="rounds per match, >= 1 (200)"
    )
    p.add_argument(
        "--noise",
        type=float_arg(0.0, 1.0),
        default=0.0,
        help="probability an intended action flips, in [0, 1] (0)",
    )
    p.add_argument(
        "--reps",
        type=int_arg(0),
        default=DEFAULT_REPS,
        help="simulated matches per ordered pair for the check, >= 0 (1000; 0 = exact only)",
    )
    p.add_argument(
        "--seed", type=int_arg(0), default=None, help="root seed >= 0 (default: drawn and printed)"
    )
    p.add_argument(
        "--population",
        type=int_arg(2),
        default=None,
        metavar="N",
        help="also print Moran fixation probabilities of one mutant among N >= 2 residents",
    )
    p.add_argument(
        "--selection",
        type=float_arg(0.0, MAX_SELECTION),
        default=0.1,
        metavar="W",
        help=f"Moran selection intensity w (0.1): in [0, {MAX_SELECTION:g}] with the exponential "
        "fitness map, in [0, 1] with the linear one; with the exponential map w x (largest "
        f"|payoff| of the round-robin matrix) must not exceed {MAX_EXPONENT:g}, or exp(w*payoff) "
        "would overflow",
    )
    p.add_argument(
        "--fitness",
        choices=FITNESS_MAPPINGS,
        default="exponential",
        help="Moran payoff-to-fitness map: exp(w*payoff) or 1-w+w*payoff (exponential)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=run)


def _trust(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        values = [float(x) for x in text.split(",")]
    except ValueError:
        values = []
    if len(values) not in (1, 2) or not all(math.isfinite(v) and 0 <= v <= 1 for v in values):
        raise ConfigError("command line", "--trust", text, "one trust level in [0, 1], or TA,TB")
    return values


def _table(names: tuple[str, ...], matrix: np.ndarray, fmt: str = "{:9.4f}") -> list[str]:
    width = max(9, *(len(n) for n in names))
    cell = len(fmt.format(0.0))
    lines = [" " * width + " " + " ".join(f"{n:>{max(cell, len(n))}}" for n in names)]
    for n, row in zip(names, matrix, strict=True):
        lines.append(
            f"{n:<{width}} "
            + " ".join(
                f"{fmt.format(v):>{max(cell, len(m))}}" for m, v in zip(names, row, strict=True)
            )
        )
    return lines


def _block(
    res: TournamentResult,
    args: argparse.Namespace,
    moran: np.ndarray | None,
    rep: ReplicatorOutcome,
) -> str:
    from ..games.tournament import RECIPROCATORS, reciprocating_share

    ctx = res.context
    actors = list(ctx["relative_gains"])
    ks = ", ".join(f"{ctx['relative_gains'][a]:g}" for a in actors)
    taus = ", ".join(f"{ctx['trust'][a]:g}" for a in actors)
    k_text = (
        ks
        if len(set(ctx["relative_gains"].values())) > 1
        else f"{ctx['relative_gains'][actors[0]]:g}"
    )
    lines = [
        f"{ctx['scenario']} / {ctx['arrangement']}: k = {k_text} ({', '.join(actors)}), "
        f"trust {taus}; {res.turns} turns, noise {res.noise:g}",
    ]
    for i, actor in enumerate(actors):
        rstp = res.game.payoffs(i)
        lines.append(
            f"  stage game of {actor} (relative gains): R, S, T, P = "
            + ", ".join(f"{v:.4g}" for v in rstp)
            + f" ({classify(*rstp)})"
        )
    lines += ["", "Mean score per turn, row against column (exact, 4-state chain):"]
    lines += ["  " + s for s in _table(res.players, res.scores)]
    if res.simulated is not None and res.simulated_ci is not None:
        gap = np.abs(res.simulated - res.scores)
        if res.reps > 1:
            half = (res.simulated_ci[..., 1] - res.simulated_ci[..., 0]) / 2
            spread = f"widest 95% half-interval = {float(half.max()):.4g}"
        else:  # one match per pair: no spread to estimate
            spread = "no interval from a single match per pair"
        lines.append(
            f"  simulated check ({res.reps} matches per pair, seed {res.seed}): "
            f"max |simulated - exact| = {gap.max():.4g}, {spread}"
        )
    lines += ["", "Ranking (mean score per turn against every strategy, own twin included):"]
    means = dict(zip(res.players, res.mean_scores, strict=True))
    for r, name in enumerate(res.ranking, 1):
        lines.append(f"  {r:>2}. {name:<11} {means[name]:9.4f}")
    lines += ["", "Replicator dynamics from a uniform population, long-run shares:"]
    shares = dict(zip(res.players, rep.shares, strict=True))
    for name in sorted(res.players, key=lambda n: -shares[n]):
        if shares[name] >= 5e-4:
            lines.append(f"  {name:<11} {shares[name]:7.3f}")
    lines.append(
        f"  reciprocating share ({', '.join(RECIPROCATORS)}): "
        f"{reciprocating_share(res.players, rep.shares):.3f}"
        + ("" if rep.converged else "  (not converged: slow drift among near-neutral strategies)")
    )
    if moran is not None:
        N = args.population
        lines += [
            "",
            f"Moran fixation probability of one row mutant among column residents "
            f"(N = {N}, w = {args.selection:g}, {args.fitness} fitness; neutral 1/N = {1 / N:.4g}):",
        ]
        lines += ["  " + s for s in _table(res.players, moran, "{:9.3g}")]
    for note in res.notes:
        lines.append(f"  note: {note}")
    return "\n".join(lines)


# Bytes ``strategies`` allocates, by what they scale with (measured; see memory_needed).
_BYTES_PER_PAIR_REP = 16  # both seats' simulated score per replicate, kept for every pair
_BYTES_PER_REP = 128  # one match's scores and their temporaries
_BYTES_PER_REP_IN_BLOCK = 640  # a block's chunk of rounds and comparisons
_BYTES_PER_BLOCK = 256  # block list entry
_BYTES_FIXED = 1024**2  # strategies, game, results: independent of sizes
_BYTES_PER_MEMBER = 128  # Moran fitness arrays and their logarithms, per population member


def memory_needed(players: int, turns: int, reps: int, population: int | None) -> int:
    """Upper estimate of the bytes one block of ``strategies`` allocates.

    Every ordered pair of ``players`` keeps its ``reps`` simulated scores;
    each match plays one block of :data:`~binding_sim.rng.BLOCK_SIZE`
    replicates :data:`~binding_sim.games.match.CHUNK_TURNS` rounds at a time
    (memory does not grow with ``turns`` beyond that, only time); the Moran
    process over ``population`` members holds a few arrays of that length.
    Blocks for several ``--relative-gains`` values are made one after the other.
    """
    reps, turns = int(reps), int(turns)
    block = min(reps, BLOCK_SIZE) * min(turns, CHUNK_TURNS) / CHUNK_TURNS
    return int(
        _BYTES_FIXED
        + _BYTES_PER_PAIR_REP * players * players * reps
        + _BYTES_PER_REP * reps
        + _BYTES_PER_REP_IN_BLOCK * block
        + _BYTES_PER_BLOCK * math.ceil(reps / BLOCK_SIZE)
        + _BYTES_PER_MEMBER * (population or 0)
    )


def _check_selection(args: argparse.Namespace) -> None:
    if args.fitness == "linear" and args.selection > 1:
        raise ConfigError(
            "command line",
            "--selection",
            args.selection,
            "a number in [0, 1] with --fitness linear (1 - w + w*payoff must stay a fitness)",
        )


def _check_moran_scale(args: argparse.Namespace, scores: np.ndarray, k: float | None) -> None:
    """Refuse an exponential Moran process whose ``exp(w * payoff)`` would overflow."""
    if args.fitness != "exponential":
        return
    top = float(np.max(np.abs(scores)))
    if args.selection * top > MAX_EXPONENT:
        where = f" at --relative-gains {k:g}" if k is not None else ""
        raise BindingSimError(
            f"--selection {args.selection:g}: w x largest |payoff| of the round-robin matrix = "
            f"{args.selection:g} x {top:.4g} = {args.selection * top:.4g}{where} exceeds "
            f"{MAX_EXPONENT:g}, so exp(w*payoff) overflows; allowed --selection <= "
            f"{MAX_EXPONENT / top:.4g} for these payoffs (or --fitness linear)"
        )


def run(args: argparse.Namespace) -> int:
    from ..games.tournament import tournament

    _check_selection(args)
    for k in args.relative_gains or ():
        if not (math.isfinite(k) and 0 <= k <= MAX_RELATIVE_GAINS):
            raise ConfigError(
                "--relative-gains",
                "actors.*.relative_gains",
                k,
                f"a finite number in [0, {MAX_RELATIVE_GAINS:g}]",
            )
    trust = _trust(args.trust)
    scenario = load_scenario(args)
    check_memory(
        f"strategies with {len(args.players)} players, --turns {args.turns} --reps {args.reps}"
        + (f" --population {args.population}" if args.population is not None else ""),
        memory_needed(len(args.players), args.turns, args.reps, args.population),
        "simulate fewer matches per pair (--reps, 0 keeps the exact values only), fewer "
        "--players or a smaller --population per call",
    )
    seed = args.seed
    if args.reps > 0 and seed is None:
        seed = draw_root_seed()
    ks: list[float | None] = list(args.relative_gains) if args.relative_gains else [None]
    blocks: list[dict[str, Any]] = []
    texts: list[str] = []
    for k in ks:
        res = tournament(
            scenario,
            args.arrangement,
            trust=trust,
            relative_gains=k,
            players=args.players,
            turns=args.turns,
            noise=args.noise,
            reps=args.reps,
            seed=seed,
        )
        cause = f"the {args.arrangement!r} game of {scenario.name}" + (
            f" at --relative-gains {k:g}" if k is not None else ""
        )
        check_finite_results(
            {
                "matrix": res.scores,
                "simulated": res.simulated,
                "simulated_ci": res.simulated_ci if res.reps > 1 else None,
            },
            cause,
        )
        rep = res.replicator()
        check_finite_results({"replicator shares": rep.shares}, cause)
        moran = None
        if args.population is not None:
            _check_moran_scale(args, res.scores, k)
            moran = res.moran(args.population, args.selection, args.fitness)
            check_finite_results(
                {"Moran fixation probabilities": moran},
                f"{cause} with --population {args.population} --selection {args.selection:g}",
            )
        if args.json:
            d = res.to_dict(rep)
            if moran is not None:
                d["moran"] = {
                    "population": args.population,
                    "selection": args.selection,
                    "fitness": args.fitness,
                    "fixation": moran.tolist(),
                }
            blocks.append(d)
        else:
            texts.append(_block(res, args, moran, rep))
    if args.json:
        print_json({"blocks": blocks})
    else:
        print("\n\n".join(texts))
    return 0
