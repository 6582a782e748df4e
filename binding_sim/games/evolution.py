r"""Evolution of strategies over a payoff matrix: replicator dynamics and the Moran process.

Which repeated-game strategies survive when states care about relative
gains? Given the round-robin matrix ``M`` of a tournament
(:mod:`binding_sim.games.tournament`; ``M[i, j]`` is the mean score per turn of
strategy ``i`` against strategy ``j``), this module asks two evolutionary
questions (Axelrod 1984, ch. 3; Nowak 2006, chs. 4, 6 and 7).

Replicator dynamics (Taylor and Jonker 1978). An infinite population with
shares ``x`` on the simplex evolves as

.. math:: \dot x_i = x_i \big[(M x)_i - x^\top M x\big].

Adding a constant to a column of ``M`` leaves the trajectory unchanged and
multiplying ``M`` by ``c > 0`` only rescales time, so "the long run" is
measured in units of ``1 / s`` with ``s = max(M) - min(M)`` the payoff
spread: :func:`replicator_dynamics` integrates up to ``t = horizon / s``.
Two integrators are kept, as EGTtools keeps an analytical and a numerical
path: nashpy's ``Game.replicator_dynamics`` (``scipy.integrate.odeint`` on
``x``; the default) and this module's own integration of the equivalent
exponential form ``d/dt log x_i = (M x)_i - x^T M x`` with
``scipy.integrate.solve_ivp``, which keeps every share positive and on the
simplex however long the run (``method="log"``). Tests hold one against
the other.

Moran process (Moran 1958; Nowak, Sasaki, Taylor and Fudenberg 2004; Nowak
2006, chs. 6 and 7). A finite population of ``N`` individuals, ``i`` playing
strategy A and ``N - i`` playing B, with the 2x2 game
``[[a, b], [c, d]]`` (row = own strategy A or B, column = the other's).
Without self-interaction the expected payoffs are

.. math::

   F_i = \frac{a (i - 1) + b (N - i)}{N - 1}, \qquad
   G_i = \frac{c\, i + d (N - i - 1)}{N - 1},

and the fitnesses ``f_i = 1 - w + w F_i``, ``g_i = 1 - w + w G_i`` with
selection intensity ``w`` in [0, 1] (Nowak et al. 2004; Nowak 2006, ch. 7;
the "linear" mapping) or ``f_i = exp(w F_i)`` (Traulsen, Nowak and Pacheco 2006; the
"exponential" mapping, always positive). Each step one individual is
chosen to reproduce with probability proportional to fitness and one,
uniformly, to die. The fixation probability of ``m`` A-mutants is

.. math::

   \rho_m = \frac{1 + \sum_{j=1}^{m-1} \prod_{i=1}^{j} \gamma_i}
                 {1 + \sum_{j=1}^{N-1} \prod_{i=1}^{j} \gamma_i},
   \qquad \gamma_i = g_i / f_i,

so that a single mutant fixes with ``rho = 1 / (1 + sum_j prod_i gamma_i)``
and, under neutral selection (``w = 0``), with ``rho = 1/N`` exactly.
:func:`simulate_moran` runs the process itself, vectorised over replicates,
with the random streams of docs/model.md section 11 (blocks of 8192 replicates,
block ``b`` from ``SeedSequence(seed, spawn_key=(b,))``); since only the
fixation event is recorded it runs the process's jump chain, which moves
from ``i`` to ``i + 1`` with probability ``f_i / (f_i + g_i)`` (the ratio of
the up and down rates ``T+_i / T-_i = f_i / g_i``) and fixes with exactly
the same probabilities.

References
----------
Axelrod, R. (1984). *The Evolution of Cooperation*. Basic Books.
Moran, P. A. P. (1958). Random processes in genetics. *Proc. Camb. Phil. Soc.* 54, 60-71.
Nowak, M. A. (2006). *Evolutionary Dynamics*. Harvard University Press, chs. 4, 6 and 7.
Nowak, M. A., Sasaki, A., Taylor, C. and Fudenberg, D. (2004). Emergence of
cooperation and evolutionary stability in finite populations. *Nature* 428, 646-650.
Taylor, P. D. and Jonker, L. B. (1978). Evolutionarily stable strategies and
game dynamics. *Mathematical Biosciences* 40, 145-156.
Traulsen, A., Nowak, M. A. and Pacheco, J. M. (2006). Stochastic dynamics of
invasion and fixation. *Physical Review E* 74, 011909.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..dynamics.outcomes import wilson_interval
from ..errors import BindingSimError
from ..rng import iter_block_generators

__all__ = [
    "FITNESS_MAPPINGS",
    "REPLICATOR_METHODS",
    "MoranOutcome",
    "ReplicatorOutcome",
    "fixation_probabilities",
    "fixation_probability",
    "moran_fitness",
    "replicator_derivative",
    "replicator_dynamics",
    "replicator_trajectory",
    "simulate_moran",
]

REPLICATOR_METHODS = ("nashpy", "log")
"""Integrators of the replicator equation: nashpy's (odeint on x) and the log-share form (solve_ivp)."""

FITNESS_MAPPINGS = ("linear", "exponential")
"""Payoff-to-fitness maps of the Moran process: ``1 - w + w F`` and ``exp(w F)``."""

FloatArray = npt.NDArray[np.float64]


# --------------------------------------------------------------------------- replicator dynamics
def _payoff_matrix(payoff_matrix: npt.ArrayLike) -> FloatArray:
    M = np.asarray(payoff_matrix, dtype=float)
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.shape[0] < 1:
        raise BindingSimError(f"payoff matrix must be square and non-empty, got shape {M.shape}")
    if not np.all(np.isfinite(M)):
        raise BindingSimError("payoff matrix has non-finite entries")
    return M


def _initial_shares(x0: npt.ArrayLike | None, n: int) -> FloatArray:
    if x0 is None:
        return np.full(n, 1.0 / n)
    x = np.asarray(x0, dtype=float)
    if x.shape != (n,) or np.any(x < 0) or not np.isfinite(x).all() or x.sum() <= 0:
        raise BindingSimError(
            f"initial shares must be {n} non-negative numbers with a positive sum, got {x.tolist()}"
        )
    return x / x.sum()


def replicator_derivative(x: npt.ArrayLike, payoff_matrix: npt.ArrayLike) -> FloatArray:
    r"""Right-hand side of the replicator equation, ``x_i [(M x)_i - x^T M x]``.

    Taylor and Jonker (1978); Nowak (2006), ch. 4. Vectorised over leading
    axes of ``x`` (shape ``(..., n)``).
    """
    M = np.asarray(payoff_matrix, dtype=float)
    x = np.asarray(x, dtype=float)
    f = x @ M.T
    phi = np.sum(x * f, axis=-1, keepdims=True)
    return np.asarray(x * (f - phi), dtype=float)


def _log_rhs(_t: float, y: FloatArray, M: FloatArray) -> FloatArray:
    # y = log x up to a common constant; x = softmax(y) keeps x on the simplex.
    x = np.exp(y - y.max())
    x /= x.sum()
    f = M @ x
    return np.asarray(f - x @ f, dtype=float)


def _softmax(y: FloatArray) -> FloatArray:
    x = np.exp(y - y.max(axis=-1, keepdims=True))
    return np.asarray(x / x.sum(axis=-1, keepdims=True), dtype=float)


def replicator_trajectory(
    payoff_matrix: npt.ArrayLike,
    x0: npt.ArrayLike | None = None,
    times: npt.ArrayLike | None = None,
    method: str = "nashpy",
) -> FloatArray:
    """Population shares along the replicator dynamics at the given times.

    Parameters
    ----------
    payoff_matrix : array_like, shape (n, n)
        ``M[i, j]``: payoff of strategy ``i`` against strategy ``j``.
    x0 : array_like, shape (n,), optional
        Initial shares (normalised to sum 1); default uniform.
    times : array_like, optional
        Increasing time points starting at 0; default ``linspace(0, 10, 1000)``
        (nashpy's default).
    method : {"nashpy", "log"}
        ``"nashpy"``: ``nashpy.Game(M).replicator_dynamics`` (odeint on ``x``).
        ``"log"``: ``solve_ivp`` (LSODA, rtol 1e-10) on the log-share form,
        which stays on the simplex; strategies absent at the start stay absent.

    Returns
    -------
    ndarray, shape (len(times), n)
    """
    M = _payoff_matrix(payoff_matrix)
    n = M.shape[0]
    x = _initial_shares(x0, n)
    t = np.linspace(0.0, 10.0, 1000) if times is None else np.asarray(times, dtype=float)
    if t.ndim != 1 or t.size < 1 or np.any(np.diff(t) <= 0):
        raise BindingSimError("replicator times must be a strictly increasing 1-d sequence")
    if method == "nashpy":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import nashpy as nash

            xs = nash.Game(M).replicator_dynamics(y0=x, timepoints=t)
        return np.asarray(xs, dtype=float)
    if method == "log":
        present = x > 0
        out = np.zeros((t.size, n))
        if present.sum() == 1:
            out[:, present] = 1.0
            return out
        Ms = M[np.ix_(present, present)]
        y0 = np.log(x[present])
        if t.size == 1:
            out[:, present] = _softmax(y0)
            return out
        from scipy.integrate import solve_ivp

        sol = solve_ivp(
            _log_rhs,
            (t[0], t[-1]),
            y0,
            method="LSODA",
            t_eval=t,
            args=(Ms,),
            rtol=1e-10,
            atol=1e-12,
        )
        if not sol.success:  # pragma: no cover - LSODA on a smooth bounded field
            raise BindingSimError(f"replicator integration failed: {sol.message}")
        out[:, present] = _softmax(sol.y.T)
        return out
    raise BindingSimError(
        f"replicator method = {method!r}: allowed {', '.join(REPLICATOR_METHODS)}"
    )


@dataclass(frozen=True)
class ReplicatorOutcome:
    """Long-run outcome of the replicator dynamics.

    Attributes
    ----------
    shares : ndarray, shape (n,)
        Population shares at the end of the run (the long-run outcome).
    times : ndarray, shape (n_t,)
        Time points of the recorded trajectory (in the matrix's own units).
    trajectory : ndarray, shape (n_t, n)
        Shares at ``times``; row 0 is the initial state.
    converged : bool
        Whether the speed ``max |dx/dt| / s`` at the end is below ``tol``.
    speed : float
        That final speed, in units of the payoff spread ``s``.
    method : str
        The integrator used (see :data:`REPLICATOR_METHODS`).
    """

    shares: FloatArray
    times: FloatArray
    trajectory: FloatArray
    converged: bool
    speed: float
    method: str


def replicator_dynamics(
    payoff_matrix: npt.ArrayLike,
    x0: npt.ArrayLike | None = None,
    *,
    horizon: float = 2000.0,
    max_horizon: float = 200000.0,
    points: int = 401,
    tol: float = 1e-9,
    method: str = "nashpy",
) -> ReplicatorOutcome:
    """Long-run population shares under the replicator dynamics (Taylor and Jonker 1978).

    Integrates from ``x0`` (default uniform) up to ``t = horizon / s``, where
    ``s = max(M) - min(M)`` is the payoff spread, so that ``horizon`` counts
    generations in which a payoff difference of the whole spread acts
    ``horizon`` times: the result does not depend on the units of ``M``.
    While the shares still move (``max |dx/dt| / s >= tol``) the run is
    continued from where it stopped, to ten times its length each time, up
    to ``max_horizon``: trajectories that pass close to a saddle (near a
    change of the game's class, say) linger there for a long time before
    leaving. A matrix with no spread leaves every share where it started; one
    whose spread is so small that ``max_horizon / s`` overflows is integrated
    shifted and scaled to spread 1 (the same shares; times in that unit).

    Parameters
    ----------
    payoff_matrix : array_like, shape (n, n)
        ``M[i, j]``: payoff of strategy ``i`` against strategy ``j``.
    x0 : array_like, shape (n,), optional
        Initial shares; default uniform.
    horizon : float
        Length of the first run in units of ``1 / s`` (default 2000).
    max_horizon : float
        Longest run, in the same units, when the shares have not settled (default 200000).
    points : int
        Number of recorded time points (geometrically spaced after 0).
    tol : float
        Convergence threshold on ``max |dx/dt| / s`` at the end.
    method : {"nashpy", "log"}
        Integrator (see :func:`replicator_trajectory`). If nashpy's odeint
        leaves the simplex (a share below ``-1e-6`` or a sum off by more than
        ``1e-6``), the run is repeated with ``"log"`` and ``method`` records it.

    Returns
    -------
    ReplicatorOutcome
    """
    M = _payoff_matrix(payoff_matrix)
    n = M.shape[0]
    x = _initial_shares(x0, n)
    if not 0 < horizon <= max_horizon or points < 2:
        raise BindingSimError(
            f"replicator horizon = {horizon!r}, max_horizon = {max_horizon!r}, points = "
            f"{points!r}: need 0 < horizon <= max_horizon and points >= 2"
        )
    spread = float(M.max() - M.min())
    if spread == 0.0:
        times = np.array([0.0, 1.0])
        return ReplicatorOutcome(x, times, np.stack([x, x]), True, 0.0, method)
    if not math.isfinite(max_horizon / spread):
        # A spread near the smallest float (times in units of 1/s overflow): the dynamics
        # only depend on payoff differences and on time in units of 1/s, so integrate the
        # matrix shifted and scaled to spread 1; times are then reported in that unit.
        M = (M - M.min()) / spread
        spread = 1.0
    used = method
    parts_t: list[FloatArray] = []
    parts_x: list[FloatArray] = []
    start, length = 0.0, horizon / spread
    while True:
        times = start + np.concatenate([[0.0], np.geomspace(length * 1e-4, length, points - 1)])
        traj = replicator_trajectory(M, x, times - start, used)
        if used == "nashpy" and (
            not np.isfinite(traj).all()
            or traj.min() < -1e-6
            or np.abs(traj.sum(axis=1) - 1.0).max() > 1e-6
        ):
            used = "log"
            traj = replicator_trajectory(M, x, times - start, used)
        traj = np.clip(traj, 0.0, None)
        traj /= traj.sum(axis=1, keepdims=True)
        parts_t.append(times if not parts_t else times[1:])
        parts_x.append(traj if not parts_x else traj[1:])
        x = traj[-1]
        speed = float(np.abs(replicator_derivative(x, M)).max() / spread)
        start = float(times[-1])
        if speed < tol or start * spread >= max_horizon * (1 - 1e-12):
            break
        length = min(9.0 * start, max_horizon / spread - start)
    return ReplicatorOutcome(
        x, np.concatenate(parts_t), np.concatenate(parts_x), speed < tol, speed, used
    )


# --------------------------------------------------------------------------- Moran process
def _game2(payoffs: npt.ArrayLike) -> FloatArray:
    G = np.asarray(payoffs, dtype=float)
    if G.shape != (2, 2) or not np.isfinite(G).all():
        raise BindingSimError(
            f"Moran payoffs must be a finite 2x2 matrix [[a, b], [c, d]], got {G.tolist()}"
        )
    return G


def _check_moran(population: int, intensity: float, fitness: str) -> None:
    if int(population) != population or population < 2:
        raise BindingSimError(f"population = {population!r}: allowed an integer >= 2")
    if fitness not in FITNESS_MAPPINGS:
        raise BindingSimError(f"fitness = {fitness!r}: allowed {', '.join(FITNESS_MAPPINGS)}")
    if not math.isfinite(intensity) or intensity < 0 or (fitness == "linear" and intensity > 1):
        allowed = "in [0, 1]" if fitness == "linear" else ">= 0"
        raise BindingSimError(f"selection intensity w = {intensity!r}: allowed {allowed}")


def moran_fitness(
    payoffs: npt.ArrayLike, population: int, intensity: float, fitness: str = "linear"
) -> tuple[FloatArray, FloatArray]:
    """Fitness of A and B players with ``i = 1, ..., N - 1`` A players (Nowak 2006, ch. 7).

    Parameters
    ----------
    payoffs : array_like, shape (2, 2)
        ``[[a, b], [c, d]]``: A against A, A against B, B against A, B against B.
    population : int
        ``N`` >= 2.
    intensity : float
        Selection intensity ``w`` (in [0, 1] for the linear mapping).
    fitness : {"linear", "exponential"}
        ``1 - w + w F`` (Nowak et al. 2004) or ``exp(w F)`` (Traulsen et al. 2006).

    Returns
    -------
    f, g : ndarray, shape (N - 1,)
        ``f[i - 1]``, ``g[i - 1]``: fitness of an A and of a B player when ``i``
        players use A.

    Raises
    ------
    BindingSimError
        When the linear mapping gives a fitness <= 0 (lower ``w`` or use the
        exponential mapping).
    """
    _check_moran(population, intensity, fitness)
    (a, b), (c, d) = _game2(payoffs)
    N = int(population)
    i = np.arange(1, N, dtype=float)
    F = (a * (i - 1) + b * (N - i)) / (N - 1)
    G = (c * i + d * (N - i - 1)) / (N - 1)
    if fitness == "exponential":
        return np.exp(intensity * F), np.exp(intensity * G)
    f = 1.0 - intensity + intensity * F
    g = 1.0 - intensity + intensity * G
    if np.any(f <= 0) or np.any(g <= 0):
        raise BindingSimError(
            f"selection intensity w = {intensity:g}: the linear fitness 1 - w + w*payoff is not "
            "positive for these payoffs; allowed a smaller w or fitness = 'exponential'"
        )
    return f, g


def fixation_probability(
    payoffs: npt.ArrayLike,
    population: int,
    intensity: float,
    *,
    mutants: int = 1,
    fitness: str = "linear",
) -> float:
    r"""Exact probability that ``mutants`` A players take over a population of B (Nowak 2006, chs. 6-7).

    .. math::

       \rho_m = \frac{1 + \sum_{j=1}^{m-1} \prod_{i=1}^{j} g_i/f_i}
                     {1 + \sum_{j=1}^{N-1} \prod_{i=1}^{j} g_i/f_i}

    with ``f_i, g_i`` from :func:`moran_fitness`; ``rho_1 = 1/N`` exactly
    under neutral selection. Products are taken as sums of logarithms, so
    large populations and strong selection neither overflow nor underflow
    silently (a sum that overflows gives ``rho = 0``, its limit).
    """
    f, g = moran_fitness(payoffs, population, intensity, fitness)
    N = int(population)
    if int(mutants) != mutants or not 0 <= mutants <= N:
        raise BindingSimError(f"mutants = {mutants!r}: allowed an integer in [0, {N}]")
    m = int(mutants)
    if m == 0:
        return 0.0
    if m == N:
        return 1.0
    with np.errstate(over="ignore"):  # an overflowing sum is handled below (rho -> 0)
        prods = np.exp(np.cumsum(np.log(g) - np.log(f)))
        num = 1.0 + float(prods[: m - 1].sum())
        den = 1.0 + float(prods.sum())
    if math.isinf(den):
        return 0.0 if math.isfinite(num) else _ratio_of_logsums(f, g, m)
    return num / den


def _ratio_of_logsums(f: FloatArray, g: FloatArray, m: int) -> float:
    # Both sums overflow: compare them on the log scale.
    logs = np.concatenate([[0.0], np.cumsum(np.log(g) - np.log(f))])
    top = np.logaddexp.reduce(logs[:m])
    bottom = np.logaddexp.reduce(logs)
    return float(np.exp(top - bottom))


def fixation_probabilities(
    payoff_matrix: npt.ArrayLike,
    population: int,
    intensity: float,
    fitness: str = "linear",
) -> FloatArray:
    """Pairwise fixation probabilities of a single mutant, ``rho[i, j]`` (i invades j).

    ``rho[i, j]`` is :func:`fixation_probability` of one ``i`` player in a
    population of ``j`` players, on the 2x2 game ``M[[i, j]][:, [i, j]]``;
    the diagonal is ``1/N`` (a mutant identical to the residents is neutral).
    Compare with ``1/N``: ``rho[i, j] > 1/N`` means selection favours ``i``
    replacing ``j`` (Nowak et al. 2004).
    """
    M = _payoff_matrix(payoff_matrix)
    n = M.shape[0]
    rho = np.full((n, n), 1.0 / int(population))
    for i in range(n):
        for j in range(n):
            if i != j:
                sub = M[np.ix_([i, j], [i, j])]
                rho[i, j] = fixation_probability(sub, population, intensity, fitness=fitness)
    return rho


@dataclass(frozen=True)
class MoranOutcome:
    """Result of :func:`simulate_moran`.

    Attributes
    ----------
    population, mutants, reps : int
        ``N``, the initial number of A players and the number of replicates.
    fixations : int
        Replicates in which A took over the population.
    share : float
        ``fixations / reps``, the simulated fixation probability.
    ci : tuple of float
        Wilson 95% interval of ``share`` (:func:`binding_sim.dynamics.outcomes.wilson_interval`).
    exact : float
        The closed form :func:`fixation_probability` for the same process.
    mean_jumps : float
        Mean number of population changes (jumps) until absorption.
    seed : int
        Root seed of the random streams (docs/model.md section 11).
    """

    population: int
    mutants: int
    reps: int
    fixations: int
    share: float
    ci: tuple[float, float]
    exact: float
    mean_jumps: float
    seed: int


def simulate_moran(
    payoffs: npt.ArrayLike,
    population: int,
    intensity: float,
    reps: int,
    seed: int,
    *,
    mutants: int = 1,
    fitness: str = "linear",
) -> MoranOutcome:
    """Simulate the Moran process of two strategies until fixation, vectorised over replicates.

    Every replicate starts with ``mutants`` A players among ``N``. The jump
    chain of the process (Nowak 2006, ch. 6) moves from ``i`` to ``i + 1``
    with probability ``f_i / (f_i + g_i)`` and to ``i - 1`` otherwise, until
    ``i = 0`` (A lost) or ``i = N`` (A fixed). Randomness follows docs/model.md
    section 11: replicates in blocks of 8192, block ``b`` drawing from
    ``SeedSequence(seed, spawn_key=(b,))``, one uniform per replicate of
    the block at every jump (absorbed replicates included), so a
    replicate's path does not depend on how many replicates run.

    Returns
    -------
    MoranOutcome
        Fixation count, share with its Wilson 95% interval and the exact
        value it should match.
    """
    f, g = moran_fitness(payoffs, population, intensity, fitness)
    N = int(population)
    exact = fixation_probability(payoffs, N, intensity, mutants=mutants, fitness=fitness)
    if int(reps) != reps or reps < 1:
        raise BindingSimError(f"reps = {reps!r}: allowed an integer >= 1")
    m = int(mutants)
    # p_up[i] for i = 0..N (ends unused: absorbing).
    p_up = np.zeros(N + 1)
    p_up[1:N] = f / (f + g)
    fixations = 0
    jumps_total = 0
    for blk, rng in iter_block_generators(int(seed), int(reps)):
        state = np.full(blk.size, m, dtype=np.int64)
        jumps = np.zeros(blk.size, dtype=np.int64)
        active = np.flatnonzero((state > 0) & (state < N))
        while active.size:
            u = rng.random(blk.size)
            s = state[active]
            s += np.where(u[active] < p_up[s], 1, -1)
            state[active] = s
            jumps[active] += 1
            active = active[(s > 0) & (s < N)]
        fixations += int(np.count_nonzero(state == N))
        jumps_total += int(jumps.sum())
    reps = int(reps)
    return MoranOutcome(
        population=N,
        mutants=m,
        reps=reps,
        fixations=fixations,
        share=fixations / reps,
        ci=wilson_interval(fixations, reps),
        exact=exact,
        mean_jumps=jumps_total / reps,
        seed=int(seed),
    )
