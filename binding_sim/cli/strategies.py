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

from ..errors import ConfigError
from ..games.evolution import FITNESS_MAPPINGS
from ..games.strategies import NAMES
from ..model.stage_game import classify
from ..rng import draw_root_seed
from ._common import load_scenario, print_json

if TYPE_CHECKING:
    from ..games.tournament import TournamentResult

ORDER = 62

DEFAULT_TURNS = 200
DEFAULT_REPS = 1000


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
        help="relative-gains sensitivity k of both actors; several values print one block each "
        "(default: the scenario's own)",
    )
    p.add_argument(
        "--players",
        nargs="+",
        metavar="NAME",
        default=list(NAMES),
        help=f"strategies, case-insensitive (default all): {', '.join(NAMES)}",
    )
    p.add_argument("--turns", type=int, default=DEFAULT_TURNS, help="rounds per match (200)")
    p.add_argument(
        "--noise", type=float, default=0.0, help="probability an intended action flips (0)"
    )
    p.add_argument(
        "--reps",
        type=int,
        default=DEFAULT_REPS,
        help="simulated matches per ordered pair for the check (1000; 0 = exact only)",
    )
    p.add_argument("--seed", type=int, default=None, help="root seed (default: drawn and printed)")
    p.add_argument(
        "--population",
        type=int,
        default=None,
        metavar="N",
        help="also print Moran fixation probabilities of one mutant among N residents",
    )
    p.add_argument(
        "--selection",
        type=float,
        default=0.1,
        metavar="W",
        help="Moran selection intensity w (0.1)",
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


def _block(res: TournamentResult, args: argparse.Namespace, moran: np.ndarray | None) -> str:
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
        half = (res.simulated_ci[..., 1] - res.simulated_ci[..., 0]) / 2
        gap = np.abs(res.simulated - res.scores)
        lines.append(
            f"  simulated check ({res.reps} matches per pair, seed {res.seed}): "
            f"max |simulated - exact| = {gap.max():.4g}, widest 95% half-interval = "
            f"{np.nanmax(half):.4g}"
        )
    lines += ["", "Ranking (mean score per turn against every strategy, own twin included):"]
    means = dict(zip(res.players, res.mean_scores, strict=True))
    for r, name in enumerate(res.ranking, 1):
        lines.append(f"  {r:>2}. {name:<11} {means[name]:9.4f}")
    rep = res.replicator()
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


def run(args: argparse.Namespace) -> int:
    from ..games.tournament import tournament

    scenario = load_scenario(args)
    trust = _trust(args.trust)
    if args.population is not None and args.population < 2:
        raise ConfigError("command line", "--population", args.population, "an integer >= 2")
    seed = args.seed
    if args.reps > 0 and seed is None:
        seed = draw_root_seed()
    ks: list[float | None] = list(args.relative_gains) if args.relative_gains else [None]
    blocks: list[dict[str, Any]] = []
    texts: list[str] = []
    for k in ks:
        if k is not None and not (math.isfinite(k) and k >= 0):
            raise ConfigError(
                "--relative-gains", "actors.*.relative_gains", k, "a finite number >= 0"
            )
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
        moran = None
        if args.population is not None:
            moran = res.moran(args.population, args.selection, args.fitness)
        if args.json:
            d = res.to_dict(res.replicator())
            if moran is not None:
                d["moran"] = {
                    "population": args.population,
                    "selection": args.selection,
                    "fitness": args.fitness,
                    "fixation": moran.tolist(),
                }
            blocks.append(d)
        else:
            texts.append(_block(res, args, moran))
    if args.json:
        print_json({"blocks": blocks})
    else:
        print("\n\n".join(texts))
    return 0
