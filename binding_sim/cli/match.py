"""``binding-sim match``: a repeated match of two classic strategies, exact and simulated.

::

    binding-sim match (--payoffs R,S,T,P | SCENARIO --arrangement NAME [--trust T])
                      --players NAME NAME [--turns N] [--noise E] [--reps N] [--seed S] [--json]

``--payoffs 3,0,5,1`` is R, S, T, P in that order (both players). With a
scenario, the game is the arrangement's relative-gains transformed stage game
at trust ``T`` (``T`` for both actors, or ``TA,TB``; default each actor's
initial trust). See :mod:`binding_sim.games.match` for the maths.
"""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from typing import Any

import numpy as np

from ..errors import BindingSimError, ConfigError
from ..games.match import CHUNK_TURNS, Match, arrangement_game, as_game
from ..games.strategies import (
    NAMES,
    MemoryOne,
    canonical_name,
    strategy,
)
from ..limits import check_memory
from ..model.stage_game import StageGame
from ..rng import BLOCK_SIZE, draw_root_seed
from ._common import (
    PAYOFF_BOUND,
    check_finite_results,
    float_arg,
    int_arg,
    load_scenario,
    print_json,
)

ORDER = 60

DEFAULT_TURNS = 200
DEFAULT_REPS = 1000


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "match",
        help="repeated match of two classic strategies (TFT, WSLS, GTFT, ...): exact and simulated",
        description=(
            "Play two memory-one strategies against each other on given payoffs "
            "(--payoffs R,S,T,P) or on a scenario arrangement's relative-gains stage game, "
            "with implementation noise; report simulated mean scores per turn with 95% "
            "intervals and the exact values of the match's Markov chain."
        ),
    )
    p.add_argument(
        "scenario",
        metavar="SCENARIO",
        nargs="?",
        help="preset name or scenario TOML file (with --arrangement); omit with --payoffs",
    )
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scenario key, e.g. 'actors.*.relative_gains=0.5' "
        "(quoted: zsh expands an unquoted *)",
    )
    p.add_argument(
        "--payoffs",
        metavar="R,S,T,P",
        help=f"stage-game payoffs R,S,T,P (both players), each in [-{PAYOFF_BOUND:g}, "
        f"{PAYOFF_BOUND:g}]",
    )
    p.add_argument("--arrangement", metavar="NAME", help="arrangement of SCENARIO to play")
    p.add_argument(
        "--trust",
        metavar="T",
        help="trust of both actors (T) or of each (TA,TB); default: each actor's initial trust",
    )
    p.add_argument(
        "--players",
        nargs=2,
        metavar="NAME",
        required=True,
        help=f"two strategies, case-insensitive: {', '.join(NAMES)}",
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
        "--reps", type=int_arg(1), default=DEFAULT_REPS, help="matches simulated, >= 1 (1000)"
    )
    p.add_argument(
        "--seed", type=int_arg(0), default=None, help="root seed >= 0 (default: drawn and printed)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=run)


def _numbers(option: str, text: str, count: tuple[int, ...], allowed: str) -> list[float]:
    try:
        values = [float(x) for x in text.split(",")]
    except ValueError:
        values = []
    if len(values) not in count or not all(math.isfinite(v) for v in values):
        raise ConfigError("command line", option, text, allowed)
    return values


def _game(args: argparse.Namespace) -> tuple[StageGame, str]:
    """The stage game and a one-line description of where it came from."""
    if args.payoffs is not None:
        if args.scenario is not None or args.arrangement is not None or args.trust is not None:
            raise BindingSimError(
                "match: give either --payoffs R,S,T,P or SCENARIO --arrangement NAME "
                "[--trust T], not both"
            )
        if args.overrides:
            raise BindingSimError("match: --set needs SCENARIO (not --payoffs)")
        rstp = _numbers(
            "--payoffs",
            args.payoffs,
            (4,),
            f"four comma-separated finite numbers R,S,T,P, each in [-{PAYOFF_BOUND:g}, "
            f"{PAYOFF_BOUND:g}]",
        )
        if any(abs(v) > PAYOFF_BOUND for v in rstp):
            raise ConfigError(
                "command line",
                "--payoffs",
                args.payoffs,
                f"each payoff in [-{PAYOFF_BOUND:g}, {PAYOFF_BOUND:g}]",
            )
        return as_game(rstp), "R, S, T, P = " + ", ".join(f"{v:g}" for v in rstp)
    if args.scenario is None:
        raise BindingSimError("match: give --payoffs R,S,T,P or SCENARIO --arrangement NAME")
    if args.arrangement is None:
        raise BindingSimError(f"match: {args.scenario}: --arrangement NAME is required")
    scenario = load_scenario(args)
    trust: list[float] | None = None
    if args.trust is not None:
        trust = _numbers(
            "--trust", args.trust, (1, 2), "one trust level in [0, 1], or two as TA,TB"
        )
        if not all(0.0 <= t <= 1.0 for t in trust):
            raise ConfigError(
                "command line", "--trust", args.trust, "trust levels must lie in [0, 1]"
            )
        if len(trust) == 1:
            trust = trust * 2
    game = arrangement_game(scenario, args.arrangement, trust)
    tau = trust or [a.initial_trust for a in scenario.actors]
    names = scenario.actor_names
    where = (
        f"{scenario.name}: {args.arrangement}, relative-gains game at trust "
        f"{names[0]} {tau[0]:g}, {names[1]} {tau[1]:g}"
    )
    return game, where


def _players(args: argparse.Namespace, game: StageGame) -> tuple[MemoryOne, MemoryOne]:
    out = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for seat, name in enumerate(args.players):
            out.append(strategy(name, game.payoffs(seat)))
    for w in caught:
        print(f"binding-sim: warning: {w.message}", file=sys.stderr)
    return out[0], out[1]


def _pair(x: np.ndarray) -> list[float | None]:
    return [None if not math.isfinite(v) else float(v) for v in x]


# Bytes ``match`` allocates, by what they scale with (measured; see memory_needed).
_BYTES_PER_REP = 128  # scores, scores per turn and the interval's temporaries
_BYTES_PER_TURN = 160  # the recorded first match: states, actions, strings and output
_BYTES_PER_REP_IN_BLOCK = 640  # a block's chunk of CHUNK_TURNS rounds and comparisons
_BYTES_PER_BLOCK = 256  # block list entry
_BYTES_FIXED = 1024**2  # strategies, game, results: independent of sizes


def memory_needed(turns: int, reps: int) -> int:
    """Upper estimate of the bytes ``match`` allocates for ``turns`` rounds x ``reps`` matches.

    Scores of every replicate, the first match recorded round by round (shown
    as C/D strings), one block of :data:`~binding_sim.rng.BLOCK_SIZE` replicates
    played :data:`~binding_sim.games.match.CHUNK_TURNS` rounds at a time, and
    the list of blocks.
    """
    block = min(int(reps), BLOCK_SIZE) * min(int(turns), CHUNK_TURNS) / CHUNK_TURNS
    return int(
        _BYTES_FIXED
        + _BYTES_PER_REP * int(reps)
        + _BYTES_PER_TURN * int(turns)
        + _BYTES_PER_REP_IN_BLOCK * block
        + _BYTES_PER_BLOCK * math.ceil(int(reps) / BLOCK_SIZE)
    )


def run(args: argparse.Namespace) -> int:
    for name in args.players:
        canonical_name(name)  # a bad name is reported before any other work
    game, where = _game(args)
    check_memory(
        f"match --turns {args.turns} --reps {args.reps}",
        memory_needed(args.turns, args.reps),
        "play fewer rounds (--turns) or fewer matches per call (--reps), with different "
        "--seed values, and pool the results",
    )
    players = _players(args, game)
    seed = draw_root_seed() if args.seed is None else args.seed
    match = Match(*players, game, args.noise)
    result = match.play(args.turns, reps=args.reps, seed=seed, record=True, keep=1)
    mean = result.mean_score_per_turn
    ci = result.score_per_turn_ci()
    long_run = match.long_run()
    expected = match.expected(result.turns)
    check_finite_results(
        {
            "mean_score_per_turn": mean,
            "mean_score_per_turn_ci": ci if result.reps > 1 else None,
            "exact_score_per_turn": long_run,
            "exact_expected_score_per_turn": expected,
        },
        f"the stage game {where} over {result.turns} turns",
    )
    actions = result.action_strings(0)
    out: dict[str, Any] = {
        "players": [p.name for p in players],
        "turns": result.turns,
        "noise": result.noise,
        "reps": result.reps,
        "seed": result.seed,
        "actions": list(actions),
        "mean_score_per_turn": _pair(mean),
        "mean_score_per_turn_ci": [_pair(ci[0]), _pair(ci[1])],
        "exact_score_per_turn": _pair(long_run),
        "exact_expected_score_per_turn": _pair(expected),
    }
    if args.json:
        print_json(out)
        return 0
    a, b = out["players"]
    width = max(len(a), len(b))
    col = max(width, 18)
    lines = [
        f"{a} vs {b} on {where}",
        f"  A = {game.A.tolist()}, B = {game.B.tolist()}",
        f"{result.turns} turns, noise {result.noise:g}, {result.reps} matches, seed {result.seed}",
        "",
        "actions in the first match:",
        f"  {a:<{width}}  {actions[0]}",
        f"  {b:<{width}}  {actions[1]}",
        "",
        f"{'score per turn':<32} {a:>{col}} {b:>{col}}",
    ]

    def row(label: str, values: np.ndarray) -> str:
        return f"{label:<32} " + " ".join(f"{v:>{col}.4f}" for v in values)

    lines.append(row("simulated mean", mean))
    if result.reps > 1:
        lines.append(
            f"{'  95% interval':<32} "
            + " ".join(f"{f'[{lo:.4f}, {hi:.4f}]':>{col}}" for lo, hi in ci)
        )
    lines.append(row(f"exact expected ({result.turns} turns)", expected))
    lines.append(row("exact long run (stationary)", long_run))
    print("\n".join(lines))
    return 0
