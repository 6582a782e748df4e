r"""Repeated matches of two memory-one strategies: exact Markov chain and vectorised play.

Games follow the package's one payoff convention (nashpy's, see
:mod:`binding_sim.model.stage_game`): ``(A, B)`` 2x2, rows are the first player's
(seat A's) actions, index 0 is ``C``. A game may be given as a
:class:`~binding_sim.model.stage_game.StageGame`, a pair ``(A, B)`` or symmetric
payoffs ``(R, S, T, P)``; :func:`arrangement_game` builds one from a
scenario's arrangement, relative-gains transformed at given trust levels
(docs/model.md section 2), so the classic strategies can be played on the binding
model's own stage games.

The Markov chain of a match
---------------------------
The state of round ``t`` is the pair of actions ``(a_t, b_t)``, indexed
``s = 2 a + b`` in the order ``CC, CD, DC, DD`` of seat A (``a, b`` are 0 for
``C`` and 1 for ``D``; this is the row-major order of ``A.ravel()``). Seat
B sees state ``(a, b)`` as its own ``(b, a)``, so its compliance vector in
seat A's order is ``q^B[[0, 2, 1, 3]]``. With implementation noise ``e``
(an intended action is flipped with probability ``e``; Axelrod's ``noise``)
a player who intends ``C`` with probability ``p`` plays ``C`` with probability

.. math:: p^e = p (1 - e) + (1 - p) e .

The transition matrix is ``M[s, s'] = P(a' | s) P(b' | s)`` (independent
moves given the state) and the first round has the distribution
``v_1 = (f_A^e, 1 - f_A^e) \otimes (f_B^e, 1 - f_B^e)``
(Nowak and Sigmund 1990; Press and Dyson 2012 use the same chain).
With ``u_A = A.ravel()`` and ``u_B = B.ravel()`` the payoffs per state:

* expected payoffs over ``N`` turns: ``v_1 (I + M + ... + M^{N-1}) u``
  (chain powers, by repeated squaring), divided by ``N`` per turn;
* expected discounted payoffs, round ``t`` weighted ``delta^(t-1)``:
  ``v_1 (I - delta M)^{-1} u``;
* long-run payoffs per turn: ``pi u`` with ``pi`` the limiting distribution
  ``lim (1/N) sum_t v_t`` (Cesaro average). With noise in ``(0, 1)`` every
  transition has positive probability, the chain is irreducible and ``pi`` is
  its unique stationary distribution. Without noise the chain may be
  reducible or periodic (TFT against Suspicious TFT cycles through CD and
  DC); then ``pi`` is the Cesaro limit from ``v_1``: the stationary
  distribution of each closed communicating class, weighted by the
  probability of being absorbed into it from ``v_1``.

Simulation
----------
:func:`play` plays ``reps`` independent matches at once, one array
operation per round over a block of replicates. Randomness follows docs/model.md
section 11: replicates in fixed blocks of 8192, block ``b`` from
:func:`binding_sim.rng.block_generator` ``(seed, b)``; in every round each
block draws one uniform per replicate and seat, ``u``, and a seat plays
``C`` iff ``u < p^e`` (the law of an intended move followed by a flip with
probability ``e``). Results are bit-identical however the replicates are
batched, and every strategy pair sees the same uniforms for the same seed
(common random numbers).

Public API
----------
``Match(player_a, player_b, game, noise=0.0)``
    Front door: ``.transition_matrix()``, ``.initial_distribution()``,
    ``.limiting_distribution()``, ``.long_run()``, ``.expected(turns)``,
    ``.discounted(delta)``, ``.play(turns, reps=1, seed=None, record=False)``.
``exact_long_run(a, b, game, noise=0.0)``, ``exact_expected(a, b, game, turns, noise=0.0)``,
``exact_discounted(a, b, game, delta, noise=0.0)``
    Per-turn long-run payoffs, per-turn expected payoffs over ``turns`` rounds,
    and discounted totals; each an array ``(payoff A, payoff B)``.
``play(a, b, game, turns, noise=0.0, reps=1, seed=None, record=False, keep=None)``
    -> :class:`MatchResult` (per-replicate totals, mean and interval per turn,
    recorded actions).
``transition_matrix``, ``initial_distribution``, ``limiting_distribution``,
``stationary_distribution``, ``state_payoffs``, ``as_game``, ``arrangement_game``
    The pure functions under the front door.

Players are :class:`~binding_sim.games.strategies.MemoryOne` objects or names
(case-insensitive); a name is resolved with its own seat's payoffs, so
``"gtft"`` takes its forgiveness from the game it plays.

Examples
--------
>>> m = Match("tft", "tft", (3, 0, 5, 1), noise=0.1)
>>> m.long_run().round(12).tolist()      # (R + S + T + P) / 4 for each player
[2.25, 2.25]
>>> play("tft", "alternator", (3, 0, 5, 1), turns=6, record=True).action_strings()
('CCDCDC', 'CDCDCD')
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..config.scenario import Scenario
from ..errors import BindingSimError, did_you_mean
from ..model.stage_game import StageGame
from ..rng import block_generator, blocks, draw_root_seed
from .strategies import MemoryOne, resolve

__all__ = [
    "STATES",
    "Match",
    "MatchResult",
    "arrangement_game",
    "as_game",
    "exact_discounted",
    "exact_expected",
    "exact_long_run",
    "initial_distribution",
    "limiting_distribution",
    "play",
    "state_payoffs",
    "stationary_distribution",
    "transition_matrix",
]

STATES = ("CC", "CD", "DC", "DD")
"""Match states ``(seat A's action, seat B's action)`` in chain order ``s = 2 a + b``."""

_SWAP = np.array([0, 2, 1, 3])
"""Seat B's own-view state index for each state in seat A's order."""

Z95 = 1.959963984540054
"""Standard normal 97.5% quantile (two-sided 95% intervals)."""

GameLike = StageGame | tuple[npt.ArrayLike, npt.ArrayLike] | Sequence[float]
Player = str | MemoryOne


# --------------------------------------------------------------------- games


def as_game(game: Any) -> StageGame:
    """A :class:`StageGame` from a StageGame, a pair ``(A, B)`` or symmetric ``(R, S, T, P)``.

    Raises
    ------
    BindingSimError
        If the payoffs are not finite or do not have one of these shapes.
    """
    if isinstance(game, StageGame):
        g = game
    else:
        try:
            arr = np.asarray(game, dtype=float)
        except (TypeError, ValueError) as exc:
            raise BindingSimError(
                f"game = {game!r}: need (R, S, T, P) or nashpy matrices (A, B)"
            ) from exc
        if arr.shape == (4,):
            g = StageGame.from_payoffs(arr)
        elif arr.shape == (2, 2, 2):
            g = StageGame(arr[0].copy(), arr[1].copy())
        else:
            raise BindingSimError(
                f"game with shape {arr.shape}: need (R, S, T, P) or two 2x2 matrices (A, B)"
            )
    if not (np.all(np.isfinite(g.A)) and np.all(np.isfinite(g.B))):
        raise BindingSimError(
            f"game A = {g.A.tolist()}, B = {g.B.tolist()}: payoffs must be finite"
        )
    return g


def arrangement_game(
    scenario: Scenario, arrangement: str, trust: Sequence[float] | float | None = None
) -> StageGame:
    """An arrangement's relative-gains transformed stage game at given trust levels.

    ``StageGame.of(arrangement, common_threat).relative(k, trust)``: absolute
    payoffs with the scenario's common threat (docs/model.md section 2), no caps,
    then ``U_i = (1 + kappa_i) pi_i - kappa_i pi_j`` with
    ``kappa_i = k_i (1 - tau_i) / (1 + rho theta)`` (the realist channel of
    docs/model.md section 15.2; ``rho = 0``: ``k_i (1 - tau_i)``).

    Parameters
    ----------
    scenario : Scenario
    arrangement : str
        Name of one of the scenario's arrangements (``"formal"`` included).
    trust : float or (float, float), optional
        Trust of each actor; one number for both; default each actor's
        ``initial_trust``.

    Raises
    ------
    BindingSimError
        Unknown arrangement (with a "did you mean" hint), a unilateral one
        (a sequential move, docs/model.md section 15.1, has no simultaneous
        2x2 stage game to play) or trust outside [0, 1].
    """
    names = list(scenario.arrangements)
    if arrangement not in scenario.arrangements:
        raise BindingSimError(
            f"{scenario.name}: arrangement = {arrangement!r}: unknown"
            f"{did_you_mean(arrangement, names)}; allowed: {', '.join(names)}"
        )
    mover = scenario.arrangements[arrangement].mover
    if mover:
        bilateral = [n for n, a in scenario.arrangements.items() if not a.unilateral]
        raise BindingSimError(
            f"{scenario.name}: arrangement = {arrangement!r}: unilateral (mover {mover}), a "
            "sequential move with no simultaneous 2x2 stage game to play (docs/model.md section "
            "15.1); allowed: " + (", ".join(bilateral) or "none in this scenario")
        )
    if trust is None:
        tau = (scenario.actors[0].initial_trust, scenario.actors[1].initial_trust)
    elif isinstance(trust, (int, float, np.floating, np.integer)):
        tau = (float(trust), float(trust))
    else:
        tau = (float(trust[0]), float(trust[1]))
    if not all(math.isfinite(t) and 0.0 <= t <= 1.0 for t in tau):
        raise BindingSimError(f"trust = {tau!r}: each actor's trust must lie in [0, 1]")
    base = StageGame.of(scenario.arrangements[arrangement], scenario.common_threat)
    return base.relative(scenario.effective_relative_gains, tau)


def state_payoffs(game: GameLike) -> np.ndarray:
    """Payoffs per state, shape ``(4, 2)``: row ``s`` = (A's, B's) payoff in state ``STATES[s]``."""
    g = as_game(game)
    return np.stack([g.A.ravel(), g.B.ravel()], axis=1)


def _players(a: Player, b: Player, game: StageGame) -> tuple[MemoryOne, MemoryOne]:
    return resolve(a, game.payoffs(0)), resolve(b, game.payoffs(1))


def _check_noise(noise: float) -> float:
    e = float(noise)
    if not (math.isfinite(e) and 0.0 <= e <= 1.0):
        raise BindingSimError(f"noise = {noise!r}: must be a probability in [0, 1]")
    return e


def _noisy(p: npt.ArrayLike, noise: float) -> np.ndarray:
    """Probability of playing C when C is intended with probability ``p``: ``p(1-e) + (1-p)e``."""
    p = np.asarray(p, dtype=float)
    return p * (1.0 - noise) + (1.0 - p) * noise


# ------------------------------------------------------------ exact (chain)


def transition_matrix(a: MemoryOne, b: MemoryOne, noise: float = 0.0) -> np.ndarray:
    """Transition matrix ``M`` (4x4, rows sum to 1) of the match chain (module docstring)."""
    e = _check_noise(noise)
    va, vb = a.vector, b.vector[_SWAP]
    # P(C) and P(D) each computed directly (no 1 - p cancellation for tiny noise)
    move_a = np.stack([_noisy(va, e), _noisy(1.0 - va, e)], axis=1)  # (state, a')
    move_b = np.stack([_noisy(vb, e), _noisy(1.0 - vb, e)], axis=1)  # (state, b')
    return (move_a[:, :, None] * move_b[:, None, :]).reshape(4, 4)


def initial_distribution(a: MemoryOne, b: MemoryOne, noise: float = 0.0) -> np.ndarray:
    """Distribution ``v_1`` of the first round's state, shape ``(4,)``."""
    e = _check_noise(noise)
    move_a = [float(_noisy(a.first, e)), float(_noisy(1.0 - a.first, e))]
    move_b = [float(_noisy(b.first, e)), float(_noisy(1.0 - b.first, e))]
    return np.outer(move_a, move_b).ravel()


def _class_stationary(M: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Unique stationary distribution of the closed irreducible class ``members``.

    Grassmann-Taksar-Heyman state reduction (Grassmann, Taksar and Heyman
    1985; Stewart 1994, *Introduction to the Numerical Solution of Markov
    Chains*): Gaussian elimination without
    subtractions, accurate to machine precision even for nearly decomposable
    chains (noise close to 0 or 1).
    """
    P = M[np.ix_(members, members)].astype(float, copy=True)
    m = P.shape[0]
    leave = np.ones(m)
    pi = np.zeros(m)
    pi[0] = 1.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        for k in range(m - 1, 0, -1):
            leave[k] = P[k, :k].sum()  # probability of leaving k for a lower state
            P[k, :k] /= leave[k]
            P[:k, :k] += np.outer(P[:k, k], P[k, :k])
        # back substitution pi_k = (sum_{i<k} pi_i P_ik) / leave_k, written as a
        # rescaling of pi_0..pi_{k-1} by leave_k so that nothing overflows when a
        # state is left with a tiny probability (noise near 0 or 1)
        for k in range(1, m):
            inflow = pi[:k] @ P[:k, k]
            pi[:k] *= leave[k]
            pi[k] = inflow
            pi[: k + 1] /= pi[: k + 1].max()
    if not (np.all(leave > 0.0) and np.all(np.isfinite(pi))):
        # products of probabilities underflowed (e.g. a noise below 1e-160):
        # fall back to the least-squares solution of pi (M - I) = 0, sum(pi) = 1
        sub = M[np.ix_(members, members)]
        lhs = np.vstack([(sub - np.eye(m)).T, np.ones((1, m))])
        rhs = np.zeros(m + 1)
        rhs[-1] = 1.0
        pi = np.clip(np.linalg.lstsq(lhs, rhs, rcond=None)[0], 0.0, None)
    out = np.zeros(M.shape[0])
    out[members] = pi / pi.sum()
    return out


def _closed_classes(M: np.ndarray) -> list[np.ndarray]:
    adj = M > 0.0
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    ncomp, labels = connected_components(csr_matrix(adj), directed=True, connection="strong")
    closed = []
    for c in range(ncomp):
        members = labels == c
        if not adj[np.ix_(members, ~members)].any():
            closed.append(members)
    return closed


def _first_recurrent_state(M: np.ndarray, start: np.ndarray, transient: np.ndarray) -> np.ndarray:
    """Distribution of the first recurrent state the chain visits from ``start``.

    Eliminates the transient states one by one (the stochastic complement,
    state reduction as in the GTH algorithm): a state's exits are
    redistributed over the remaining states in proportion to its
    probabilities of leaving to each, using only additions, products and
    divisions of non-negative numbers, so absorption probabilities stay
    accurate when a state leaves its transient class with a tiny probability.
    """
    P = M.copy()
    v = start.copy()
    for k in np.flatnonzero(transient):
        row = P[k].copy()
        row[k] = 0.0
        total = row.sum()
        if not total > 0.0:  # its exits underflowed to 0 (probabilities below ~1e-300)
            P[:, k] = 0.0
            P[k] = 0.0
            v[k] = 0.0
            continue
        row /= total  # where k goes when it leaves (columns of removed states are 0)
        P += np.outer(P[:, k], row)
        P[:, k] = 0.0
        P[k] = 0.0
        v += v[k] * row
        v[k] = 0.0
    return v


def limiting_distribution(M: npt.ArrayLike, start: npt.ArrayLike) -> np.ndarray:
    """Cesaro limit ``lim (1/N) sum_{t<N} start M^t`` of a finite Markov chain.

    Exact linear algebra: each closed communicating class (a strongly
    connected component with no edge out, from ``scipy.sparse.csgraph``) has
    a unique stationary distribution, also when periodic, and the chain ends
    in class ``c`` with the probability that the first recurrent state it
    visits lies in ``c`` (Kemeny and Snell 1960, ch. 3). The limit is the
    mixture of the classes' stationary distributions with these weights.

    Parameters
    ----------
    M : array (n, n)
        Row-stochastic transition matrix.
    start : array (n,)
        Initial distribution.
    """
    M = np.asarray(M, dtype=float)
    v = np.asarray(start, dtype=float)
    closed = _closed_classes(M)
    transient = ~np.any(closed, axis=0)
    hit = _first_recurrent_state(M, v, transient) if transient.any() else v
    hit = hit / hit.sum()
    out = np.zeros(M.shape[0])
    for members in closed:
        out += hit[members].sum() * _class_stationary(M, members)
    return out


def stationary_distribution(M: npt.ArrayLike, start: npt.ArrayLike | None = None) -> np.ndarray:
    """Stationary distribution ``pi = pi M`` (sums to 1) of the chain.

    With one closed class (every irreducible chain, e.g. any match with noise
    in ``(0, 1)``) this is the unique stationary distribution and ``start``
    is ignored. With several closed classes the stationary distribution is
    not unique: give ``start`` to get the limit reached from it
    (:func:`limiting_distribution`).

    Raises
    ------
    ValueError
        Several closed classes and no ``start``.
    """
    M = np.asarray(M, dtype=float)
    closed = _closed_classes(M)
    if len(closed) == 1:
        return _class_stationary(M, closed[0])
    if start is None:
        raise ValueError(
            f"the chain has {len(closed)} closed classes, so its stationary distribution "
            "is not unique; pass start= for the limit reached from a start distribution"
        )
    return limiting_distribution(M, start)


def _power_sum(M: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(I + M + ... + M^{n-1}, M^n)`` by repeated squaring (O(log n) products)."""
    eye = np.eye(M.shape[0])
    total = np.zeros_like(M)  # S_m for the bits read so far
    power = eye.copy()  # M^m
    for bit in bin(n)[2:]:
        total = total + power @ total  # S_{2m} = S_m + M^m S_m
        power = power @ power
        if bit == "1":
            total = eye + M @ total  # S_{m+1} = I + M S_m
            power = M @ power
    return total, power


def exact_long_run(a: Player, b: Player, game: GameLike, noise: float = 0.0) -> np.ndarray:
    """Long-run mean payoff per turn of each seat, ``pi u`` (module docstring), shape ``(2,)``."""
    return Match(a, b, game, noise).long_run()


def exact_expected(
    a: Player, b: Player, game: GameLike, turns: int, noise: float = 0.0
) -> np.ndarray:
    """Exact expected payoff per turn of each seat over ``turns`` rounds from the first moves."""
    return Match(a, b, game, noise).expected(turns)


def exact_discounted(
    a: Player, b: Player, game: GameLike, delta: float, noise: float = 0.0
) -> np.ndarray:
    """Exact expected discounted total ``sum_t delta^(t-1) u_t`` of each seat (infinite horizon)."""
    return Match(a, b, game, noise).discounted(delta)


# ------------------------------------------------------------- simulation


@dataclass(frozen=True)
class MatchResult:
    """Outcome of :func:`play`: many replicates of one match.

    Attributes
    ----------
    players : (str, str)
        Names of seat A's and seat B's strategies.
    turns, reps : int
        Rounds per match and number of matches (replicates).
    noise : float
        Implementation noise ``e``.
    seed : int
        Root seed of the random blocks (docs/model.md section 11).
    scores : ndarray (reps, 2)
        Total payoff of each seat in each replicate.
    states : ndarray (kept, turns) of uint8, or None
        State index ``2 a + b`` of every round for the first ``kept`` replicates
        when recorded (``a, b``: 0 = C, 1 = D).
    """

    players: tuple[str, str]
    turns: int
    noise: float
    reps: int
    seed: int
    scores: np.ndarray = field(repr=False)
    states: np.ndarray | None = field(default=None, repr=False)

    @property
    def score_per_turn(self) -> np.ndarray:
        """Mean payoff per turn of each seat in each replicate, shape ``(reps, 2)``."""
        return self.scores / self.turns

    @property
    def mean_score_per_turn(self) -> np.ndarray:
        """Mean payoff per turn of each seat over replicates, shape ``(2,)``."""
        return self.score_per_turn.mean(axis=0)

    def score_per_turn_ci(self, z: float = Z95) -> np.ndarray:
        """Normal interval ``mean +- z sd / sqrt(reps)`` per seat, shape ``(2, 2)`` (lo, hi).

        NaN with a single replicate (no spread to estimate).
        """
        x = self.score_per_turn
        mean = x.mean(axis=0)
        if self.reps < 2:
            return np.full((2, 2), np.nan)
        half = z * x.std(axis=0, ddof=1) / math.sqrt(self.reps)
        return np.stack([mean - half, mean + half], axis=1)

    @property
    def actions(self) -> np.ndarray | None:
        """Recorded actions, ``(kept, turns, 2)`` of uint8 (0 = C, 1 = D), or None."""
        if self.states is None:
            return None
        return np.stack([self.states >> 1, self.states & 1], axis=-1)

    def action_strings(self, rep: int = 0) -> tuple[str, str]:
        """Seat A's and seat B's moves in replicate ``rep`` as strings of ``C``/``D``."""
        acts = self.actions
        if acts is None or rep >= acts.shape[0]:
            raise ValueError(f"replicate {rep} was not recorded; play with record=True")
        letters = np.array(["C", "D"])
        return "".join(letters[acts[rep, :, 0]]), "".join(letters[acts[rep, :, 1]])


CHUNK_TURNS = 256
"""Rounds held in memory at once per block while playing (bounds memory for long matches)."""


def _simulate_block(
    rng: np.random.Generator,
    size: int,
    turns: int,
    first: tuple[float, float],
    probs: tuple[np.ndarray, np.ndarray],
    chunk: int = CHUNK_TURNS,
) -> Iterator[tuple[int, np.ndarray]]:
    """Play one block; yield ``(t0, states)`` for consecutive chunks of rounds.

    ``states`` has shape ``(rounds in chunk, size)``: the state index
    ``2 a + b`` of rounds ``t0, t0 + 1, ...`` (0-based). Each round draws one
    ``(size, 2)`` uniform array, in round order, whatever the chunk size.
    """
    qa, qb = probs
    buf = np.empty((min(chunk, turns), size), dtype=np.uint8)
    u = rng.random((size, 2))
    s = ((u[:, 0] >= first[0]).view(np.uint8) << 1) | (u[:, 1] >= first[1]).view(np.uint8)
    buf[0] = s
    t0, i = 0, 1
    for _t in range(1, turns):
        if i == buf.shape[0]:
            yield t0, buf
            t0 += i
            i = 0
        u = rng.random((size, 2))
        d_a = (u[:, 0] >= qa[s]).view(np.uint8)
        d_b = (u[:, 1] >= qb[s]).view(np.uint8)
        s = (d_a << 1) | d_b
        buf[i] = s
        i += 1
    yield t0, buf[:i]


def play(
    a: Player,
    b: Player,
    game: GameLike,
    turns: int,
    noise: float = 0.0,
    reps: int = 1,
    seed: int | None = None,
    record: bool = False,
    keep: int | None = None,
) -> MatchResult:
    """Play ``reps`` matches of ``turns`` rounds between seat A's ``a`` and seat B's ``b``.

    Vectorised over replicates, in the fixed random blocks of docs/model.md
    section 11 (see the module docstring).

    Parameters
    ----------
    a, b : MemoryOne or str
        Strategies of seat A (rows) and seat B (columns); names are resolved
        with the seat's own payoffs (``gtft``).
    game : StageGame, (A, B) or (R, S, T, P)
    turns : int
        Rounds per match (>= 1).
    noise : float
        Probability that an intended action is flipped.
    reps : int
        Number of matches (>= 1).
    seed : int, optional
        Root seed; drawn from the operating system when omitted (recorded in
        the result so the run can be repeated). ``0`` is a valid seed.
    record : bool
        Keep every round's actions (``MatchResult.actions``).
    keep : int, optional
        With ``record``, keep only the first ``keep`` replicates (default all).

    Returns
    -------
    MatchResult
    """
    return Match(a, b, game, noise).play(turns, reps=reps, seed=seed, record=record, keep=keep)


# -------------------------------------------------------------- front door


class Match:
    """A match of two memory-one strategies on a 2x2 stage game, with noise.

    Parameters
    ----------
    a, b : MemoryOne or str
        Seat A's and seat B's strategies (names are case-insensitive and
        resolved with the seat's own payoffs).
    game : StageGame, (A, B) or (R, S, T, P)
    noise : float
        Implementation noise ``e`` in ``[0, 1]``.
    """

    def __init__(self, a: Player, b: Player, game: GameLike, noise: float = 0.0) -> None:
        self.game = as_game(game)
        self.players = _players(a, b, self.game)
        self.noise = _check_noise(noise)

    def __repr__(self) -> str:
        return (
            f"Match({self.players[0].name!r}, {self.players[1].name!r}, "
            f"A={self.game.A.tolist()}, B={self.game.B.tolist()}, noise={self.noise:g})"
        )

    def transition_matrix(self) -> np.ndarray:
        """The 4x4 transition matrix (:func:`transition_matrix`)."""
        return transition_matrix(*self.players, self.noise)

    def initial_distribution(self) -> np.ndarray:
        """Distribution of the first round's state (:func:`initial_distribution`)."""
        return initial_distribution(*self.players, self.noise)

    def limiting_distribution(self) -> np.ndarray:
        """Long-run share of rounds in each state from the first moves (Cesaro limit)."""
        return limiting_distribution(self.transition_matrix(), self.initial_distribution())

    def long_run(self) -> np.ndarray:
        """Long-run mean payoff per turn of each seat, shape ``(2,)``."""
        return self.limiting_distribution() @ state_payoffs(self.game)

    def expected(self, turns: int) -> np.ndarray:
        """Exact expected payoff per turn of each seat over ``turns`` rounds, shape ``(2,)``."""
        n = _check_count("turns", turns)
        total, _ = _power_sum(self.transition_matrix(), n)
        return self.initial_distribution() @ total @ state_payoffs(self.game) / n

    def discounted(self, delta: float) -> np.ndarray:
        """Expected discounted total ``sum_{t>=1} delta^(t-1) u_t`` per seat, shape ``(2,)``."""
        d = float(delta)
        if not (math.isfinite(d) and 0.0 <= d < 1.0):
            raise BindingSimError(f"discount factor = {delta!r}: must lie in [0, 1)")
        M = self.transition_matrix()
        weights = np.linalg.solve((np.eye(4) - d * M).T, self.initial_distribution())
        return weights @ state_payoffs(self.game)

    def play(
        self,
        turns: int,
        reps: int = 1,
        seed: int | None = None,
        record: bool = False,
        keep: int | None = None,
    ) -> MatchResult:
        """Simulate ``reps`` matches; see :func:`play`."""
        n_turns = _check_count("turns", turns)
        n_reps = _check_count("reps", reps)
        root = draw_root_seed() if seed is None else int(seed)
        if root < 0:
            raise BindingSimError(f"seed = {seed!r}: must be a non-negative integer")
        pa, pb = self.players
        first = (float(_noisy(pa.first, self.noise)), float(_noisy(pb.first, self.noise)))
        probs = (_noisy(pa.vector, self.noise), _noisy(pb.vector[_SWAP], self.noise))
        pay = state_payoffs(self.game)
        kept = 0
        if record:
            kept = n_reps if keep is None else max(0, min(int(keep), n_reps))
        scores = np.empty((n_reps, 2))
        states = np.empty((kept, n_turns), dtype=np.uint8) if record else None
        for blk in blocks(n_reps):
            counts = np.zeros((blk.size, 4), dtype=np.int64)
            rng = block_generator(root, blk.index)
            for t0, st in _simulate_block(rng, blk.size, n_turns, first, probs):
                for state in range(4):
                    counts[:, state] += np.count_nonzero(st == state, axis=0)
                if states is not None and blk.start < kept:
                    stop = min(blk.stop, kept)
                    states[blk.start : stop, t0 : t0 + st.shape[0]] = st[:, : stop - blk.start].T
            scores[blk.start : blk.stop] = counts @ pay
        return MatchResult(
            players=(pa.name, pb.name),
            turns=n_turns,
            noise=self.noise,
            reps=n_reps,
            seed=root,
            scores=scores,
            states=states,
        )


def _check_count(name: str, value: int) -> int:
    if isinstance(value, bool) or int(value) != value or int(value) < 1:
        raise BindingSimError(f"{name} = {value!r}: must be a positive integer")
    return int(value)
