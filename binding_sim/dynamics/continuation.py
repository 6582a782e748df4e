r"""The continuation term of a forward-looking actor, one offer at a time (docs/model.md sections 13.3, 13.4).

A forward-looking actor ``i`` of type ``x`` compares the values of the next
states its two actions lead to. With the offer ``q`` of protocol state ``s``
on the table and both trust levels ``(tau_A, tau_B)`` at the start of the
round,

.. math::

    D_i(s) = \sum_{a_j} b_i(a_j) \left[ E V_i^x(s' \mid C, a_j) - E V_i^x(s' \mid D, a_j) \right],
    \qquad b_i(C) = \tau_i,

(docs/model.md section 13.4) and the forward margin is ``Delta_i + delta D_i``.
The expectation runs over

- both actors' perceptions: ``i`` misreads a compliance of ``j`` as a
  defection with probability ``q_i = epsilon_i (1 - m_s)`` (an incident), a
  defection is always seen (docs/model.md section 4);
- the next trust of both actors, updated exactly as the round kernel updates
  it (:func:`next_trust`: linear, section 4; Bayesian, section 12.2, with
  ``j``'s *myopic* type-specific compliance probabilities at ``j``'s
  start-of-round trust, mixed by ``i``'s empathy with those at full trust,
  then the prediction for turnover);
- the next protocol state: the offer's ``on_comply`` state after mutual
  compliance, its ``on_defect`` state after an actual defection by either;
  :data:`~binding_sim.dynamics.protocols.BIND` is the absorbing value
  ``U_i(R_i, R_j; kappa_i(tau_i')) / (1 - delta)`` at the trust after the
  binding round, for both types (docs/model.md section 13.4);
- the actor's own type turnover under the Bayesian model with ``phi > 0``
  (section 12.3): ``V^x(s') -> (1 - phi) V^x(s') + phi (p V^T(s') + (1 - p) V^G(s'))``
  (:func:`outcome_value`).

``values`` is the value function of one cell on the trust grid, shape
``(2, 2, S, N, N)`` (:class:`~binding_sim.dynamics.valuegrid.ForwardSolution`),
read by bilinear interpolation (:func:`~binding_sim.dynamics.valuegrid.interpolate`).

Every function is scalar code over the packed
:class:`~binding_sim.dynamics.tables.Tables` and the model's formulas, called
by name (:func:`~binding_sim.model.margins.margin_value`,
:func:`~binding_sim.model.decisions.logit_choice`,
:func:`~binding_sim.model.types.greedy_margin`,
:func:`~binding_sim.model.beliefs.empathic_probability`,
:func:`~binding_sim.dynamics.trust.linear_update_scalar`,
:func:`~binding_sim.dynamics.trust.bayesian_update_scalar`,
:func:`~binding_sim.model.payoffs.kappa`,
:func:`~binding_sim.model.payoffs.relative_utility`,
:func:`~binding_sim.dynamics.valuegrid.interpolate`), as the round kernel
calls them: run as plain Python, or compiled by numba after rebinding those
names to their compiled versions (:data:`FUNCTIONS` lists this module's
functions, callees first; :data:`FORMULAS` the formulas they call). The same
source serves the kernel (the term ``delta D_i`` at the exact next states)
and the solver (:mod:`binding_sim.dynamics.forward`, whose sparse transition
matrices are built from :func:`outcome`, :func:`next_trust` and
:func:`outcome_value`).

Compiled, a function taking the whole ``Tables`` runs fastest inlined
(``numba.njit(inline="always")``) into a caller that does not itself take
the tuple through another such inlined call: every function here calls
only scalar formulas and, from :func:`expected_next_value` and
:func:`continuation`, :func:`outcome`, :func:`next_trust` and
:func:`outcome_value` directly.

Actions are coded ``0`` (comply, ``C``) and ``1`` (defect, ``D``), the index
convention of the payoff tables.
"""

from __future__ import annotations

from typing import Any

from ..model import beliefs, decisions, margins, payoffs
from ..model import types as model_types
from . import trust, valuegrid
from .protocols import BIND
from .tables import Tables

__all__ = [
    "COMPLY",
    "DEFECT",
    "FORMULAS",
    "FUNCTIONS",
    "continuation",
    "expected_next_value",
    "next_trust",
    "other_compliance",
    "outcome",
    "outcome_value",
    "trust_step",
]

COMPLY = 0
"""Action code of complying (``C``; row/column 0 of a stage game)."""

DEFECT = 1
"""Action code of defecting (``D``)."""

BAYESIAN = trust.BAYESIAN

# The formulas, by the names the functions below call (rebound to compiled
# versions when this module's functions are compiled; see FORMULAS).
kappa = payoffs.kappa
relative_utility = payoffs.relative_utility
margin_value = margins.margin_value
logit_choice = decisions.logit_choice
greedy_margin = model_types.greedy_margin
empathic_probability = beliefs.empathic_probability
linear_update_scalar = trust.linear_update_scalar
bayesian_update_scalar = trust.bayesian_update_scalar
interpolate = valuegrid.interpolate


def other_compliance(
    c2: float,
    c1: float,
    c0: float,
    tau_other: float,
    beta: float,
    infinite: bool,
    greed: float,
    scope: float,
    empathy: float,
    full_trustworthy: float,
    full_greedy: float,
) -> Any:
    """``(sigma_S, sigma_G)``: the other's compliance probability on an offer by type, as ``i`` reads it.

    The other ``j``'s myopic logit choice (docs/model.md section 3; margin
    coefficients ``c2, c1, c0``, precision ``beta``) at its start-of-round
    trust ``tau_other``, trustworthy then greedy (docs/model.md section 12.1),
    mixed by ``i``'s ``empathy`` with the probabilities at full trust when the
    empathy is below 1 (docs/model.md section 12.2): what the round kernel
    feeds the Bayesian update. Scalars only (see :func:`next_trust`).
    """
    d = margin_value(c2, c1, c0, tau_other)
    dg = greedy_margin(d, tau_other, greed, scope)
    sig_s = logit_choice(beta, d, infinite)
    sig_g = logit_choice(beta, dg, infinite)
    if empathy != 1.0:
        sig_s = empathic_probability(empathy, sig_s, full_trustworthy)
        sig_g = empathic_probability(empathy, sig_g, full_greedy)
    return sig_s, sig_g


def trust_step(
    model: int,
    tau_own: float,
    tau_other: float,
    perceived_compliance: bool,
    on_table: bool,
    lam_w: float,
    mu: float,
    phi: float,
    tau0: float,
    miss: float,
    c2: float,
    c1: float,
    c0: float,
    beta: float,
    infinite: bool,
    greed: float,
    scope: float,
    empathy: float,
    full_trustworthy: float,
    full_greedy: float,
) -> float:
    """One actor's trust after a round, from scalars (the rule of the round kernel's ``trust_update``).

    Linear model (docs/model.md section 4): ``lam_w = lambda w_X``, ``mu``,
    ``phi``, ``tau0``. Bayesian (docs/model.md section 12.2): the other's
    type-specific probabilities (:func:`other_compliance` of its margin
    coefficients ``c2, c1, c0`` at ``tau_other``, its ``beta``, greed and the
    offer's scope, this actor's empathy and the probabilities at full trust),
    the misreading probability ``miss = epsilon_i (1 - m_s)``, turnover
    ``phi`` toward the prior ``tau0``. Not ``on_table``: an idle round (only
    recovery or the prediction for turnover).
    """
    if model == BAYESIAN:
        sig_s = 1.0
        sig_g = 1.0
        if on_table:
            sig_s, sig_g = other_compliance(
                c2,
                c1,
                c0,
                tau_other,
                beta,
                infinite,
                greed,
                scope,
                empathy,
                full_trustworthy,
                full_greedy,
            )
        return bayesian_update_scalar(
            tau_own, perceived_compliance, on_table, sig_s, sig_g, miss, phi, tau0
        )
    return linear_update_scalar(
        tau_own, perceived_compliance, on_table, lam_w if on_table else 0.0, mu, phi, tau0
    )


def next_trust(
    tab: Tables,
    c: int,
    s: int,
    q: int,
    i: int,
    tau_own: float,
    tau_other: float,
    perceived_compliance: bool,
    on_table: bool,
) -> float:
    """Actor ``i``'s trust after a round in state ``s`` of cell ``c``, as the round kernel updates it.

    ``q`` is the offer on the table (when not ``on_table``, an idle round,
    any valid priority, e.g. 0: it is not used); ``tau_own`` and
    ``tau_other`` are both actors' start-of-round trust. Reads the cell's
    parameters and applies :func:`trust_step`: linear (docs/model.md section
    4) with ``lambda w_X`` of the offer; Bayesian (docs/model.md section
    12.2) with the other's myopic type-specific probabilities
    (:func:`other_compliance`) and the misreading probability
    ``epsilon_i (1 - m_s)``. Every field is read unconditionally: compiled,
    reading fields of the ``Tables`` tuple inside a branch is far slower.
    """
    o = 1 - i
    return trust_step(
        tab.model[c],
        tau_own,
        tau_other,
        perceived_compliance,
        on_table,
        tab.lam[c] * tab.weight[c, s, q],
        tab.mu[c],
        tab.phi[c],
        tab.tau0[i, c],
        tab.eps[i, c] * (1.0 - tab.transparency[c, s]),
        tab.coef[c, s, q, o, 0],
        tab.coef[c, s, q, o, 1],
        tab.coef[c, s, q, o, 2],
        tab.beta[o, c],
        tab.binf[o, c],
        tab.greed[o, c],
        tab.scope[c, s, q],
        tab.empathy[i, c],
        tab.sigma_full[c, s, q, o, 0],
        tab.sigma_full[c, s, q, o, 1],
    )


def outcome(
    tab: Tables,
    c: int,
    s: int,
    q: int,
    i: int,
    a_i: int,
    a_j: int,
    k: int,
) -> Any:
    """The ``k``-th perception outcome (``k`` in 0..3) of actions ``(a_i, a_j)`` on offer ``q``.

    Bit 0 of ``k`` set: ``i`` perceives a defection of ``j``; bit 1 set:
    ``j`` perceives a defection of ``i``. A compliance is misread with
    probability ``epsilon (1 - m_s)``, a defection always seen
    (docs/model.md section 4). Returns ``(probability, next state,
    i perceived compliance, j perceived compliance)``; the next state is the
    offer's ``on_comply`` (possibly :data:`~binding_sim.dynamics.protocols.BIND`)
    after mutual compliance, else its ``on_defect``. The next trust is
    :func:`next_trust` of each actor's perception (:func:`next_trusts`).
    """
    j = 1 - i
    m = tab.transparency[c, s]
    seen_i = (k & 1) == 0
    seen_j = (k & 2) == 0
    q_i = tab.eps[i, c] * (1.0 - m)
    q_j = tab.eps[j, c] * (1.0 - m)
    if a_j == COMPLY:
        p_i = 1.0 - q_i if seen_i else q_i
    else:
        p_i = 0.0 if seen_i else 1.0
    if a_i == COMPLY:
        p_j = 1.0 - q_j if seen_j else q_j
    else:
        p_j = 0.0 if seen_j else 1.0
    on_comply = tab.on_comply[c, s, q]
    on_defect = tab.on_defect[c, s, q]
    nxt = on_comply if a_i == COMPLY and a_j == COMPLY else on_defect
    return p_i * p_j, nxt, seen_i, seen_j


def outcome_value(
    tab: Tables,
    values: Any,
    c: int,
    i: int,
    x: int,
    nxt: int,
    tau_a: float,
    tau_b: float,
    delta: float,
) -> float:
    """``V_i^x`` of the next state ``(nxt, tau_A, tau_B)`` (docs/model.md section 13.4).

    :data:`~binding_sim.dynamics.protocols.BIND`: the absorbing value
    ``relative_utility(kappa(k_i, tau_i), R_i, R_j) / (1 - delta)``
    (``R = tab.bound_pay``), for both types. Otherwise the bilinear
    interpolation of ``values[i, x, nxt]``; under the Bayesian model with
    turnover (``phi > 0``, docs/model.md section 12.3) the actor's own type
    may be redrawn before the next round:
    ``(1 - phi) V^x + phi (p_i V^T + (1 - p_i) V^G)``.
    """
    k = tab.k[i, c]
    own = tab.bound_pay[i, c]
    other = tab.bound_pay[1 - i, c]
    phi = tab.phi[c]
    turnover = tab.model[c] == BAYESIAN and phi > 0.0
    p = tab.p[i, c]
    if nxt == BIND:
        tau_i = tau_a if i == 0 else tau_b
        return relative_utility(kappa(k, tau_i), own, other) / (1.0 - delta)
    v = interpolate(values[i, x, nxt], tau_a, tau_b)
    if turnover:
        v_t = v if x == 0 else interpolate(values[i, 0, nxt], tau_a, tau_b)
        v_g = v if x == 1 else interpolate(values[i, 1, nxt], tau_a, tau_b)
        return (1.0 - phi) * v + phi * (p * v_t + (1.0 - p) * v_g)
    return v


def expected_next_value(
    tab: Tables,
    values: Any,
    c: int,
    s: int,
    q: int,
    i: int,
    x: int,
    a_i: int,
    tau_a: float,
    tau_b: float,
    delta: float,
) -> float:
    """``sum over a_j of b_i(a_j) E V_i^x(s' | a_i, a_j)`` with offer ``q`` of state ``s`` on the table.

    ``b_i(C) = tau_i`` (the level-1 belief of docs/model.md section 13.3);
    the expectation runs over :func:`outcome`'s perceptions and next states,
    the next trust of both actors by :func:`next_trust`, each next state
    valued by :func:`outcome_value`.
    """
    tau_i = tau_a if i == 0 else tau_b
    tau_j = tau_b if i == 0 else tau_a
    # each actor's next trust depends only on what it perceived: two values each
    ti_seen = next_trust(tab, c, s, q, i, tau_i, tau_j, True, True)
    ti_not = next_trust(tab, c, s, q, i, tau_i, tau_j, False, True)
    tj_seen = next_trust(tab, c, s, q, 1 - i, tau_j, tau_i, True, True)
    tj_not = next_trust(tab, c, s, q, 1 - i, tau_j, tau_i, False, True)
    total = 0.0
    for a_j in range(2):
        bel = tau_i if a_j == COMPLY else 1.0 - tau_i
        if bel == 0.0:
            continue
        acc = 0.0
        for k in range(4):
            prob, nxt, seen_i, seen_j = outcome(tab, c, s, q, i, a_i, a_j, k)
            if prob > 0.0:
                ti = ti_seen if seen_i else ti_not
                tj = tj_seen if seen_j else tj_not
                ta = ti if i == 0 else tj
                tb = tj if i == 0 else ti
                acc += prob * outcome_value(tab, values, c, i, x, nxt, ta, tb, delta)
        total += bel * acc
    return total


def continuation(
    tab: Tables,
    values: Any,
    c: int,
    s: int,
    q: int,
    i: int,
    x: int,
    tau_a: float,
    tau_b: float,
    delta: float,
) -> float:
    """``D_i(s)`` of docs/model.md section 13.4 for offer ``q`` of state ``s`` of cell ``c``.

    ``expected_next_value`` of complying minus that of defecting (the same
    loop, written out: compiled, a function taking the whole ``Tables`` is
    fastest called directly, not through another such function). The
    forward margin of actor ``i`` of type ``x`` is ``Delta_i + delta D_i``
    (``Delta_i`` the myopic margin, exact at the actual trust).

    Parameters
    ----------
    tab : Tables
        The compiled cells (:func:`binding_sim.dynamics.tables.compile_cells`).
    values : float array (2, 2, S, N, N)
        ``V`` of cell ``c`` (:attr:`~binding_sim.dynamics.valuegrid.ForwardSolution.values`);
        ``N`` is read from its shape, so it must be sized exactly (no padding
        along the trust axes).
    c, s, q : int
        Cell, protocol state and the offer's priority.
    i, x : int
        Actor (0: the scenario's first) and its type (0: trustworthy, 1: greedy).
    tau_a, tau_b : float
        Both actors' trust at the start of the round.
    delta : float
        The discount factor (the absorbing value of binding is ``U / (1 - delta)``).
    """
    tau_i = tau_a if i == 0 else tau_b
    tau_j = tau_b if i == 0 else tau_a
    # each actor's next trust depends only on what it perceived: two values each
    ti_seen = next_trust(tab, c, s, q, i, tau_i, tau_j, True, True)
    ti_not = next_trust(tab, c, s, q, i, tau_i, tau_j, False, True)
    tj_seen = next_trust(tab, c, s, q, 1 - i, tau_j, tau_i, True, True)
    tj_not = next_trust(tab, c, s, q, 1 - i, tau_j, tau_i, False, True)
    total = 0.0
    for a_j in range(2):
        bel = tau_i if a_j == COMPLY else 1.0 - tau_i
        if bel == 0.0:
            continue
        diff = 0.0
        for a_i in range(2):
            acc = 0.0
            for k in range(4):
                prob, nxt, seen_i, seen_j = outcome(tab, c, s, q, i, a_i, a_j, k)
                if prob > 0.0:
                    ti = ti_seen if seen_i else ti_not
                    tj = tj_seen if seen_j else tj_not
                    ta = ti if i == 0 else tj
                    tb = tj if i == 0 else ti
                    acc += prob * outcome_value(tab, values, c, i, x, nxt, ta, tb, delta)
            diff = acc if a_i == COMPLY else diff - acc
        total += bel * diff
    return total


FUNCTIONS = (
    "other_compliance",
    "trust_step",
    "next_trust",
    "outcome",
    "outcome_value",
    "expected_next_value",
    "continuation",
)
"""This module's functions, callees before callers (the order to compile them in)."""

FORMULAS = (
    "kappa",
    "relative_utility",
    "margin_value",
    "logit_choice",
    "greedy_margin",
    "empathic_probability",
    "linear_update_scalar",
    "bayesian_update_scalar",
    "interpolate",
)
"""The formulas this module's functions call by name: a compiled version must rebind each
(``interpolate`` calls :func:`~binding_sim.dynamics.valuegrid.grid_cell`; ``logit_choice``
calls ``logistic``; ``bayesian_update_scalar`` calls ``bayes_update`` and ``predict_turnover``)."""
