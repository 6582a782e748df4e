r"""Round-robin tournaments of repeated-game strategies on the binding model's stage games.

Axelrod's question (Axelrod 1980, 1984) asked on an arrangement of the binding
model: which strategies do well, and which survive selection, when states
value outcomes by relative gains? A tournament plays every ordered pair of
strategies (each strategy also meets its own twin, as in Axelrod's
tournaments) on one 2x2 stage game for ``turns`` rounds with implementation
noise ``e``, and reports the **round-robin matrix**

.. math:: M_{ij} = \tfrac12\big(E^{A}_{ij} + E^{B}_{ji}\big),

the mean score per turn of strategy ``i`` against strategy ``j``, where
``E^A_ij`` is seat A's expected payoff per turn when ``i`` sits in seat A
(the row actor) and ``j`` in seat B, and ``E^B_ji`` is seat B's when the
seats are swapped. In a symmetric game the two terms are equal; in an
asymmetric one (actors with different payoffs or relative-gains
sensitivities) each strategy plays half its matches in each seat.

Payoffs are those of the stage game the strategies play: for
:func:`tournament`, the arrangement's relative-gains transformed game
``U_i = (1 + kappa_i) pi_i - kappa_i pi_j``, ``kappa_i = k_i (1 - tau_i)``
at fixed trust (docs/model.md section 2; :func:`binding_sim.games.match.arrangement_game`),
so the score is what a state with relative-gains concern maximises.

Exact and simulated values. Every strategy of :mod:`binding_sim.games.strategies`
is memory-one, so every entry is exact: ``E`` is the expected payoff over
``turns`` rounds from the first moves, computed from the 4-state Markov
chain of the match (:meth:`binding_sim.games.match.Match.expected`). With
``reps > 0`` each ordered pair is also played ``reps`` times
(:func:`binding_sim.games.match.play`, the random blocks of docs/model.md section 11,
the same root seed for every pair: common random numbers), and each entry
gets its Monte Carlo mean with a normal 95% interval computed from the
per-replicate average of the two seats' scores (which keeps any
correlation between the paired matches in the interval).

The ranking orders strategies by their mean score over all opponents, own
twin included (ties keep the order given). :meth:`TournamentResult.replicator`
runs the replicator dynamics over ``M`` and :meth:`TournamentResult.moran`
gives the pairwise Moran fixation probabilities (:mod:`binding_sim.games.evolution`).

References
----------
Axelrod, R. (1980). Effective choice in the Prisoner's Dilemma. *Journal of
Conflict Resolution* 24, 3-25.
Axelrod, R. (1984). *The Evolution of Cooperation*. Basic Books.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..config.scenario import Scenario
from ..errors import BindingSimError
from ..model.stage_game import StageGame
from ..rng import draw_root_seed
from .evolution import (
    ReplicatorOutcome,
    fixation_probabilities,
    replicator_dynamics,
)
from .match import (
    GameLike,
    Match,
    arrangement_game,
    as_game,
)
from .strategies import NAMES, MemoryOne

__all__ = [
    "DEFAULT_PLAYERS",
    "RECIPROCATORS",
    "TournamentResult",
    "reciprocating_share",
    "round_robin",
    "tournament",
]

DEFAULT_PLAYERS: tuple[str, ...] = NAMES
"""Every named strategy of :mod:`binding_sim.games.strategies`."""

RECIPROCATORS: tuple[str, ...] = ("tft", "gtft", "wsls", "grim")
"""Reciprocating strategies: they answer compliance with compliance and defection with defection."""

_Z95 = 1.959963984540054

Player = str | MemoryOne


def _name(player: Player) -> str:
    return player.name if isinstance(player, MemoryOne) else str(player).strip().lower()


def reciprocating_share(players: Sequence[str], shares: npt.ArrayLike) -> float:
    """Total share of the :data:`RECIPROCATORS` among ``players`` (names, any case)."""
    x = np.asarray(shares, dtype=float)
    return float(sum(x[i] for i, p in enumerate(players) if p.lower() in RECIPROCATORS))


@dataclass(frozen=True)
class TournamentResult:
    """A round robin: the matrix, its simulated check, the ranking.

    Attributes
    ----------
    players : tuple of str
        Strategy names in matrix order.
    game : StageGame
        The stage game played (nashpy convention; transformed payoffs).
    turns : int
        Rounds per match.
    noise : float
        Implementation noise ``e``.
    reps : int
        Simulated matches per ordered pair (0: exact values only).
    seed : int or None
        Root seed of the simulation (None when ``reps = 0``).
    scores : ndarray (n, n)
        The round-robin matrix ``M`` (exact expected score per turn over ``turns``).
    simulated : ndarray (n, n) or None
        Monte Carlo mean of each entry.
    simulated_ci : ndarray (n, n, 2) or None
        Normal 95% interval (lo, hi) of each simulated entry.
    notes : tuple of str
        Warnings raised while building the strategies (e.g. Generous TFT's
        forgiveness clipped to [0, 1] on a game that is not a Prisoner's Dilemma).
    context : dict
        Where the game came from (scenario, arrangement, k, trust), for reports.
    """

    players: tuple[str, ...]
    game: StageGame
    turns: int
    noise: float
    reps: int
    seed: int | None
    scores: np.ndarray = field(repr=False)
    simulated: np.ndarray | None = field(default=None, repr=False)
    simulated_ci: np.ndarray | None = field(default=None, repr=False)
    notes: tuple[str, ...] = ()
    context: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def mean_scores(self) -> np.ndarray:
        """Mean score per turn of each strategy over all opponents (own twin included)."""
        return np.asarray(self.scores.mean(axis=1))

    @property
    def ranking(self) -> tuple[str, ...]:
        """Strategies by mean score, best first (ties keep the order of ``players``)."""
        order = sorted(range(len(self.players)), key=lambda i: (-self.mean_scores[i], i))
        return tuple(self.players[i] for i in order)

    def replicator(self, x0: npt.ArrayLike | None = None, **kwargs: Any) -> ReplicatorOutcome:
        """Replicator dynamics over the round-robin matrix, from ``x0`` (default uniform).

        Keyword arguments go to :func:`binding_sim.games.evolution.replicator_dynamics`.
        """
        return replicator_dynamics(self.scores, x0, **kwargs)

    def moran(self, population: int, intensity: float, fitness: str = "exponential") -> np.ndarray:
        """Pairwise fixation probabilities ``rho[i, j]`` of one ``i`` among ``j`` players.

        See :func:`binding_sim.games.evolution.fixation_probabilities`; compare with ``1/N``.
        """
        return fixation_probabilities(self.scores, population, intensity, fitness)

    def to_dict(self, replicator: ReplicatorOutcome | None = None) -> dict[str, Any]:
        """JSON-ready dict: matrix, simulated check, ranking and (optionally) the replicator outcome."""
        out: dict[str, Any] = dict(self.context)
        out.update(
            {
                "players": list(self.players),
                "turns": self.turns,
                "noise": self.noise,
                "reps": self.reps,
                "seed": self.seed,
                "game": {"A": self.game.A.tolist(), "B": self.game.B.tolist()},
                "matrix": self.scores.tolist(),
                "simulated": None if self.simulated is None else self.simulated.tolist(),
                "simulated_ci": None if self.simulated_ci is None else self.simulated_ci.tolist(),
                "mean_scores": dict(zip(self.players, self.mean_scores.tolist(), strict=True)),
                "ranking": list(self.ranking),
                "notes": list(self.notes),
            }
        )
        if replicator is not None:
            out["replicator"] = {
                "shares": dict(zip(self.players, replicator.shares.tolist(), strict=True)),
                "reciprocating_share": reciprocating_share(self.players, replicator.shares),
                "converged": replicator.converged,
                "method": replicator.method,
            }
        return out


def round_robin(
    game: GameLike,
    players: Sequence[Player] = DEFAULT_PLAYERS,
    *,
    turns: int = 200,
    noise: float = 0.0,
    reps: int = 0,
    seed: int | None = None,
) -> TournamentResult:
    """Round robin of ``players`` on ``game``: exact matrix, optional simulated check.

    Parameters
    ----------
    game : StageGame, (A, B) or (R, S, T, P)
        The stage game (nashpy convention; see :func:`binding_sim.games.match.as_game`).
    players : sequence of str or MemoryOne
        Strategies (names are case-insensitive; ``gtft`` takes its
        forgiveness from each seat's own payoffs). Names must be distinct.
    turns : int
        Rounds per match (Axelrod's tournaments: 200).
    noise : float
        Probability that an intended action is flipped.
    reps : int
        Simulated matches per ordered pair; 0 skips the simulation.
    seed : int, optional
        Root seed (drawn from the operating system when omitted and
        ``reps > 0``; recorded in the result).

    Returns
    -------
    TournamentResult
    """
    g = as_game(game)
    names = tuple(_name(p) for p in players)
    if len(names) < 2:
        raise BindingSimError(f"players = {list(names)}: a tournament needs at least 2 strategies")
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise BindingSimError(f"players = {list(names)}: each strategy once (repeated: {dup})")
    if isinstance(reps, bool) or int(reps) != reps or reps < 0:
        raise BindingSimError(f"reps = {reps!r}: must be an integer >= 0")
    n = len(names)
    root: int | None = None
    if reps > 0:
        root = draw_root_seed() if seed is None else int(seed)
    exact_a = np.empty((n, n))  # seat A's expected score, i in seat A against j in seat B
    exact_b = np.empty((n, n))  # seat B's, j in seat A against i in seat B (indexed [j, i])
    sim_a: list[list[np.ndarray]] = [[np.empty(0)] * n for _ in range(n)]
    sim_b: list[list[np.ndarray]] = [[np.empty(0)] * n for _ in range(n)]
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i, pi in enumerate(players):
            for j, pj in enumerate(players):
                match = Match(pi, pj, g, noise)
                exact_a[i, j], exact_b[i, j] = match.expected(turns)
                if root is not None:
                    res = match.play(turns, reps=int(reps), seed=root)
                    sim_a[i][j], sim_b[i][j] = res.score_per_turn.T
    for w in caught:
        msg = " ".join(str(w.message).split())
        if msg not in notes:
            notes.append(msg)
    scores = 0.5 * (exact_a + exact_b.T)
    simulated = simulated_ci = None
    if root is not None:
        simulated = np.empty((n, n))
        simulated_ci = np.empty((n, n, 2))
        for i in range(n):
            for j in range(n):
                z = 0.5 * (sim_a[i][j] + sim_b[j][i])
                mean = float(z.mean())
                half = _Z95 * float(z.std(ddof=1)) / math.sqrt(z.size) if z.size > 1 else np.nan
                simulated[i, j] = mean
                simulated_ci[i, j] = (mean - half, mean + half)
    return TournamentResult(
        players=names,
        game=g,
        turns=int(turns),
        noise=float(noise),
        reps=int(reps),
        seed=root,
        scores=scores,
        simulated=simulated,
        simulated_ci=simulated_ci,
        notes=tuple(notes),
    )


def tournament(
    scenario: Scenario,
    arrangement: str,
    *,
    trust: float | Sequence[float] | None = None,
    relative_gains: float | None = None,
    players: Sequence[Player] = DEFAULT_PLAYERS,
    turns: int = 200,
    noise: float = 0.0,
    reps: int = 0,
    seed: int | None = None,
) -> TournamentResult:
    """Round robin on a scenario's arrangement, relative-gains transformed at fixed trust.

    Parameters
    ----------
    scenario : Scenario
    arrangement : str
        Arrangement name (``"formal"`` or a rung).
    trust : float or (float, float), optional
        Trust of each actor (one number for both); default each actor's
        ``initial_trust``.
    relative_gains : float, optional
        Relative-gains sensitivity ``k`` of both actors (the scenario's
        ``actors.*.relative_gains``); default the scenario's own values.
    players, turns, noise, reps, seed
        As in :func:`round_robin`.
    """
    tau_given: tuple[float, float] | None = None
    if trust is not None:
        values = (
            [float(trust)]
            if isinstance(trust, (int, float, np.floating, np.integer))
            else [float(t) for t in trust]
        )
        if len(values) not in (1, 2):
            raise BindingSimError(f"trust = {values}: give one trust level or one per actor")
        tau_given = (values[0], values[-1])
    if relative_gains is not None:
        scenario = scenario.with_values(
            {"actors.*.relative_gains": float(relative_gains)},
            source=f"--relative-gains {relative_gains:g}",
        )
    game = arrangement_game(scenario, arrangement, tau_given)
    result = round_robin(game, players, turns=turns, noise=noise, reps=reps, seed=seed)
    tau = list(tau_given) if tau_given is not None else [a.initial_trust for a in scenario.actors]
    context = {
        "scenario": scenario.name,
        "arrangement": arrangement,
        "relative_gains": dict(
            zip(scenario.actor_names, [a.relative_gains for a in scenario.actors], strict=True)
        ),
        "trust": dict(zip(scenario.actor_names, tau, strict=True)),
    }
    return TournamentResult(
        players=result.players,
        game=result.game,
        turns=result.turns,
        noise=result.noise,
        reps=result.reps,
        seed=result.seed,
        scores=result.scores,
        simulated=result.simulated,
        simulated_ci=result.simulated_ci,
        notes=result.notes,
        context=context,
    )
