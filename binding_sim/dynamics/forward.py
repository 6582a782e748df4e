r"""The forward-looking solver: value iteration on the trust grid (docs/model.md sections 13.3 to 13.6).

:func:`solve` computes, for one cell (a scenario under a protocol), the
value ``V_i^x(s, tau_A, tau_B)`` of each actor ``i`` and own type ``x`` in
every protocol state ``s`` on the uniform trust grid of
``decisions.grid_points`` points per axis (a
:class:`~binding_sim.dynamics.valuegrid.ForwardSolution`). Each actor solves
its own problem, assuming the other decides by section 3 (one-sided,
docs/model.md section 13.3):

.. math::

    Q_i^x(a; s) = \sum_{a_j} b_i(a_j \mid s) \left[ u_i^x(a, a_j; s) + \delta\, E V_i^x(s' \mid s, a, a_j) \right],
    \qquad V_i^x(s) = \max_a Q_i^x(a; s) \text{ or } \tfrac{1}{\beta_i} \ln \sum_a e^{\beta_i Q_i^x(a; s)}

(docs/model.md section 13.4; the dynamic logit of Rust 1987), with
``b_i(C) = tau_i`` and the flow utility ``u`` exactly as the round kernel
pays it: ``relative_utility(kappa(k_i, tau_i), pay_i + background_i,
pay_j + background_j)``, plus ``g_i s_X`` at ``(D, C)`` for the greedy type
(docs/model.md section 12.1). The solver reads the same compiled tables as
the kernel (:func:`binding_sim.dynamics.tables.compile_cells`), and the
transitions are those of :mod:`binding_sim.dynamics.continuation`
(perceptions, trust updates, next protocol state, absorbing binding).

Choices of this implementation (docs/model.md section 13.5):

- an *idle* grid point (nothing on the table) has no decision: ``V = Q``,
  the utility of the state's idle payment plus ``delta`` times the value
  after the trust model's no-play update (recovery or the prediction for
  turnover), with no ``ln 2 / beta`` of a choice between equal options;
- the actor's own type turnover under the Bayesian model with ``phi > 0``
  (docs/model.md section 12.3) is in the expectation:
  ``V^x(s') -> (1 - phi) V^x(s') + phi (p_i V^T(s') + (1 - p_i) V^G(s'))``;
- both types are always solved (the transitions do not depend on the
  actor's own type, so one sparse matrix serves both and the greedy column
  costs one more column of a matrix product); with ``p_i = 1`` the greedy
  type's values belong to a type that never occurs and are never read;
- the transitions of each action are one sparse matrix (CSR) of bilinear
  interpolation weights times outcome probabilities, rows and columns
  ``(s, tau_A, tau_B)`` flattened, plus a constant vector for absorbing
  binding; their rows are filled by a compiled loop (numba, rebinding the
  names of the model's formulas as the round kernel does; plain Python
  without numba) over the scalar functions of
  :mod:`~binding_sim.dynamics.continuation`;
- value iteration starts from ``V = 0`` and stops when the sup-norm step is
  at most ``tol (1 - delta) / delta``; each later round of the
  proposal-map loop starts from the previous round's values (the stopping
  rule bounds the error whatever the start);
- the proposal map ``X(s)`` on the grid starts as the myopic map (section 5's
  gate at the trustworthy types' myopic margins) and is recomputed from
  their forward margins ``Delta_i + delta D_i >= -1e-9`` after each solve,
  until it no longer changes.

At ``delta = 0`` the solver is never needed (forward and myopic decisions
coincide, docs/model.md section 13.4): :func:`solve` refuses it.

Solutions are cached by a content hash of what determines them
(:func:`cache_key`), in memory (bounded, oldest evicted first) and, when a
cache folder is given, on disk as ``<key>.npz`` (written atomically, read
without pickles; a file that does not read back as a solution of the right
shape is solved again).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..config.scenario import Scenario
from ..errors import BindingSimError, one_line
from ..limits import check_memory
from ..model import margins, payoffs
from ..model.margins import TOL
from . import continuation as cont
from . import kernel, valuegrid
from .protocols import BIND
from .tables import Tables, compile_cells
from .valuegrid import ForwardSolution

__all__ = [
    "CACHE_BYTES",
    "SOLVER_VERSION",
    "ActorProblem",
    "ForwardSolverError",
    "accepted_at_start",
    "actor_problems",
    "cache_key",
    "clear_cache",
    "forward_k_star",
    "forward_margin",
    "forward_threshold",
    "solve",
]

SOLVER_VERSION = "2"
"""Part of every cache key: bump it when a change of the solver changes its numbers."""

CACHE_BYTES = 1024**3
"""Bound of the in-memory cache (bytes of solved values); the oldest solutions go first."""

WIDTH_COMPLY = 24
"""Most transition entries of one row for ``C``: 6 perception outcomes x 4 interpolation nodes."""

WIDTH_DEFECT = 12
"""Most transition entries of one row for ``D``: 3 perception outcomes x 4 nodes."""


class ForwardSolverError(BindingSimError):
    """The forward solver did not converge (value iteration or the proposal-map loop); exit status 2."""


# ----------------------------------------------------------------------------- compiled loops
# The loops below call the continuation module's functions and the model's formulas by
# name; plain Python uses these bindings, the numba back end rebinds every name to a
# compiled version of the same source (see _functions).
grid_cell = valuegrid.grid_cell
outcome = cont.outcome
next_trust = cont.next_trust
outcome_value = cont.outcome_value
continuation = cont.continuation
kappa = payoffs.kappa
relative_utility = payoffs.relative_utility
margin_value = margins.margin_value


def add_nodes(
    cols: Any, wts: Any, cnt: Any, r: int, base: int, n: int, ta: float, tb: float, weight: float
) -> None:
    """Append the bilinear interpolation nodes of ``(ta, tb)`` in the state starting at column ``base``.

    The weights are :func:`~binding_sim.dynamics.valuegrid.interpolate`'s,
    times ``weight``; zero weights are skipped.
    """
    ia, wa = grid_cell(ta, n)
    ib, wb = grid_cell(tb, n)
    for da in range(2):
        fa = wa if da == 1 else 1.0 - wa
        for db in range(2):
            fb = wb if db == 1 else 1.0 - wb
            w = fa * fb * weight
            if w != 0.0:
                k = cnt[r]
                cols[r, k] = base + (ia + da) * n + ib + db
                wts[r, k] = w
                cnt[r] = k + 1


def fill_rows(
    tab: Tables,
    c: int,
    i: int,
    n: int,
    tabled: Any,
    delta: float,
    dummy: Any,
    cols_c: Any,
    wts_c: Any,
    cnt_c: Any,
    const_c: Any,
    cols_d: Any,
    wts_d: Any,
    cnt_d: Any,
    const_d: Any,
    rew: Any,
    idle: Any,
) -> None:
    """Fill actor ``i``'s transition rows and flow utilities at every grid point (docs/model.md section 13.4).

    Row ``r = (s n + a) n + b`` is the grid point ``(s, a / (n - 1), b / (n - 1))``
    with offer ``tabled[s, a, b]`` on the table (``-1``: idle). For each action
    (``_c``: comply, ``_d``: defect) the columns and weights of the row's
    transitions (``b_i(a_j)`` times the outcome's probability times the
    interpolation weight), their count, and the constant of absorbing binding
    (``b_i(a_j)`` times the probability times the bound value);
    ``rew[r, a, x]`` the expected flow utility of action ``a`` for type ``x``;
    ``idle[r]`` whether nothing is on the table.
    """
    S = tabled.shape[0]
    j = 1 - i
    k_i = tab.k[i, c]
    greed = tab.greed[i, c]
    for s in range(S):
        for a in range(n):
            for b in range(n):
                r = (s * n + a) * n + b
                tau_a = a / (n - 1)
                tau_b = b / (n - 1)
                tau_i = tau_a if i == 0 else tau_b
                tau_j = tau_b if i == 0 else tau_a
                kap = kappa(k_i, tau_i)
                q = tabled[s, a, b]
                if q < 0:
                    idle[r] = True
                    u = relative_utility(kap, tab.idle_pay[c, s, i], tab.idle_pay[c, s, j])
                    for x in range(2):
                        rew[r, 0, x] = u
                        rew[r, 1, x] = u
                    ta = next_trust(tab, c, s, 0, 0, tau_a, tau_b, False, False)
                    tb = next_trust(tab, c, s, 0, 1, tau_b, tau_a, False, False)
                    add_nodes(cols_c, wts_c, cnt_c, r, s * n * n, n, ta, tb, 1.0)
                    add_nodes(cols_d, wts_d, cnt_d, r, s * n * n, n, ta, tb, 1.0)
                    continue
                idle[r] = False
                bg_i = tab.background[c, s, q, i]
                bg_j = tab.background[c, s, q, j]
                gs = greed * tab.scope[c, s, q]
                # each actor's next trust depends only on what it perceived: two values each
                ti_seen = next_trust(tab, c, s, q, i, tau_i, tau_j, True, True)
                ti_not = next_trust(tab, c, s, q, i, tau_i, tau_j, False, True)
                tj_seen = next_trust(tab, c, s, q, j, tau_j, tau_i, True, True)
                tj_not = next_trust(tab, c, s, q, j, tau_j, tau_i, False, True)
                for a_i in range(2):
                    r_t = 0.0
                    r_g = 0.0
                    for a_j in range(2):
                        bel = tau_i if a_j == 0 else 1.0 - tau_i
                        u = relative_utility(
                            kap,
                            tab.pay[c, s, q, i, 2 * a_i + a_j] + bg_i,
                            tab.pay[c, s, q, j, 2 * a_j + a_i] + bg_j,
                        )
                        r_t += bel * u
                        r_g += bel * (u + gs) if (a_i == 1 and a_j == 0) else bel * u
                        if bel == 0.0:
                            continue
                        for kk in range(4):
                            prob, nxt, seen_i, seen_j = outcome(tab, c, s, q, i, a_i, a_j, kk)
                            if prob <= 0.0:
                                continue
                            ti = ti_seen if seen_i else ti_not
                            tj = tj_seen if seen_j else tj_not
                            ta = ti if i == 0 else tj
                            tb = tj if i == 0 else ti
                            w = bel * prob
                            if nxt == BIND:
                                v = outcome_value(tab, dummy, c, i, 0, nxt, ta, tb, delta)
                                if a_i == 0:
                                    const_c[r] += w * v
                                else:
                                    const_d[r] += w * v
                            elif a_i == 0:
                                add_nodes(cols_c, wts_c, cnt_c, r, nxt * n * n, n, ta, tb, w)
                            else:
                                add_nodes(cols_d, wts_d, cnt_d, r, nxt * n * n, n, ta, tb, w)
                    rew[r, a_i, 0] = r_t
                    rew[r, a_i, 1] = r_g


def proposal_map(
    tab: Tables, c: int, n: int, values: Any, delta: float, forward: bool, out: Any
) -> None:
    """``X(s)`` at every grid point: the first offer ungated or accepted by both trustworthy types.

    Section 5's gate (docs/model.md section 13.3): with ``forward`` the margins
    are the forward margins ``Delta_i + delta D_i`` (:func:`~binding_sim.dynamics.continuation.continuation`
    of ``values``), otherwise the myopic ``Delta_i``; accepted iff ``>= -1e-9``.
    ``out[s, a, b]`` is the offer's priority, ``-1`` for nothing.
    """
    S = out.shape[0]
    for s in range(S):
        for a in range(n):
            for b in range(n):
                tau_a = a / (n - 1)
                tau_b = b / (n - 1)
                tabled = -1
                for q in range(tab.n_offers[c, s]):
                    if not tab.gated[c, s, q]:
                        tabled = q
                        break
                    ok = True
                    for i in range(2):
                        tau_i = tau_a if i == 0 else tau_b
                        d = margin_value(
                            tab.coef[c, s, q, i, 0],
                            tab.coef[c, s, q, i, 1],
                            tab.coef[c, s, q, i, 2],
                            tau_i,
                        )
                        if forward:
                            d += delta * continuation(
                                tab, values, c, s, q, i, 0, tau_a, tau_b, delta
                            )
                        if d < -TOL:
                            ok = False
                            break
                    if ok:
                        tabled = q
                        break
                out[s, a, b] = tabled


_LOOPS = ("add_nodes", "fill_rows", "proposal_map")
"""This module's compiled loops, callees first."""

_INLINE = ("next_trust", "outcome", "outcome_value")
"""Functions of :mod:`~binding_sim.dynamics.continuation` compiled inline (they read ``Tables``)."""

_FUNCTIONS: dict[str, Callable[..., Any]] | None = None


def _compile_all() -> dict[str, Callable[..., Any]]:
    """The loops compiled by numba, every name they call rebound to its compiled version.

    The model's formulas are the round kernel's compiled ones
    (:func:`binding_sim.dynamics.kernel.kernel_functions`), so they are
    compiled (and their on-disk cache checked for staleness) once.
    """
    import numba

    kernel.kernel_functions("numba")
    compiled: dict[str, Any] = {name: getattr(kernel, name) for name in kernel._FORMULAS}
    _drop_stale_cache()
    for name in ("grid_cell", "interpolate"):
        fn = getattr(valuegrid, name)
        compiled[name] = numba.njit(cache=True, nogil=True)(kernel._with_callees(fn, compiled))
    # the functions reading fields of Tables are inlined into their callers, as in the
    # round kernel; the scalar ones and the two entry points are ordinary calls
    for name in cont.FUNCTIONS:
        fn = kernel._with_callees(getattr(cont, name), compiled)
        options: dict[str, Any] = {"cache": True, "nogil": True}
        options["inline"] = "always" if name in _INLINE else "never"
        compiled[name] = numba.njit(**options)(fn)
    for name in _LOOPS:
        fn = kernel._with_callees(globals()[name], compiled)
        options = {"cache": True, "nogil": True}
        options["inline"] = "always" if name == "add_nodes" else "never"
        compiled[name] = numba.njit(**options)(fn)
    return {name: compiled[name] for name in _LOOPS}


def _drop_stale_cache() -> None:
    """Delete numba cache files of this module, the continuation and the grid older than a source they use.

    numba keys a cached function on its own file only (see the round
    kernel's ``_drop_stale_cache``, which covers the formulas).
    """
    try:
        own = [Path(m.__file__).resolve() for m in (cont, valuegrid)]  # type: ignore[arg-type]
        own.append(Path(__file__).resolve())
        deps = [Path(m.__file__).resolve() for m in kernel._CACHED_MODULES]  # type: ignore[arg-type]
        newest = max(f.stat().st_mtime for f in [*own, *deps])
        for src in own:
            for f in (src.parent / "__pycache__").glob(f"{src.stem}.*.nb[ci]"):
                if f.stat().st_mtime < newest:
                    f.unlink()
    except OSError:
        pass


def _python_loops() -> dict[str, Callable[..., Any]]:
    """The loops as plain Python (no numba): slow, for machines without it."""

    def quiet(fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            with np.errstate(all="ignore"):
                return fn(*args)

        return run

    return {name: quiet(globals()[name]) for name in _LOOPS}


def _loops() -> dict[str, Callable[..., Any]]:
    global _FUNCTIONS
    if _FUNCTIONS is None:
        _FUNCTIONS = _compile_all() if kernel.numba_available() else _python_loops()
    return _FUNCTIONS


# ----------------------------------------------------------------------------- the problem
@dataclass
class ActorProblem:
    """One actor's Bellman operator on the grid at a fixed proposal map (docs/model.md section 13.4).

    Values are arrays ``(2, S, N, N)``: own type (0 trustworthy, 1 greedy),
    protocol state, ``tau_A`` index, ``tau_B`` index.

    Attributes
    ----------
    actor : int
    delta, beta : float
        Discount factor and the actor's decision precision (``beta_inf``: infinite).
    beta_inf : bool
    shape : tuple of int
        ``(S, N, N)``.
    comply, defect : scipy.sparse.csr_matrix
        Expected next value per unit value: ``E V(s' | a) = M_a V + const_a``.
    const_comply, const_defect : float array (S N N,)
        The absorbing value of binding, weighted by its probability.
    rewards : float array (S N N, 2, 2)
        Expected flow utility ``[row, action, type]``.
    idle : bool array (S N N,)
        Grid points with nothing on the table (no decision: ``V = Q``).
    mix : float array (2, 2)
        Own type turnover: the next value of type ``x`` is ``sum_y mix[x, y] V^y``.
    """

    actor: int
    delta: float
    beta: float
    beta_inf: bool
    shape: tuple[int, int, int]
    comply: sp.csr_matrix
    defect: sp.csr_matrix
    const_comply: np.ndarray
    const_defect: np.ndarray
    rewards: np.ndarray
    idle: np.ndarray
    mix: np.ndarray

    @property
    def nonzeros(self) -> int:
        """Stored entries of both transition matrices."""
        return int(self.comply.nnz + self.defect.nnz)

    def q_values(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``Q(C)`` and ``Q(D)`` as flat ``(S N N, 2)`` arrays for values ``(2, S, N, N)``."""
        flat = values.reshape(2, -1).T
        nxt = flat @ self.mix.T if self.mix is not None else flat
        qc = self.rewards[:, 0, :] + self.delta * (self.comply @ nxt + self.const_comply[:, None])
        qd = self.rewards[:, 1, :] + self.delta * (self.defect @ nxt + self.const_defect[:, None])
        return qc, qd

    def apply(self, values: np.ndarray) -> np.ndarray:
        """The Bellman operator ``T V`` (docs/model.md section 13.4), shape ``(2, S, N, N)``.

        ``max(Q(C), Q(D))`` at ``beta = inf``; otherwise the log-sum-exp
        ``m + ln(1 + exp(-beta |Q(C) - Q(D)|)) / beta`` with ``m`` the larger
        (stable); ``Q`` itself at idle grid points.
        """
        qc, qd = self.q_values(values)
        top = np.maximum(qc, qd)
        if self.beta_inf:
            new = top
        else:
            new = top + np.log1p(np.exp(-self.beta * np.abs(qc - qd))) / self.beta
        new[self.idle] = qc[self.idle]
        return np.ascontiguousarray(new.T).reshape(2, *self.shape)

    def iterate(
        self, start: np.ndarray, tol: float, max_iterations: int
    ) -> tuple[np.ndarray, int, float]:
        """Value iteration from ``start`` until the step is ``<= tol (1 - delta) / delta``.

        Returns ``(values, sweeps, last step)``; ``sweeps = max_iterations + 1``
        signals no convergence (the caller raises).
        """
        threshold = tol * (1.0 - self.delta) / self.delta
        values = start
        step = math.inf
        for sweep in range(1, max_iterations + 1):
            new = self.apply(values)
            step = float(np.max(np.abs(new - values)))
            values = new
            if step <= threshold:
                return values, sweep, step
        return values, max_iterations + 1, step


def _estimate_bytes(rows: int) -> int:
    """Upper bound of the memory of one actor's problem (fixed-width rows, then CSR)."""
    width = WIDTH_COMPLY + WIDTH_DEFECT
    per_row = width * (8 + 8) * 2 + 8 * (2 * 2 + 2 + 4 + 2 * 2 * 3)
    return rows * per_row


def _build(tab: Tables, tabled: np.ndarray, i: int, delta: float) -> ActorProblem:
    """Actor ``i``'s :class:`ActorProblem` of cell 0 of ``tab`` at proposal map ``tabled``."""
    S, n, _ = tabled.shape
    rows = S * n * n
    cols_c = np.zeros((rows, WIDTH_COMPLY), np.int64)
    wts_c = np.zeros((rows, WIDTH_COMPLY))
    cols_d = np.zeros((rows, WIDTH_DEFECT), np.int64)
    wts_d = np.zeros((rows, WIDTH_DEFECT))
    cnt_c = np.zeros(rows, np.int64)
    cnt_d = np.zeros(rows, np.int64)
    const_c = np.zeros(rows)
    const_d = np.zeros(rows)
    rewards = np.zeros((rows, 2, 2))
    idle = np.zeros(rows, np.bool_)
    dummy = np.zeros((2, 2, 1, 2, 2))
    _loops()["fill_rows"](
        tab, 0, i, n, tabled, delta, dummy, cols_c, wts_c, cnt_c, const_c,
        cols_d, wts_d, cnt_d, const_d, rewards, idle,
    )  # fmt: skip

    def csr(cols: np.ndarray, wts: np.ndarray, cnt: np.ndarray) -> sp.csr_matrix:
        keep = np.arange(cols.shape[1])[None, :] < cnt[:, None]
        indptr = np.concatenate(([0], np.cumsum(cnt)))
        m = sp.csr_matrix((wts[keep], cols[keep], indptr), shape=(rows, rows))
        m.sum_duplicates()
        return m

    beta = float(tab.beta[i, 0])
    binf = bool(tab.binf[i, 0])
    mix = np.eye(2)
    phi = float(tab.phi[0])
    if int(tab.model[0]) == cont.BAYESIAN and phi > 0.0:
        p = float(tab.p[i, 0])
        mix = (1.0 - phi) * np.eye(2) + phi * np.array([[p, 1.0 - p], [p, 1.0 - p]])
    return ActorProblem(
        actor=i,
        delta=delta,
        beta=beta,
        beta_inf=binf,
        shape=(S, n, n),
        comply=csr(cols_c, wts_c, cnt_c),
        defect=csr(cols_d, wts_d, cnt_d),
        const_comply=const_c,
        const_defect=const_d,
        rewards=rewards,
        idle=idle,
        mix=mix,
    )


def _check_delta(scenario: Scenario) -> float:
    delta = float(scenario.discount_factor)
    if not 0.0 < delta < 1.0:
        raise BindingSimError(
            one_line(
                f"{scenario.source or scenario.name}: scenario.discount_factor = {delta!r}: the "
                "forward solver needs 0 < delta < 1 (at delta = 0 forward decisions are the myopic "
                "ones and nothing is solved; docs/model.md section 13.4)"
            )
        )
    return delta


def _tables(scenario: Scenario, protocol: str) -> Tables:
    return compile_cells([scenario], protocol, horizon=1).arrays


def _myopic_map(tab: Tables, n: int) -> np.ndarray:
    S = int(tab.n_offers.shape[1])
    out = np.zeros((S, n, n), np.int64)
    dummy = np.zeros((2, 2, S, n, n))
    _loops()["proposal_map"](tab, 0, n, dummy, 0.0, False, out)
    return out


def actor_problems(
    scenario: Scenario, protocol: str, tabled: np.ndarray | None = None
) -> tuple[ActorProblem, ActorProblem]:
    """Both actors' Bellman operators at the proposal map ``tabled`` (default: the myopic map).

    For inspection and tests (docs/model.md section 13.5's contraction).
    """
    delta = _check_delta(scenario)
    tab = _tables(scenario, protocol)
    n = scenario.decisions.grid_points
    if tabled is None:
        tabled = _myopic_map(tab, n)
    rows = int(tabled.size)
    check_memory(
        f"decisions.grid_points = {n}",
        2 * _estimate_bytes(rows),
        "lower decisions.grid_points",
    )
    return _build(tab, tabled, 0, delta), _build(tab, tabled, 1, delta)


# ----------------------------------------------------------------------------- solving
def _solve(scenario: Scenario, protocol: str, key: str) -> ForwardSolution:
    start = time.perf_counter()
    delta = _check_delta(scenario)
    dec = scenario.decisions
    tab = _tables(scenario, protocol)
    n = dec.grid_points
    S = int(tab.n_offers.shape[1])
    check_memory(
        f"{scenario.source or scenario.name}: decisions.grid_points = {n}",
        2 * _estimate_bytes(S * n * n) + 2 * 2 * S * n * n * 8 * 4,
        "lower decisions.grid_points",
    )
    gated = bool(
        np.any(
            tab.gated[0, :, :][np.arange(tab.gated.shape[2])[None, :] < tab.n_offers[0][:, None]]
        )
    )
    tabled = _myopic_map(tab, n)
    values = np.zeros((2, 2, S, n, n))
    sweeps = 0
    residual = 0.0
    rounds = 0
    seen: list[np.ndarray] = [tabled]
    cycle_states = 0
    while True:
        rounds += 1
        residual = 0.0
        for i in range(2):
            problem = _build(tab, tabled, i, delta)
            v, done, step = problem.iterate(values[i], dec.tolerance, dec.max_iterations)
            if done > dec.max_iterations:
                raise ForwardSolverError(
                    one_line(
                        f"{scenario.source or scenario.name}: decisions.max_iterations = "
                        f"{dec.max_iterations}: value iteration of actor "
                        f"{scenario.actor_names[i]!r} did not converge (residual {step:.3g} > "
                        f"{dec.tolerance * (1 - delta) / delta:.3g}); raise "
                        "decisions.max_iterations, or raise decisions.tolerance or lower "
                        "scenario.discount_factor"
                    )
                )
            values[i] = v
            sweeps += done
            residual = max(residual, step)
        if not gated or cycle_states:
            break
        new = np.zeros_like(tabled)
        _loops()["proposal_map"](tab, 0, n, values, delta, True, new)
        if np.array_equal(new, tabled):
            break
        earlier = next((i for i, old in enumerate(seen) if np.array_equal(old, new)), None)
        if earlier is not None and dec.cycles == "union":
            tabled, cycle_states = union_of_cycle(seen[earlier:])
            continue
        if rounds >= dec.fixed_point_max:
            raise ForwardSolverError(_flip_message(scenario, tabled, new, rounds))
        tabled = new
        seen.append(new)
    values.setflags(write=False)
    tabled.setflags(write=False)
    return ForwardSolution(
        values=values,
        tabled=tabled,
        delta=delta,
        iterations=sweeps,
        residual=residual,
        outer_rounds=rounds,
        seconds=time.perf_counter() - start,
        key=key,
        cycle_states=cycle_states,
    )


def union_of_cycle(maps: list[np.ndarray]) -> tuple[np.ndarray, int]:
    """The union of the proposal maps of a cycle, and how many grid states flip in it.

    ``decisions.cycles = "union"`` (docs/model.md section 13.5): at each grid
    state the offer on the table is the highest-priority offer (the
    smallest priority) that any map of the cycle tables there, ``-1`` if
    none does. The states where the maps of the cycle differ are counted and
    reported with the solution.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.array([[-1, 0], [1, -1]]), np.array([[0, 0], [-1, -1]])
    >>> m, flips = union_of_cycle([a, b])
    >>> m.tolist(), flips
    ([[0, 0], [1, -1]], 2)
    """
    stack = np.stack(maps)
    offered = np.where(stack >= 0, stack, np.iinfo(np.int64).max)
    union = offered.min(axis=0)
    union = np.where(union == np.iinfo(np.int64).max, -1, union).astype(np.int64)
    flips = int(np.count_nonzero(np.any(stack != stack[0], axis=0)))
    return union, flips


def _flip_message(scenario: Scenario, old: np.ndarray, new: np.ndarray, rounds: int) -> str:
    n = old.shape[-1]
    flips = np.argwhere(old != new)
    shown = ", ".join(
        f"(s={s}, tau_A={a / (n - 1):.4g}, tau_B={b / (n - 1):.4g})" for s, a, b in flips[:3]
    )
    more = f" and {len(flips) - 3} more" if len(flips) > 3 else ""
    return one_line(
        f"{scenario.source or scenario.name}: decisions.fixed_point_max = "
        f"{scenario.decisions.fixed_point_max}: the proposal map has not settled after {rounds} "
        f"rounds (docs/model.md section 13.5); the offer on the table still flips at {shown}{more}; "
        'raise decisions.fixed_point_max, set decisions.cycles = "union" to solve under the '
        "union of a cycle's maps, or change decisions.grid_points or the payoffs near these states"
    )


# ----------------------------------------------------------------------------- cache
_CACHE: OrderedDict[str, ForwardSolution] = OrderedDict()


def cache_key(scenario: Scenario, protocol: str) -> str:
    """Content hash of what determines the solution (docs/model.md section 13.5).

    The resolved scenario (:meth:`~binding_sim.config.scenario.Scenario.to_dict`)
    without its name, description, horizon and ``[ladder_design]`` (none of
    which enters the solution), the protocol and :data:`SOLVER_VERSION`.
    """
    data = scenario.to_dict()
    head = dict(data.get("scenario", {}))
    for name in ("name", "description", "horizon"):
        head.pop(name, None)
    data["scenario"] = head
    data.pop("ladder_design", None)
    text = json.dumps(
        {"scenario": data, "protocol": protocol, "solver": SOLVER_VERSION},
        sort_keys=True,
        default=repr,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def clear_cache() -> None:
    """Forget every solution held in memory (the disk cache is left alone)."""
    _CACHE.clear()


def _remember(key: str, solution: ForwardSolution) -> None:
    _CACHE[key] = solution
    _CACHE.move_to_end(key)
    total = sum(s.values.nbytes + s.tabled.nbytes for s in _CACHE.values())
    while total > CACHE_BYTES and len(_CACHE) > 1:
        _, old = _CACHE.popitem(last=False)
        total -= old.values.nbytes + old.tabled.nbytes


def _disk_path(cache_dir: str | os.PathLike[str], key: str) -> Path:
    return Path(cache_dir) / f"{key}.npz"


def _read_disk(path: Path, key: str, shape: tuple[int, ...]) -> ForwardSolution | None:
    """The solution stored at ``path``, or ``None`` if absent or not a valid solution of ``shape``."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            values = np.array(data["values"], dtype=float)
            tabled = np.array(data["tabled"], dtype=np.int64)
            meta = np.array(data["meta"], dtype=float)
            stored = str(data["key"][()])
    except (OSError, ValueError, KeyError, EOFError, TypeError, IndexError):
        return None
    if (
        stored != key
        or values.shape != shape
        or tabled.shape != shape[2:]
        or meta.shape != (6,)
        or not np.all(np.isfinite(values))
        or not np.all(np.isfinite(meta))
    ):
        return None
    values.setflags(write=False)
    tabled.setflags(write=False)
    return ForwardSolution(
        values=values,
        tabled=tabled,
        delta=float(meta[0]),
        iterations=int(meta[1]),
        residual=float(meta[2]),
        outer_rounds=int(meta[3]),
        seconds=float(meta[4]),
        key=key,
        cycle_states=int(meta[5]),
    )


def _write_disk(path: Path, solution: ForwardSolution) -> None:
    """Write ``solution`` to ``path`` atomically (a temporary file in the same folder, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = np.array(
        [
            solution.delta,
            solution.iterations,
            solution.residual,
            solution.outer_rounds,
            solution.seconds,
            solution.cycle_states,
        ]
    )
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(
                fh,
                values=solution.values,
                tabled=solution.tabled,
                meta=meta,
                key=np.array(solution.key),
            )
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def solve(
    scenario: Scenario, protocol: str, cache_dir: str | os.PathLike[str] | None = None
) -> ForwardSolution:
    """Solve both actors' forward-looking problems of one cell (docs/model.md sections 13.4, 13.5).

    Parameters
    ----------
    scenario : Scenario
        The cell; its ``decisions`` give the grid, tolerance and limits,
        ``discount_factor`` is ``delta`` (``0 < delta < 1``).
    protocol : str
        ``"formal"`` or ``"piecemeal"``.
    cache_dir : path, optional
        Also keep solutions on disk, as ``<cache_dir>/<key>.npz``.

    Returns
    -------
    ForwardSolution
        The same object for every call with equal content in this process
        (the in-memory cache), read-only arrays.

    Raises
    ------
    BindingSimError
        ``delta`` outside (0, 1); the problem too large for memory
        (:class:`~binding_sim.limits.MemoryLimitError`).
    ForwardSolverError
        Value iteration did not converge within ``decisions.max_iterations``
        sweeps, or the proposal map did not settle within
        ``decisions.fixed_point_max`` rounds (one line naming the key).
    """
    _check_delta(scenario)
    key = cache_key(scenario, protocol)
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    path = _disk_path(cache_dir, key) if cache_dir is not None else None
    solution = None
    if path is not None:
        S = int(_tables(scenario, protocol).n_offers.shape[1])
        n = scenario.decisions.grid_points
        solution = _read_disk(path, key, (2, 2, S, n, n))
    if solution is None:
        solution = _solve(scenario, protocol, key)
        if path is not None:
            _write_disk(path, solution)
    _remember(key, solution)
    return solution


# ----------------------------------------------------------------------------- margins
def forward_margin(
    solution: ForwardSolution,
    tab: Tables,
    s: int,
    q: int,
    i: int,
    tau_a: float,
    tau_b: float,
    x: int = 0,
) -> float:
    """``Delta_i + delta D_i`` of offer ``q`` of state ``s`` at ``(tau_A, tau_B)`` (docs/model.md section 13.4).

    ``Delta_i`` is the exact myopic margin (``tab.coef`` of cell 0); for the
    greedy type (``x = 1``) it loses ``tau_i g_i s_X`` (docs/model.md section
    12.1). ``D_i`` is :func:`~binding_sim.dynamics.continuation.continuation`
    of the solved values, as plain Python.
    """
    tau_i = tau_a if i == 0 else tau_b
    c2, c1, c0 = (float(v) for v in tab.coef[0, s, q, i])
    d = float(margins.margin_value(c2, c1, c0, tau_i))
    if x == 1:
        d -= tau_i * float(tab.greed[i, 0]) * float(tab.scope[0, s, q])
    return d + solution.delta * float(
        cont.continuation(tab, solution.values, 0, s, q, i, x, tau_a, tau_b, solution.delta)
    )


def _start(scenario: Scenario) -> tuple[float, float]:
    a, b = scenario.actors
    return float(a.initial_trust), float(b.initial_trust)


def forward_threshold(
    scenario: Scenario, protocol: str, actor: int, state: int = 0, offer: int = 0
) -> float | None:
    """``tau*_{i,delta}``: section 3's threshold of the forward margin (docs/model.md section 13.6).

    Actor ``actor``'s forward margin of offer ``offer`` of protocol state
    ``state`` as a function of its own trust, the other's trust at its initial
    value: ``None`` if it is below ``-1e-9`` at full trust; otherwise, walking
    down from ``tau = 1`` over the grid's nodes (between which the
    interpolated margin is smooth), the root of ``margin + 1e-9`` in the first
    interval whose lower end is rejected (:func:`scipy.optimize.brentq`), or
    0 if none is.
    """
    from scipy.optimize import brentq

    sol = solve(scenario, protocol)
    tab = _tables(scenario, protocol)
    start = _start(scenario)

    def f(t: float) -> float:
        pair = (t, start[1]) if actor == 0 else (start[0], t)
        return forward_margin(sol, tab, state, offer, actor, pair[0], pair[1]) + TOL

    nodes = sol.grid
    if f(1.0) < 0.0:
        return None
    upper = 1.0
    for t in nodes[::-1][1:]:
        if f(float(t)) < 0.0:
            return float(brentq(f, float(t), upper, xtol=1e-14))
        upper = float(t)
    return 0.0


def accepted_at_start(scenario: Scenario, protocol: str, state: int = 0, offer: int = 0) -> bool:
    """Whether both trustworthy types' forward margins of the offer are ``>= -1e-9`` at initial trust."""
    sol = solve(scenario, protocol)
    tab = _tables(scenario, protocol)
    ta, tb = _start(scenario)
    return all(forward_margin(sol, tab, state, offer, i, ta, tb) >= -TOL for i in range(2))


def forward_k_star(scenario: Scenario, actor: int, k_max: float = 1e4) -> float | None:
    """``k*_delta`` of actor ``actor``: section 9.2's ``k*`` applied to the forward margin (docs/model.md section 13.9).

    The relative-gains sensitivity at which the actor's forward margin of the
    formal treaty at the initial trust of both is zero, the problem re-solved
    for each ``k`` (formal protocol) inside :func:`scipy.optimize.brentq`.
    ``None`` when the actor rejects the treaty even at ``k = 0``; ``inf``
    when it accepts at every ``k`` up to ``k_max``.
    """
    from scipy.optimize import brentq

    name = scenario.actors[actor].name
    ta, tb = _start(scenario)

    def f(k: float) -> float:
        sc = scenario.with_values({f"actors.{name}.relative_gains": k})
        sol = solve(sc, "formal")
        return forward_margin(sol, _tables(sc, "formal"), 0, 0, actor, ta, tb) + TOL

    if f(0.0) < 0.0:
        return None
    lo, hi = 0.0, 1.0
    while f(hi) >= 0.0:
        lo, hi = hi, 2.0 * hi
        if hi > k_max:
            return math.inf
    return float(brentq(f, lo, hi, xtol=1e-8))
