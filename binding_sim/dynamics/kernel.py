r"""The round kernel: one source for a block of rounds over cells x replicates (docs/model.md section 5).

:func:`run_rounds` plays rounds ``t_first .. t_first + n_rounds - 1`` of
every unbound replicate of every cell of a block, reading only the packed
:class:`~binding_sim.dynamics.tables.Tables` and writing the block's
per-replicate state (:class:`BlockState`). Each round follows docs/model.md
section 5:

1. what is on the table: the offers of the replicate's protocol state in
   priority order; the first that is ungated, or gated and accepted by both
   (``Delta_i(tau_i) >= -1e-9``, :func:`binding_sim.model.margins.margin_value`),
   is tabled; none: an idle round. The gate uses the trustworthy types'
   margins at the current trust: the proposer does not see types
   (docs/model.md section 12.1);
2. decisions, by each actor's actual type: actor ``i`` complies with
   probability ``1 / (1 + exp(-beta_i Delta_i))`` (``beta = inf``: iff
   ``Delta_i >= -1e-9``; :func:`binding_sim.model.decisions.logit_choice`),
   where a greedy type's margin is ``Delta_i - tau_i g_i s_X``
   (:func:`binding_sim.model.types.greedy_margin`);
3. observation: ``i`` misreads a compliance of the other as a defection
   (an incident) with probability ``epsilon_i (1 - m)``, ``m`` the state's
   transparency;
4. trust update then recovery (:func:`trust_update`, dispatching on the
   trust model's id; both actors' updates read the start-of-round trust);
   under the bayesian model, type turnover: actor ``i``'s type is redrawn
   iff ``u1 < phi`` and is then trustworthy iff ``u2 < p_i``
   (docs/model.md section 12.3);
5. payments: the stage payoff plus the offer's background (``R`` of
   implemented rungs not on the table), or the state's idle payment;
   relative-gains utility (:func:`binding_sim.model.payoffs.relative_utility`)
   with ``kappa`` at the start-of-round trust; discount ``delta^(t-1)``;
   On a unilateral offer (docs/model.md section 15.1) the mover decides on
   its margin (the bilateral game with ``T_M = P_M``, ``S_N = P_N``), the
   responder after seeing the move: after an extension on ``r_N`` (its
   margin coefficients, a greedy type on ``r_N - g s_X``), after a
   withholding it plays D. The responder sees the move without error (no
   incident, and ``m = 1`` in its Bayesian likelihood); after a withholding
   the mover observes nothing (its trust only recovers or is predicted, as
   in an idle round), and the responder's forced D is no actual defection
   (no mutual defection is counted; the withholding is the setback's and
   breaking's defection);
6. state change: mutual compliance moves to the offer's ``on_comply`` state
   or binds (then every remaining round pays ``R_F``, with ``kappa`` at the
   trust after the binding round, added in one step); an actual defection
   to its ``on_defect`` state.

Power (docs/model.md section 14), in cells that have it, adds four
separate steps: (a) at the start of a round, the sensitivity derived from
the current share of power (:func:`binding_sim.model.power.derived_sensitivity`,
both actors' ``k``, the margins from ``coef + k coef_k``); (b) after the
decisions, the war check of section 14.3 (the expected shift under the
trustworthy types' decision probabilities,
:func:`~binding_sim.model.power.expected_payment_difference`,
:func:`~binding_sim.model.power.shift_power`,
:func:`~binding_sim.model.power.war_initiator`): at war the moves are not
played, every remaining round pays
:func:`~binding_sim.model.power.war_payment` (added in one step, like the
bound tail) and the whole state is frozen; (c) at the state change, the
law of motion with the round's absolute payments, also in the round that
binds (the bound tail's relative-gains utility then uses ``k`` at the new
share: the state frozen after binding). A call in which no cell has power
runs a version without these steps (``powered_flag``, see
:func:`run_rounds`).
Forward-looking cells (``tab.forward[c]``, docs/model.md section 13.4):
in steps 1 and 2 each margin ``Delta_i`` (computed exactly at the actual
trust, as above) gains ``delta D_i``, the continuation term of
:func:`~binding_sim.dynamics.continuation.continuation` read from the cell's
solved value function (``tab.values[c]``, bilinear interpolation at the
exact next states): the gate uses the trustworthy type's forward margin, a
decision the actor's own type's. What each actor *reads* from the other's
move under the bayesian model stays the other's myopic type-specific
probabilities (a misspecified learner, docs/model.md section 13.3). In a
myopic cell (or at ``delta = 0``) the term is never computed: one branch
per offer, and results bit-identical to the myopic engine.

The kernel never asks which protocol it runs: that is in the tables.
:func:`trapped` applies docs/model.md section 8's rule at the end of a
block: unbound, and no offer of the final state accepted by both (with the
forward margins in a forward-looking cell).

Absorbing binding (:data:`~binding_sim.dynamics.protocols.BIND`): once
bound, a replicate's whole state (trust, types, tallies) is frozen
(``frozen``). Revocable binding (docs/model.md section 13.1) needs no
branch of its own: a bound pair is in a protocol state flagged
``is_bound``, played like any other; a state change from an unbound state
into a bound one is a binding (the first is recorded in ``bind``), one
from a bound state into an unbound one a broken treaty (``broken``). Such
a replicate is never frozen and plays to the horizon.

Per-actor quantities are arrays indexed by actor (``tau[i, c, j]`` and
``trustworthy[i, c, j]`` in the block state, scratch arrays ``tau[i]``,
``typ[i]`` within a replicate) and every per-actor step is a loop
``for i in range(2)``. State a later model needs (power) is added as more
arrays of :class:`BlockState` and more fields of
:class:`~binding_sim.dynamics.tables.Tables`.

Back ends (:data:`BACKENDS`): the same source runs compiled by
``numba.njit(cache=True, nogil=True)`` (``"numba"``, the default when numba
is importable) or as plain Python (``"python"``, for debugging and machines
without numba). The formulas it calls are the model's own functions
(:func:`~binding_sim.model.payoffs.kappa`,
:func:`~binding_sim.model.payoffs.relative_utility`,
:func:`~binding_sim.model.margins.margin_value`,
:func:`~binding_sim.model.decisions.logit_choice`,
:func:`~binding_sim.model.types.greedy_margin`,
:func:`~binding_sim.model.beliefs.empathic_probability`,
:func:`~binding_sim.dynamics.trust.linear_update_scalar`,
:func:`~binding_sim.dynamics.trust.bayesian_update_scalar`,
:func:`~binding_sim.dynamics.continuation.continuation`), compiled from
the same source for the numba back end and called as they are for the
Python one. A call in which no actor can be greedy and trust is linear
everywhere runs a version without the steps for types (see
:func:`run_rounds`).

Randomness: ``u[r, x, j]`` is round ``t_first + r``'s uniform ``x`` of
replicate ``j`` (rows: decision of A, decision of B, incident seen by A,
incident seen by B; docs/model.md section 11). ``v[r, i, x, j]`` are the
type-turnover uniforms of actor ``i`` (``x = 0``: whether its type is
redrawn, ``x = 1``: the new type) from the block's type stream
(docs/model.md section 12.1), read only in cells with turnover. Every
uniform is drawn whether or not the kernel reads it, so a replicate's draws
never depend on what happens to it or to the others.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ..model import beliefs, decisions, margins, payoffs, power
from ..model import types as model_types
from ..model.margins import TOL
from . import continuation as continuation_module
from . import tables, trust, valuegrid
from .protocols import BIND, program
from .tables import Tables

try:
    import numba
except ImportError:  # pragma: no cover - numba is a declared dependency
    numba = None  # type: ignore[assignment]

__all__ = [
    "BACKENDS",
    "BlockState",
    "Record",
    "kernel_functions",
    "numba_available",
]

BACKENDS = ("auto", "numba", "python")
"""Kernel back ends: ``"auto"`` is numba when it can be imported, else plain Python."""

LINEAR = trust.LINEAR
BAYESIAN = trust.BAYESIAN


class BlockState(NamedTuple):
    """Per-replicate state and tallies of one block, every cell (``C`` cells, ``n`` replicates).

    Attributes
    ----------
    tau : float array (2, C, n)
        Trust of each actor.
    trustworthy : bool array (2, C, n)
        Each actor's type (docs/model.md section 12.1): trustworthy or greedy.
    state : int array (C, n)
        Protocol state.
    bind : int array (C, n)
        Round in which the replicate first bound (0: never).
    frozen : bool array (C, n)
        Bound absorbingly: the replicate's state is frozen and it plays no more rounds.
    broken : int array (C, n)
        Treaties broken (revocable binding, docs/model.md section 13.1).
    incidents : int array (2, C, n)
        Incidents perceived by each actor.
    mutual_defection, idle : int arrays (C, n)
        Rounds of mutual defection; rounds with nothing on the table.
    payoffs : float array (4, 2, C, n)
        Cumulative payoffs (``PAYOFF_KINDS`` x actor).
    exploited : int array (2, C, n)
        Rounds in which each actor complied while the other actually defected.
    power : float array (C, n)
        The first actor's share of power (docs/model.md section 14.1).
    war : int array (C, n)
        Round in which war broke out (0: never; docs/model.md section 14.3).
    initiator : int array (C, n)
        Who started the war: 0 (first actor), 1 (second), -1 (no war).
    """

    tau: np.ndarray
    trustworthy: np.ndarray
    state: np.ndarray
    bind: np.ndarray
    frozen: np.ndarray
    broken: np.ndarray
    incidents: np.ndarray
    mutual_defection: np.ndarray
    idle: np.ndarray
    payoffs: np.ndarray
    exploited: np.ndarray
    power: np.ndarray
    war: np.ndarray
    initiator: np.ndarray

    @classmethod
    def new(cls, tab: Tables, n: int, type_draws: np.ndarray) -> BlockState:
        """Every replicate at its start: initial trust, types, state 0, unbound, nothing paid.

        ``type_draws (2, n)`` are the block's first type uniforms (docs/model.md
        section 12.1): actor ``i`` of replicate ``j`` is trustworthy in cell
        ``c`` iff ``type_draws[i, j] < p[i, c]``.
        """
        C = tab.horizon.shape[0]
        return cls(
            tau=np.ascontiguousarray(np.repeat(tab.tau0[:, :, None], n, axis=2)),
            trustworthy=np.ascontiguousarray(type_draws[:, None, :] < tab.p[:, :, None]),
            state=np.zeros((C, n), np.int64),
            bind=np.zeros((C, n), np.int64),
            frozen=np.zeros((C, n), bool),
            broken=np.zeros((C, n), np.int64),
            incidents=np.zeros((2, C, n), np.int64),
            mutual_defection=np.zeros((C, n), np.int64),
            idle=np.zeros((C, n), np.int64),
            payoffs=np.zeros((4, 2, C, n)),
            exploited=np.zeros((2, C, n), np.int64),
            power=np.ascontiguousarray(np.repeat(tab.share0[:, None], n, axis=1)),
            war=np.zeros((C, n), np.int64),
            initiator=np.full((C, n), -1, np.int64),
        )


class Record(NamedTuple):
    """Per-round paths (when recording; otherwise 1-element dummies).

    ``trust (C, n, Hmax + 1, 2)``, ``state (C, n, Hmax + 1)``, ``bound (C, n, Hmax + 1)``;
    column ``t`` is the state at the end of round ``t`` (column 0 the start).
    """

    trust: np.ndarray
    state: np.ndarray
    bound: np.ndarray

    @classmethod
    def new(cls, st: BlockState, Hmax: int, record: bool) -> Record:
        """Arrays for a block's paths, every column holding the initial state (or dummies)."""
        C, n = st.state.shape
        shape = (C, n, Hmax + 1) if record else (1, 1, 1)
        rec = cls(
            trust=np.zeros((*shape, 2)),
            state=np.zeros(shape, np.int64),
            bound=np.zeros(shape, bool),
        )
        if record:
            rec.trust[...] = np.moveaxis(st.tau, 0, -1)[:, :, None, :]
        return rec


# ----------------------------------------------------------------------------- kernel source
def trust_update(
    model: int,
    i: int,
    tau_own: float,
    tau_other: float,
    perceived_compliance: bool,
    on_table: bool,
    tab: Tables,
    c: int,
    s: int,
    q: int,
    m: float,
    sigma_trustworthy: float,
    sigma_greedy: float,
) -> float:
    """Actor ``i``'s trust after a round, by trust model id (docs/model.md sections 4 and 12).

    ``tau_own`` and ``tau_other`` are both actors' start-of-round trust,
    ``(c, s, q)`` the offer on the table (when ``on_table``: cell, protocol
    state, priority), ``m`` the transparency, and ``sigma_trustworthy``,
    ``sigma_greedy`` the other's compliance probability on that offer if it
    is trustworthy and if it is greedy, as actor ``i`` models them (the
    kernel computes them with the decisions, docs/model.md section 12.2):
    what any trust model may read. One branch per model of
    :data:`binding_sim.dynamics.trust.MODELS`.

    Bayesian (docs/model.md section 12.2): a compliance is misread with
    probability ``epsilon_i (1 - m)``.
    """
    if model == LINEAR:
        lam_w = tab.lam[c] * tab.weight[c, s, q] if on_table else 0.0
        return linear_update_scalar(
            tau_own, perceived_compliance, on_table, lam_w, tab.mu[c], tab.phi[c], tab.tau0[i, c]
        )
    if model == BAYESIAN:
        miss = tab.eps[i, c] * (1.0 - m)
        return bayesian_update_scalar(
            tau_own,
            perceived_compliance,
            on_table,
            sigma_trustworthy,
            sigma_greedy,
            miss,
            tab.phi[c],
            tab.tau0[i, c],
        )
    return tau_own


def margin(tab: Tables, c: int, s: int, q: int, i: int, tau: float) -> float:
    """Actor ``i``'s acceptance margin ``Delta_i(tau)`` for offer ``q`` of state ``s`` of cell ``c``."""
    return margin_value(
        tab.coef[c, s, q, i, 0], tab.coef[c, s, q, i, 1], tab.coef[c, s, q, i, 2], tau
    )


def margin_at(tab: Tables, c: int, s: int, q: int, i: int, tau: float, k: float) -> float:
    """Actor ``i``'s margin at an effective sensitivity ``k`` of the round (docs/model.md section 14.2).

    ``coef`` holds the coefficients at ``k = 0`` and ``coef_k`` those per unit
    of ``k`` (the margin is linear in ``k``).
    """
    return margin_value(
        tab.coef[c, s, q, i, 0] + k * tab.coef_k[c, s, q, i, 0],
        tab.coef[c, s, q, i, 1] + k * tab.coef_k[c, s, q, i, 1],
        tab.coef[c, s, q, i, 2] + k * tab.coef_k[c, s, q, i, 2],
        tau,
    )


def values_view(tab: Tables, c: int, fwd: bool) -> Any:
    """Cell ``c``'s solved values ``(2, 2, S, n, n)``, unpadded in ``n`` (docs/model.md section 13.5).

    A myopic cell (``fwd`` false) gets an empty view of the first row, never read.
    """
    n = tab.n_grid[c]
    return tab.values[c if fwd else 0, :, :, :, :n, :n]


def forward_term(
    tab: Tables, vals: Any, c: int, s: int, q: int, i: int, x: int, tau_a: float, tau_b: float
) -> float:
    """``delta D_i``: what actor ``i`` of type ``x`` adds to its margin on offer ``q`` (section 13.4)."""
    dlt = tab.delta[c]
    return dlt * continuation(tab, vals, c, s, q, i, x, tau_a, tau_b, dlt)


def run_rounds(
    u: Any,
    v: Any,
    t_first: int,
    n_rounds: int,
    tab: Tables,
    st: BlockState,
    record: bool,
    rec: Record,
    typed_flag: tuple[bool, ...],
    unilateral_flag: tuple[bool, ...],
    powered_flag: tuple[bool, ...],
    forward_flag: tuple[bool, ...],
) -> int:
    """Rounds ``t_first .. t_first + n_rounds - 1`` of every replicate not frozen (see the module docstring).

    ``typed_flag`` is ``(True,)`` when any cell of the call can have a
    greedy type (``p < 1``) or has the bayesian model (docs/model.md section
    12), else ``()``: then every actor is trustworthy and trust is linear,
    and the steps for types are left out. A tuple's length is part of its
    type, so the numba back end compiles one version for each case and the
    model of sections 1-11 runs as fast as before types existed.
    ``unilateral_flag`` is ``(True,)`` when any offer of the call is
    unilateral (docs/model.md section 15.1), else ``()``: the steps of a
    sequential move are left out the same way.
    ``powered_flag`` is ``(True,)`` when any cell has a feature of
    docs/model.md section 14 on, else ``()``: then the steps for power are
    left out in the same way.
    ``forward_flag`` likewise is ``(True,)`` when any cell of the call is
    forward-looking (``tab.forward``, docs/model.md section 13.4), else
    ``()``: the myopic version holds no code for the continuation term.

    Returns how many replicates still need rounds after these.
    """
    typed = len(typed_flag) > 0
    unilateral = len(unilateral_flag) > 0
    powered = len(powered_flag) > 0
    forward = len(forward_flag) > 0
    C = st.state.shape[0]
    n = st.state.shape[1]
    t_last = t_first + n_rounds - 1
    still = 0
    # one value per actor (kept in registers by the numba back end)
    tau = per_actor(np.float64)
    start = per_actor(np.float64)
    d = per_actor(np.float64)
    comply = per_actor(np.bool_)
    incident = per_actor(np.bool_)
    pi = per_actor(np.float64)
    paid = per_actor(np.float64)
    paid_rel = per_actor(np.float64)
    paid_disc = per_actor(np.float64)
    paid_rel_disc = per_actor(np.float64)
    seen = per_actor(np.int64)
    k = per_actor(np.float64)
    eps = per_actor(np.float64)
    beta = per_actor(np.float64)
    binf = per_actor(np.bool_)
    greed = per_actor(np.float64)
    p_trust = per_actor(np.float64)
    typ = per_actor(np.bool_)
    sig_s = per_actor(np.float64)
    sig_g = per_actor(np.float64)
    read_s = per_actor(np.float64)
    read_g = per_actor(np.float64)
    emp = per_actor(np.float64)
    sig_w = per_actor(np.float64)
    dm = per_actor(np.float64)
    for c in range(C):
        H = tab.horizon[c]
        if t_first > H:
            continue
        model = tab.model[c] if typed else LINEAR  # not typed: every cell is linear
        bayes = model == BAYESIAN
        phi = tab.phi[c]
        turnover = bayes and phi > 0.0
        for i in range(2):  # the cell's constants, out of the loops
            k[i] = tab.k[i, c]
            eps[i] = tab.eps[i, c]
            beta[i] = tab.beta[i, c]
            binf[i] = tab.binf[i, c]
            greed[i] = tab.greed[i, c]
            p_trust[i] = tab.p[i, c]
            emp[i] = tab.empathy[i, c]
        full_trust = bayes and (emp[0] != 1.0 or emp[1] != 1.0)
        # power (docs/model.md section 14): the cell's constants
        eta = tab.eta[c] if powered else 0.0
        derive = powered and tab.derive[c]
        brk = powered and tab.breakdown[c]
        stake = tab.stake[c]
        dlt = tab.delta[c]
        dil = tab.dilution[c]
        min_cost = min(tab.war_cost[0, c], tab.war_cost[1, c])
        fwd = forward and tab.forward[c]  # forward-looking (docs/model.md section 13.4)
        vals = values_view(tab, c, fwd)
        for j in range(n):
            if st.frozen[c, j]:
                continue
            share = st.power[c, j] if powered else 0.5
            at_war = False
            for i in range(2):
                tau[i] = st.tau[i, c, j]
                typ[i] = st.trustworthy[i, c, j] if typed else True
                seen[i] = st.incidents[i, c, j]
                paid[i] = st.payoffs[0, i, c, j]
                paid_rel[i] = st.payoffs[1, i, c, j]
                paid_disc[i] = st.payoffs[2, i, c, j]
                paid_rel_disc[i] = st.payoffs[3, i, c, j]
            s = st.state[c, j]
            n_offers = tab.n_offers[c, s]
            m = tab.transparency[c, s]
            mutual_defection = st.mutual_defection[c, j]
            idle = st.idle[c, j]
            bound = False
            t = t_first
            while t <= t_last and t <= H:
                r = t - t_first
                # (a) power: the sensitivity derived from the current share (section 14.2)
                if derive:
                    kt = derived_sensitivity(share, eta, stake, dlt, min_cost)
                    for i in range(2):
                        k[i] = kappa(kt, 0.0, dil)  # the realist channel, as on the key k
                # 1. what is on the table: the first offer that is ungated or accepted by both
                # (the trustworthy types' margins: the proposer does not see types); in a
                # forward-looking cell d is the forward margin, dm the myopic one
                tabled = -1
                for q in range(n_offers):
                    for i in range(2):
                        if derive:
                            d[i] = margin_at(tab, c, s, q, i, tau[i], k[i])
                        else:
                            d[i] = margin(tab, c, s, q, i, tau[i])
                    if fwd:
                        for i in range(2):
                            dm[i] = d[i]
                            d[i] += forward_term(tab, vals, c, s, q, i, 0, tau[0], tau[1])
                    if not tab.gated[c, s, q] or (d[0] >= -TOL and d[1] >= -TOL):
                        tabled = q
                        break
                play = tabled >= 0
                # a unilateral offer (docs/model.md section 15.1): its mover, else -1
                mv = tab.mover[c, s, tabled] if unilateral and play else -1
                # 2. decisions, by each actor's actual type (the bayesian model needs both
                # types' probabilities: the other reads them)
                for i in range(2):
                    if not play:
                        comply[i] = False
                    else:
                        if not typed:
                            prob = logit_choice(beta[i], d[i], binf[i])
                            sig_w[i] = prob  # the trustworthy type's: the war check reads it
                        elif bayes:
                            # the other reads the myopic probabilities (section 13.3)
                            dmy = dm[i] if fwd else d[i]
                            dg = greedy_margin(dmy, tau[i], greed[i], tab.scope[c, s, tabled])
                            sig_g[i] = logit_choice(beta[i], dg, binf[i])
                            sig_s[i] = logit_choice(beta[i], dmy, binf[i])
                            if not fwd:
                                prob = sig_s[i] if typ[i] else sig_g[i]
                            elif typ[i]:
                                prob = logit_choice(beta[i], d[i], binf[i])
                            else:
                                dg += forward_term(tab, vals, c, s, tabled, i, 1, tau[0], tau[1])
                                prob = logit_choice(beta[i], dg, binf[i])
                        elif typ[i]:
                            prob = logit_choice(beta[i], d[i], binf[i])
                        else:
                            dmy = dm[i] if fwd else d[i]
                            dg = greedy_margin(dmy, tau[i], greed[i], tab.scope[c, s, tabled])
                            if fwd:
                                dg += forward_term(tab, vals, c, s, tabled, i, 1, tau[0], tau[1])
                            prob = logit_choice(beta[i], dg, binf[i])
                        comply[i] = u[r, i, j] < prob
                if unilateral and mv >= 0:
                    # the responder decides after seeing the move (docs/model.md section
                    # 15.1): after an extension on r_N (its coef), a greedy type on
                    # r_N - g s_X (its belief is 1); after a withholding it plays D
                    rs = 1 - mv
                    if typed:
                        dg = greedy_margin(d[rs], 1.0, greed[rs], tab.scope[c, s, tabled])
                        sig_g[rs] = logit_choice(beta[rs], dg, binf[rs])
                        if not typ[rs]:
                            comply[rs] = u[r, rs, j] < sig_g[rs]
                    comply[rs] = comply[rs] and comply[mv]
                # (b) power: the war check of section 14.3, on the expected shift under the
                # trustworthy types' decision probabilities at the current beliefs
                if brk and play:
                    if typed:  # otherwise the decisions computed them
                        for i in range(2):
                            sig_w[i] = logit_choice(beta[i], d[i], binf[i])
                    diff = expected_payment_difference(
                        sig_w[0],
                        sig_w[1],
                        tab.pay[c, s, tabled, 0],
                        tab.pay[c, s, tabled, 1],
                        tab.background[c, s, tabled, 0],
                        tab.background[c, s, tabled, 1],
                    )
                    who = war_initiator(
                        share,
                        shift_power(share, eta, diff),
                        tab.war_cost[0, c],
                        tab.war_cost[1, c],
                        stake,
                        dlt,
                    )
                    if who >= 0:  # war: absorbing; this round and every later one pay W_i
                        at_war = True
                        st.initiator[c, j] = who
                        remaining = float(H - t + 1)
                        td = tab.disc[c, t] + tab.tail[c, t]
                        for i in range(2):
                            own = share if i == 0 else 1.0 - share
                            pi[i] = war_payment(own, tab.war_cost[i, c], stake, dlt)
                        for i in range(2):
                            W = relative_utility(kappa(k[i], tau[i]), pi[i], pi[1 - i])
                            paid[i] += pi[i] * remaining
                            paid_rel[i] += W * remaining
                            paid_disc[i] += pi[i] * td
                            paid_rel_disc[i] += W * td
                        break
                # how each actor reads the other's moves (docs/model.md section 12.2): the
                # other's type-specific probabilities at its trust, mixed by empathy e < 1
                # with those at full trust (constants of the offer, tab.sigma_full; at
                # e = 1 the mixture is the first exactly)
                if typed:
                    for i in range(2):
                        read_s[i] = sig_s[1 - i]
                        read_g[i] = sig_g[1 - i]
                if typed and full_trust and play:
                    for i in range(2):
                        if emp[i] != 1.0:
                            o = 1 - i
                            fs = tab.sigma_full[c, s, tabled, o, 0]
                            fg = tab.sigma_full[c, s, tabled, o, 1]
                            read_s[i] = empathic_probability(emp[i], sig_s[o], fs)
                            read_g[i] = empathic_probability(emp[i], sig_g[o], fg)
                # 3. observation, with the transparency at the start of the round (m)
                for i in range(2):
                    incident[i] = play and comply[1 - i] and u[r, 2 + i, j] < eps[i] * (1.0 - m)
                if unilateral and mv >= 0:  # the responder sees the move without error (15.1)
                    incident[1 - mv] = False
                # 4. trust update (simultaneous), then recovery or turnover
                for i in range(2):
                    start[i] = tau[i]
                for i in range(2):
                    perceived = comply[1 - i] and not incident[i]
                    observed = play
                    m_i = m
                    if unilateral and mv >= 0:
                        if i != mv:  # the responder sees the move without error (15.1)
                            m_i = 1.0
                        elif not comply[mv]:  # after a withholding the mover observes nothing
                            observed = False
                    tau[i] = trust_update(
                        model,
                        i,
                        start[i],
                        start[1 - i],
                        perceived,
                        observed,
                        tab,
                        c,
                        s,
                        tabled,
                        m_i,
                        read_s[i],
                        read_g[i],
                    )
                if typed and turnover:  # types redrawn (docs/model.md section 12.3)
                    for i in range(2):
                        if v[r, i, 0, j] < phi:
                            typ[i] = v[r, i, 1, j] < p_trust[i]
                # 5. payments (docs/model.md section 8)
                for i in range(2):
                    if play:
                        if comply[i]:
                            outcome = 0 if comply[1 - i] else 1
                        else:
                            outcome = 2 if comply[1 - i] else 3
                        pi[i] = tab.pay[c, s, tabled, i, outcome] + tab.background[c, s, tabled, i]
                    else:
                        pi[i] = tab.idle_pay[c, s, i]
                dt = tab.disc[c, t]
                for i in range(2):
                    U = relative_utility(kappa(k[i], start[i]), pi[i], pi[1 - i])
                    paid[i] += pi[i]
                    paid_rel[i] += U
                    paid_disc[i] += dt * pi[i]
                    paid_rel_disc[i] += dt * U
                # tallies
                for i in range(2):
                    if incident[i]:
                        seen[i] += 1
                    if comply[i] and not comply[1 - i]:  # complied, the other defected
                        st.exploited[i, c, j] += 1
                # a responder's forced D after a withholding is not an actual defection (15.1)
                if play and not comply[0] and not comply[1] and mv < 0:
                    mutual_defection += 1
                if not play:
                    idle += 1
                # (c) power: the law of motion with the round's absolute payments (section
                # 14.1), also in the round that binds
                if powered and eta > 0.0:
                    share = shift_power(share, eta, pi[0] - pi[1])
                # 6. state change for the next round
                nxt = s
                if play:
                    if comply[0] and comply[1]:
                        nxt = tab.on_comply[c, s, tabled]
                    else:
                        nxt = tab.on_defect[c, s, tabled]
                if nxt == BIND:
                    bound = True
                    remaining = float(H - t)
                    td = tab.tail[c, t]
                    if derive:  # the frozen state's k: the share after the binding round
                        kt = derived_sensitivity(share, eta, stake, dlt, min_cost)
                        for i in range(2):
                            k[i] = kappa(kt, 0.0, dil)
                    for i in range(2):
                        R = tab.bound_pay[i, c]
                        V = relative_utility(kappa(k[i], tau[i]), R, tab.bound_pay[1 - i, c])
                        paid[i] += R * remaining
                        paid_rel[i] += V * remaining
                        paid_disc[i] += R * td
                        paid_rel_disc[i] += V * td
                elif nxt != s:  # a branch, not a data dependency: states change rarely
                    if tab.is_bound[c, nxt] != tab.is_bound[c, s]:  # revocable binding (13.1)
                        if tab.is_bound[c, s]:
                            st.broken[c, j] += 1
                        elif st.bind[c, j] == 0:
                            st.bind[c, j] = t
                    s = nxt
                    n_offers = tab.n_offers[c, s]
                    m = tab.transparency[c, s]
                if record:
                    for i in range(2):
                        rec.trust[c, j, t, i] = tau[i]
                    rec.state[c, j, t] = s
                    rec.bound[c, j, t] = bound or tab.is_bound[c, s]
                if bound:
                    break
                t += 1
            for i in range(2):
                st.tau[i, c, j] = tau[i]
                if typed:
                    st.trustworthy[i, c, j] = typ[i]
                st.incidents[i, c, j] = seen[i]
                st.payoffs[0, i, c, j] = paid[i]
                st.payoffs[1, i, c, j] = paid_rel[i]
                st.payoffs[2, i, c, j] = paid_disc[i]
                st.payoffs[3, i, c, j] = paid_rel_disc[i]
            st.state[c, j] = s
            st.mutual_defection[c, j] = mutual_defection
            st.idle[c, j] = idle
            if powered:
                st.power[c, j] = share
            if at_war:
                st.war[c, j] = t
                st.frozen[c, j] = True
                if record:
                    for tt in range(t, H + 1):
                        for i in range(2):
                            rec.trust[c, j, tt, i] = tau[i]
                        rec.state[c, j, tt] = s
                        rec.bound[c, j, tt] = False
            elif bound:
                st.bind[c, j] = t
                st.frozen[c, j] = True
                if record:
                    for tt in range(t + 1, H + 1):
                        for i in range(2):
                            rec.trust[c, j, tt, i] = tau[i]
                        rec.state[c, j, tt] = s
                        rec.bound[c, j, tt] = True
            elif t_last < H:
                still += 1
    return still


def trapped(tab: Tables, st: BlockState, out: Any) -> None:
    """Write docs/model.md section 8's trapped flag of every replicate into ``out`` (C, n).

    Trapped: unbound at the end (neither bound absorbingly nor in a bound
    state of revocable binding, docs/model.md section 13.1) and not at war
    (section 14.3), and no offer of the final protocol state is accepted by
    both at the final trust (the same rule for every protocol; with the
    derived sensitivity of section 14.2, at the final share of power; in a
    forward-looking cell, by the trustworthy types' forward margins,
    docs/model.md section 13.4).
    """
    C = st.state.shape[0]
    n = st.state.shape[1]
    for c in range(C):
        derive = tab.derive[c]
        min_cost = min(tab.war_cost[0, c], tab.war_cost[1, c])
        fwd = tab.forward[c]
        vals = values_view(tab, c, fwd)
        for j in range(n):
            s = st.state[c, j]
            stuck = not st.frozen[c, j] and not tab.is_bound[c, s]
            kk = 0.0
            if derive and stuck:
                kt = derived_sensitivity(
                    st.power[c, j], tab.eta[c], tab.stake[c], tab.delta[c], min_cost
                )
                kk = kappa(kt, 0.0, tab.dilution[c])
            for q in range(tab.n_offers[c, s]):
                if not stuck:
                    break
                both = True
                for i in range(2):
                    if derive:
                        dq = margin_at(tab, c, s, q, i, st.tau[i, c, j], kk)
                    else:
                        dq = margin(tab, c, s, q, i, st.tau[i, c, j])
                    if fwd:
                        dq += forward_term(
                            tab, vals, c, s, q, i, 0, st.tau[0, c, j], st.tau[1, c, j]
                        )
                    if dq < -TOL:
                        both = False
                        break  # one actor refuses: no need for the other's (forward) margin
                if both:
                    stuck = False
            out[c, j] = stuck


# ----------------------------------------------------------------------------- helpers
# The kernel source calls these by name. As plain Python they are the functions
# below and the model's formulas; the numba back end rebinds every name to a
# compiled version of the same source (see _compile).
kappa = payoffs.kappa
relative_utility = payoffs.relative_utility
margin_value = margins.margin_value
linear_update_scalar = trust.linear_update_scalar
bayesian_update_scalar = trust.bayesian_update_scalar
logit_choice = decisions.logit_choice
greedy_margin = model_types.greedy_margin
empathic_probability = beliefs.empathic_probability
derived_sensitivity = power.derived_sensitivity
shift_power = power.shift_power
expected_payment_difference = power.expected_payment_difference
war_initiator = power.war_initiator
war_payment = power.war_payment
continuation = continuation_module.continuation


def per_actor(dtype: Any) -> Any:
    """A scratch array of one value per actor (plain Python: ``numpy.empty(2, dtype)``).

    The numba back end replaces it by an array in the caller's stack frame,
    which the compiler keeps in registers once the loops over actors are
    unrolled.
    """
    return np.empty(2, dtype)


# ----------------------------------------------------------------------------- compilation
_FORMULAS: dict[str, Callable[..., Any]] = {
    "kappa": payoffs.kappa,
    "relative_utility": payoffs.relative_utility,
    "margin_value": margins.margin_value,
    "linear_update_scalar": trust.linear_update_scalar,
    "logistic": decisions.logistic,
    "logit_choice": decisions.logit_choice,
    "greedy_margin": model_types.greedy_margin,
    "empathic_probability": beliefs.empathic_probability,
    "likelihood": beliefs.likelihood,
    "posterior": beliefs.posterior,
    "bayes_update": beliefs.bayes_update,
    "predict_turnover": beliefs.predict_turnover,
    "bayesian_update_scalar": trust.bayesian_update_scalar,
    "logit": power.logit,
    "shift_power": power.shift_power,
    "war_live_factor": power.war_live_factor,
    "derived_sensitivity": power.derived_sensitivity,
    "shift_threshold": power.shift_threshold,
    "expected_payment_difference": power.expected_payment_difference,
    "war_initiator": power.war_initiator,
    "war_payment": power.war_payment,
    "grid_cell": valuegrid.grid_cell,
    "interpolate": valuegrid.interpolate,
    **{name: getattr(continuation_module, name) for name in continuation_module.FUNCTIONS},
}
"""The model's formulas the kernel calls, by the name the kernel source uses, callees first.

A formula that calls another formula (``logit_choice`` calls ``logistic``,
``bayes_update`` calls ``likelihood`` and ``posterior``) finds it under the
same name; the numba back end compiles it against the compiled callee."""

_CACHED_MODULES = (
    payoffs,
    margins,
    trust,
    program,
    tables,
    beliefs,
    decisions,
    model_types,
    power,
    valuegrid,
    continuation_module,
)
"""Modules whose code the compiled kernel holds (formulas, constants, the ``Tables`` type)."""

_KERNEL = (
    "trust_update",
    "margin",
    "margin_at",
    "values_view",
    "forward_term",
    "run_rounds",
    "trapped",
)
"""The kernel's own functions, callees before callers."""

_INLINE = ("trust_update", "margin", "margin_at", "values_view", "forward_term")
"""Kernel functions numba inlines into their callers (they take the whole ``Tables``)."""

_SOURCE: dict[str, Callable[..., Any]] = {name: globals()[name] for name in _KERNEL}
_COMPILED: dict[str, Callable[..., Any]] | None = None


def numba_available() -> bool:
    """Whether the compiled back end can be used (numba importable)."""
    return numba is not None


def _python_functions() -> dict[str, Callable[..., Any]]:
    """The kernel as plain Python: the same code objects over plain-Python formulas.

    Each entry point runs with numpy's floating-point warnings off: compiled
    code computes ``inf`` silently where numpy scalars would warn.
    """
    namespace = dict(globals())
    namespace.update(_FORMULAS)
    plain: dict[str, Callable[..., Any]] = {}
    for name in _KERNEL:
        fn = _SOURCE[name]
        plain[name] = types.FunctionType(
            fn.__code__, namespace, name, fn.__defaults__, fn.__closure__
        )
        namespace[name] = plain[name]

    def quiet(fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            with np.errstate(all="ignore"):
                return fn(*args)

        return run

    return {name: quiet(fn) for name, fn in plain.items()}


_PYTHON = _python_functions()


def _drop_stale_cache() -> None:
    """Delete numba cache files of the kernel and its formulas when a source they depend on is newer.

    numba keys a cached function on its own source file only, so an edit to a
    formula compiled into the kernel (payoffs, margins, trust, beliefs, ...),
    to a formula another formula calls (``bayes_update`` inside
    ``trust.bayesian_update_scalar``) or to a constant or type the kernel
    reads (``BIND``, :class:`Tables`) would otherwise be ignored. Every cache
    file of these modules and of this one older than the newest of their
    sources is deleted.
    """
    try:
        sources = [Path(m.__file__).resolve() for m in _CACHED_MODULES]  # type: ignore[arg-type]
        newest = max(f.stat().st_mtime for f in [*sources, Path(__file__).resolve()])
        for src in [Path(__file__).resolve(), *sources]:
            for f in (src.parent / "__pycache__").glob(f"{src.stem}.*.nb[ci]"):
                if f.stat().st_mtime < newest:
                    f.unlink()
    except OSError:
        pass


def _stack_per_actor() -> Callable[..., Any]:
    """numba version of :func:`per_actor`: a 2-element array in the caller's stack frame."""
    from llvmlite import ir
    from numba import types as nbtypes
    from numba.core import cgutils
    from numba.core.errors import TypingError
    from numba.extending import intrinsic

    @intrinsic(prefer_literal=True)
    def stack_pointer(typingctx: Any, count: Any, dtype: Any) -> Any:
        if not isinstance(count, nbtypes.IntegerLiteral):
            raise TypingError("per_actor: the count must be a literal")
        elem = dtype.instance_type if isinstance(dtype, nbtypes.NumberClass) else dtype.dtype
        size = count.literal_value

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            ty = context.get_data_type(elem)
            return cgutils.alloca_once(builder, ty, size=ir.Constant(ir.IntType(64), size))

        return nbtypes.CPointer(elem)(count, dtype), codegen

    pointer: Any = stack_pointer

    def stack_per_actor(dtype: Any) -> Any:
        return numba.carray(pointer(2, dtype), 2)

    return numba.njit(inline="always")(stack_per_actor)  # type: ignore[no-any-return]


def _with_callees(fn: Callable[..., Any], compiled: dict[str, Any]) -> Callable[..., Any]:
    """``fn`` with every formula it calls by name replaced by its compiled version.

    numba compiles a call to a global only if that global is itself
    compiled; the model's modules hold the plain functions, so a formula
    calling another gets a copy of its globals with the compiled callees.
    """
    callees = {name: compiled[name] for name in fn.__code__.co_names if name in compiled}
    if not callees:
        return fn
    namespace = dict(fn.__globals__)
    namespace.update(callees)
    return types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)


def _compile() -> dict[str, Callable[..., Any]]:
    """Rebind the kernel's names to numba-compiled versions of the same source (once)."""
    global _COMPILED
    if _COMPILED is None:
        _drop_stale_cache()
        g = globals()
        formulas: dict[str, Any] = {}
        for name, fn in _FORMULAS.items():
            g[name] = formulas[name] = numba.njit(cache=True, nogil=True)(
                _with_callees(fn, formulas)
            )
        g["per_actor"] = _stack_per_actor()
        compiled: dict[str, Callable[..., Any]] = {}
        for name in _KERNEL:
            options: dict[str, Any] = {"cache": True, "nogil": True}
            if name in _INLINE:
                options["inline"] = "always"
            g[name] = compiled[name] = numba.njit(**options)(_SOURCE[name])
        _COMPILED = compiled
    return _COMPILED


def kernel_functions(backend: str) -> dict[str, Callable[..., Any]]:
    """The kernel's functions (``run_rounds``, ``trapped``, ...) for a resolved back end.

    ``"numba"``: compiled with ``numba.njit(cache=True, nogil=True)`` (once,
    then loaded from the on-disk cache); ``"python"``: the same source as plain
    Python.
    """
    if backend == "numba":
        return _compile()
    return _PYTHON
