r"""The analysis report of a scenario: every arrangement's stage games, thresholds and the Catch-22.

:func:`analyze` is what ``binding-sim analyze`` prints. It combines a
:class:`~binding_sim.config.scenario.Scenario` with the pure maths of
:mod:`binding_sim.model` (margins and thresholds in
:mod:`binding_sim.model.margins`, stage games in
:mod:`binding_sim.model.stage_game`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .config.scenario import FORMAL, Scenario
from .errors import BindingSimError
from .model.beliefs import bayes_update, empathic_probability
from .model.decisions import logit_choice
from .model.margins import (
    TOL,
    acceptance_margin,
    accepts,
    critical_k,
    grim_delta_star,
    k_star,
    margin_coefficients,
    margin_in_k,
    tau_star,
)
from .model.partners import n_actor_k_star, n_actor_margin, n_actor_threshold
from .model.payoffs import absolute_payoffs, kappa
from .model.power import (
    critical_war_cost,
    derived_sensitivity,
    shift_power,
    shift_threshold,
    war_live_factor,
)
from .model.quadratic import polynomial_threshold
from .model.stage_game import StageGame, classify
from .model.threat import dilution, joint_threshold_threat
from .model.types import greed_star, greedy_margin, greedy_threshold, greedy_threshold_symmetric
from .model.unilateral import (
    responder_coefficients,
    responder_kappa_hat,
    responder_margin,
    responder_margin_in_k,
)

__all__ = [
    "SEQUENTIAL_NOTE",
    "accepted_at_start",
    "analyze",
    "arrangement_analysis",
    "forward_analysis",
    "n_actor_analysis",
    "one_round_posteriors",
    "power_analysis",
    "theta_star",
    "type_analysis",
]


def _payoffs(scenario: Scenario, name: str, theta: float, cap: float = 1.0) -> np.ndarray:
    arr = scenario.arrangements[name]
    return absolute_payoffs(arr, theta, cap if name == FORMAL else 1.0)


SEQUENTIAL_NOTE = "sequential move"
"""Why a unilateral arrangement has no class, Nash equilibria or ``delta*`` (docs/model.md section 15.1)."""


def _is_responder(scenario: Scenario, name: str, i: int) -> bool:
    """Whether actor ``i`` responds to the other's move on arrangement ``name`` (section 15.1)."""
    m = scenario.mover_index(name)
    return m >= 0 and m != i


def _margin(scenario: Scenario, name: str, pay: np.ndarray, i: int, tau: float) -> float:
    """Actor ``i``'s margin on ``name`` at trust ``tau`` (docs/model.md sections 3 and 15.1).

    Section 3's ``Delta_i`` for a bilateral arrangement and for the mover
    (``pay`` holds the mover's game, ``T_M = P_M`` and ``S_N = P_N``); the
    responder's ``r_N`` at ``kappa = k (1 - tau)`` after an extension.
    """
    k = scenario.effective_relative_gains[i]
    if _is_responder(scenario, name, i):
        return float(responder_margin(pay[i], pay[1 - i], kappa(k, tau)))
    return float(acceptance_margin(tau, k, pay[i], pay[1 - i]))


def theta_star(scenario: Scenario, rho: float | None = None) -> float | None:
    """Minimal common threat ``theta*`` at which both actors accept ``F`` at initial trust.

    Both channels of docs/model.md section 15.2: ``theta`` raises both ``R``
    by ``theta * s_F`` (the liberal channel, section 7.3), so ``Delta_i``
    rises by ``tau_0i s_F theta``, and divides ``kappa`` by ``1 + rho theta``
    (the realist channel). At its initial trust actor ``i``'s margin is
    ``m(theta) = A0 + a1 theta - K / (1 + rho theta)`` with ``A0, -K/k`` the
    margin's value and slope in ``k`` at ``theta = 0``
    (:func:`~binding_sim.model.margins.margin_in_k`) and ``a1 = tau_0i s_F``;
    :func:`~binding_sim.model.threat.threshold_threat` gives ``theta_i`` and
    :func:`~binding_sim.model.threat.joint_threshold_threat` the smallest
    ``theta`` at which both accept, ``max_i theta_i`` unless relative gains
    help an actor (0 if both already accept; ``None`` if no finite threat
    works). With ``rho = 0`` this is section 7.3's
    ``theta_i = max(0, -Delta_i(0) / (tau_0i s_F))``. For a unilateral
    treaty (docs/model.md section 15.1) the mover's terms are those of its
    game and the responder's are ``A0 = R_N - T_N``, ``a1 = s_F`` (it has
    seen the extension) and ``K = kappa_0 L``
    (:func:`~binding_sim.model.unilateral.responder_margin_in_k`).

    Parameters
    ----------
    scenario : Scenario
        Its formal treaty, actors and (by default) ``threat_dilution``; its
        own ``common_threat`` is not used (``theta*`` is a value of it).
    rho : float, optional
        The realist channel's ``rho``; default the scenario's
        ``threat_dilution``. ``0``: the liberal channel alone
        (``theta_star_liberal_only`` of :func:`analyze`).
    """
    rho = scenario.threat_dilution if rho is None else float(rho)
    pay = _payoffs(scenario, FORMAL, 0.0)
    s = scenario.formal.scope
    terms = []
    for i, act in enumerate(scenario.actors):
        if _is_responder(scenario, FORMAL, i):
            A0, c1 = responder_margin_in_k(act.initial_trust, pay[i], pay[1 - i])
            terms.append((A0, s, -c1 * act.relative_gains))
            continue
        A0, c1 = margin_in_k(act.initial_trust, pay[i], pay[1 - i])
        terms.append((A0, act.initial_trust * s, -c1 * act.relative_gains))
    return joint_threshold_threat(terms, rho)


def _tau_stars(scenario: Scenario, name: str, cap: float = 1.0) -> dict[str, float | None]:
    """Each actor's threshold on ``name``; a responder's is the trust from which it reciprocates."""
    pay = _payoffs(scenario, name, scenario.common_threat, cap)
    k = scenario.effective_relative_gains
    out: dict[str, float | None] = {}
    for i, act in enumerate(scenario.actors):
        if _is_responder(scenario, name, i):
            out[act.name] = polynomial_threshold(*responder_coefficients(k[i], pay[i], pay[1 - i]))
        else:
            out[act.name] = tau_star(k[i], pay[i], pay[1 - i])
    return out


def accepted_at_start(scenario: Scenario, name: str, cap: float = 1.0) -> bool:
    """Whether both actors accept arrangement ``name`` at their initial trust.

    For a unilateral arrangement (docs/model.md section 15.1): the mover
    extends (``Delta^U_M >= -1e-9``) and the responder would reciprocate
    (``r_N >= -1e-9``), the protocol gate's "both accept".
    """
    pay = _payoffs(scenario, name, scenario.common_threat, cap)
    k = scenario.effective_relative_gains
    if scenario.arrangements[name].unilateral:
        return all(
            _margin(scenario, name, pay, i, act.initial_trust) >= -TOL
            for i, act in enumerate(scenario.actors)
        )
    return all(
        bool(accepts(act.initial_trust, k[i], pay[i], pay[1 - i]))
        for i, act in enumerate(scenario.actors)
    )


def one_round_posteriors(scenario: Scenario, name: str, i: int) -> tuple[float, float]:
    """Actor ``i``'s posterior after one perceived compliance and after one perceived defection.

    docs/model.md sections 12.2 and 12.4: arrangement ``name`` on the table
    in round 1 (no rungs implemented: transparency 0, no caps), ``i``'s
    prior ``tau_0i``, the other's type-specific compliance probabilities at
    its initial trust (logit choice of section 3, 0/1 at ``beta = inf``;
    the greedy type's margin loses ``tau g s_X``), mixed by ``i``'s empathy
    with those at full trust, and misreading probability ``q = epsilon_i``.
    How informative the arrangement is: the further apart the two, the more
    one round says. On a unilateral arrangement (docs/model.md section
    15.1) the mover reads the response to an extension (the responder's
    type-specific probabilities of reciprocating, its greedy type's margin
    ``r_N - g s_X``) and the responder reads the mover's move without error
    (``q = 0``).
    """
    j = 1 - i
    me, other = scenario.actors[i], scenario.actors[j]
    arr = scenario.arrangements[name]
    pay = _payoffs(scenario, name, scenario.common_threat)
    responds = _is_responder(scenario, name, j)  # the other reciprocates after seeing a move

    def sigmas(tau_j: float) -> tuple[float, float]:
        d = _margin(scenario, name, pay, j, tau_j)
        infinite = math.isinf(other.decision_precision)
        beta = 0.0 if infinite else other.decision_precision
        greedy = greedy_margin(d, 1.0 if responds else tau_j, other.greed, arr.scope)
        return logit_choice(beta, d, infinite), logit_choice(beta, greedy, infinite)

    s_at, g_at = sigmas(other.initial_trust)
    s_full, g_full = sigmas(1.0)
    sig_s = empathic_probability(me.empathy, s_at, s_full)
    sig_g = empathic_probability(me.empathy, g_at, g_full)
    # a responder sees the mover's move without error (docs/model.md section 15.1)
    q = 0.0 if _is_responder(scenario, name, i) else me.incident_rate
    return (
        bayes_update(me.initial_trust, sig_s, sig_g, q, True),
        bayes_update(me.initial_trust, sig_s, sig_g, q, False),
    )


def type_analysis(scenario: Scenario, name: str) -> dict[str, dict[str, float | None]]:
    """Actor types on one arrangement (docs/model.md sections 12.1 and 12.4), per actor.

    ``tau_star_greedy``: the greedy type's acceptance threshold (closed form
    for symmetric payoffs, as ``tau_star``); ``greed_star``: the greed above
    which the greedy type never accepts, ``(R - T) / s_X`` (its margin at
    full trust over the scope; ``None`` when even ``g = 0`` rejects at full
    trust, or when the quotient is not a finite float, a scope so small that
    no representable greed makes it reject); ``posterior_after_compliance``
    and ``posterior_after_defection`` (:func:`one_round_posteriors`).
    """
    arr = scenario.arrangements[name]
    pay = _payoffs(scenario, name, scenario.common_threat)
    out: dict[str, dict[str, float | None]] = {
        "tau_star_greedy": {},
        "greed_star": {},
        "posterior_after_compliance": {},
        "posterior_after_defection": {},
    }
    for i, act in enumerate(scenario.actors):
        own, other = pay[i], pay[1 - i]
        R, S, T, P = (float(x) for x in own)
        k_i = scenario.effective_relative_gains[i]  # the realist channel (section 15.2)
        if _is_responder(scenario, name, i):  # r_N - g s_X: it has seen the move (section 15.1)
            c2, c1, c0 = responder_coefficients(k_i, own, other)
            threshold = polynomial_threshold(c2, c1, c0 - act.greed * arr.scope)
        elif np.array_equal(own, other):
            b = (P - S) + k_i * (T - S)
            threshold = greedy_threshold_symmetric(R - T, b, act.greed, arr.scope)
        else:
            coef = margin_coefficients(k_i, own, other)
            threshold = greedy_threshold(coef, act.greed, arr.scope)
        out["tau_star_greedy"][act.name] = threshold
        g_star = greed_star(R - T, arr.scope) if R - T >= -TOL else None
        # a tiny scope can push the quotient past the largest float: never emit inf
        out["greed_star"][act.name] = g_star if g_star is None or math.isfinite(g_star) else None
        after_c, after_d = one_round_posteriors(scenario, name, i)
        out["posterior_after_compliance"][act.name] = after_c
        out["posterior_after_defection"][act.name] = after_d
    return out


def arrangement_analysis(scenario: Scenario, name: str) -> dict[str, Any]:
    """Analysis of one arrangement at the actors' initial trust (docs/model.md sections 7 and 12).

    A unilateral arrangement (docs/model.md section 15.1) is a sequential
    move: its ``class``, ``delta_star``, ``self_enforcing`` and
    ``equilibria`` are ``None`` (they are defined for simultaneous 2x2
    games) with ``note`` = :data:`SEQUENTIAL_NOTE`; it reports its ``mover``,
    ``tau_star`` (the mover's ``tau*^U``; the responder's entry is the trust
    from which it reciprocates), ``responder_kappa_hat`` (``None`` when
    relative gains cannot make it hedge) and
    ``responder_reciprocates_at_start`` (``r_N >= -1e-9`` at its initial trust).
    """
    if scenario.arrangements[name].unilateral:
        return _unilateral_analysis(scenario, name)
    a, b = scenario.actors
    game = StageGame.of(scenario.arrangements[name], scenario.common_threat)
    rel = game.relative(scenario.effective_relative_gains, (a.initial_trust, b.initial_trust))
    names = scenario.actor_names
    delta = {names[i]: grim_delta_star(*rel.payoffs(i)) for i in range(2)}
    return {
        "class": {names[i]: classify(*rel.payoffs(i)) for i in range(2)},
        "tau_star": _tau_stars(scenario, name),
        "delta_star": delta,
        "self_enforcing": {
            n: bool(d is not None and d <= scenario.discount_factor + TOL)
            for n, d in delta.items()
        },
        "equilibria": [[sa.tolist(), sb.tolist()] for sa, sb in rel.equilibria()],
        "accepted_at_start": accepted_at_start(scenario, name),
        **type_analysis(scenario, name),
    }


def _unilateral_analysis(scenario: Scenario, name: str) -> dict[str, Any]:
    """:func:`arrangement_analysis` of a unilateral arrangement (docs/model.md sections 15.1, 15.4)."""
    names = scenario.actor_names
    m = scenario.mover_index(name)
    n = 1 - m
    pay = _payoffs(scenario, name, scenario.common_threat)
    kappa_hat = responder_kappa_hat(pay[n], pay[m])
    if kappa_hat is not None:
        kappa_hat = float(kappa_hat) if math.isfinite(kappa_hat) else None
    r0 = _margin(scenario, name, pay, n, scenario.actors[n].initial_trust)
    nothing = dict.fromkeys(names)
    return {
        "mover": names[m],
        "note": SEQUENTIAL_NOTE,
        "class": nothing,
        "tau_star": _tau_stars(scenario, name),
        "delta_star": dict(nothing),
        "self_enforcing": dict(nothing),
        "equilibria": None,
        "accepted_at_start": accepted_at_start(scenario, name),
        "responder_kappa_hat": kappa_hat,
        "responder_reciprocates_at_start": bool(r0 >= -TOL),
        **type_analysis(scenario, name),
    }


def catch22_k_stars(
    scenario: Scenario,
) -> tuple[dict[str, float | None], dict[str, str]]:
    """Each actor's ``k*`` for the formal treaty at its initial trust, and its note (section 7.2).

    A bilateral treaty by :func:`~binding_sim.model.margins.k_star`; the
    responder of a unilateral one by its ``r_N``, affine in ``k`` too
    (:func:`~binding_sim.model.unilateral.responder_margin_in_k`, section 15.1).
    """
    pay_f = _payoffs(scenario, FORMAL, scenario.common_threat)
    ks: dict[str, float | None] = {}
    notes: dict[str, str] = {}
    d = float(dilution(scenario.threat_dilution, scenario.common_threat))
    for i, act in enumerate(scenario.actors):
        if _is_responder(scenario, FORMAL, i):
            c = responder_margin_in_k(act.initial_trust, pay_f[i], pay_f[1 - i], d)
            ks[act.name], notes[act.name] = critical_k(*c)
            continue
        ks[act.name], notes[act.name] = k_star(act.initial_trust, pay_f[i], pay_f[1 - i], d)
    return ks, notes


def analyze(scenario: Scenario) -> dict[str, Any]:
    """Full stage-game and Catch-22 analysis of a scenario (the ``analyze`` command).

    Returns the JSON-ready object documented in ``docs/reference/cli.md``:
    per arrangement its classes, ``tau*``, grim-trigger ``delta*``,
    self-enforcement, Nash equilibria (nashpy support enumeration),
    acceptance at the start and, per actor, the greedy type's threshold
    ``tau_star_greedy``, ``greed_star`` and the one-round posteriors
    (docs/model.md section 12.4, :func:`type_analysis`); the Catch-22 block
    with ``k*`` per actor, ``theta*`` with both channels of a common threat
    and with the liberal channel alone (docs/model.md section 15.2), and the
    formal ``tau*`` with every ladder cap in force; and ``n_actor``, the
    formal treaty among ``N = 2 .. 2 + len(partners)`` actors
    (:func:`n_actor_analysis`; ``None`` without ``[partners]``); and
    ``power``, the balance of power at the start (docs/model.md section
    14.4, :func:`power_analysis`). Every
    ``kappa`` carries the realist channel (``k / (1 + rho theta)`` at the
    scenario's ``theta``). With ``decisions.rule = "forward"`` and
    ``delta > 0``, also ``forward`` (:func:`forward_analysis`).
    """
    names = scenario.actor_names
    ks, notes = catch22_k_stars(scenario)
    caps: dict[str, float | None] | dict[str, None]
    if scenario.ladder is None:
        caps = dict.fromkeys(names)
    else:
        caps = _tau_stars(scenario, FORMAL, scenario.cap_factor_of_ladder())
    return {
        "scenario": scenario.name,
        "actors": list(names),
        "arrangements": {
            name: arrangement_analysis(scenario, name) for name in scenario.arrangements
        },
        "catch22": {
            "k_star": ks,
            "k_star_note": notes,
            "theta_star": theta_star(scenario),
            "theta_star_liberal_only": theta_star(scenario, rho=0.0),
            "formal_accepted_at_start": accepted_at_start(scenario, FORMAL),
            "tau_star_formal_with_caps": caps,
        },
        "n_actor": n_actor_analysis(scenario) if scenario.partners else None,
        "power": power_analysis(scenario, ks, notes),
        **({"forward": forward_analysis(scenario)} if _is_forward(scenario) else {}),
    }


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def power_analysis(
    scenario: Scenario,
    k_stars: dict[str, float | None] | None = None,
    notes: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The balance of power at the start (docs/model.md sections 14.2 to 14.4).

    - ``k_derived``: the sensitivity derived at ``p_0``
      (:func:`~binding_sim.model.power.derived_sensitivity`, in units of the
      key ``relative_gains``), and ``war_live_factor`` ``ell``;
    - ``critical_war_cost``: ``C*``, the smallest ``min C`` at which the
      formal treaty is accepted in round 1 with the derived ``k``, from
      ``k*_F``, the smaller of the actors' ``k*`` of section 7 (0 if relative
      gains cannot make an actor reject; ``None`` if one rejects even at
      ``k = 0`` or ``eta = 0``);
    - ``shift_threshold``: ``D*_i`` at ``p_0`` per actor (``None`` when its
      ``war_cost`` is infinite);
    - ``exploitation_shift``: per arrangement and actor, the share the actor
      loses when exploited once from ``p_0`` (it complies, the other
      defects: ``pi_A - pi_B = S_A - T_B`` for the first actor).

    ``k_stars`` and ``notes`` are the Catch-22 block's ``k*`` per actor
    (computed here when not given).
    """
    pw = scenario.power
    names = scenario.actor_names
    delta, G, eta, p0 = scenario.discount_factor, pw.stake, pw.conversion_rate, pw.initial_share
    if k_stars is None or notes is None:
        k_stars, notes = catch22_k_stars(scenario)
    min_cost = min(a.war_cost for a in scenario.actors)
    discounted = delta < 1.0
    k_derived = derived_sensitivity(p0, eta, G, delta, min_cost) if discounted else None
    c_star: float | None = None
    if discounted and eta > 0.0:
        if any(notes[n] == "rejects even at k = 0" for n in names):
            c_star = None
        else:
            finite = [k for k in k_stars.values() if k is not None]
            c_star = critical_war_cost(min(finite), p0, eta, G, delta) if finite else 0.0
    shares = (p0, 1.0 - p0)
    threshold = {
        act.name: (
            _finite(shift_threshold(shares[i], act.war_cost, G, delta)) if discounted else None
        )
        for i, act in enumerate(scenario.actors)
    }
    shifts: dict[str, dict[str, float]] = {}
    for name in scenario.arrangements:
        pay = _payoffs(scenario, name, scenario.common_threat)
        # A exploited: A gets S, B gets T; B exploited: A gets T, B gets S
        p_a = shift_power(p0, eta, float(pay[0][1] - pay[1][2]))
        p_b = shift_power(p0, eta, float(pay[0][2] - pay[1][1]))
        shifts[name] = {names[0]: p0 - p_a, names[1]: p_b - p0}
    return {
        "conversion_rate": eta,
        "initial_share": p0,
        "k_derived": k_derived,
        "war_live_factor": war_live_factor(delta, min_cost, G),
        "critical_war_cost": c_star,
        "shift_threshold": threshold,
        "exploitation_shift": shifts,
    }


def _is_forward(scenario: Scenario) -> bool:
    """:func:`binding_sim.dynamics.tables.is_forward` (imported when needed: it loads the engine)."""
    from .dynamics.tables import is_forward

    return is_forward(scenario)


def forward_analysis(scenario: Scenario) -> dict[str, Any]:
    """The formal treaty for forward-looking actors (docs/model.md sections 13.4 to 13.6).

    Per protocol (``formal``, and ``piecemeal`` when the scenario has a
    ladder), at the start state: each actor's ``tau*_{i,delta}``, section 3's
    threshold of the forward margin ``Delta_i + delta D_i`` with the other's
    trust at its initial value
    (:func:`~binding_sim.dynamics.forward.forward_threshold`); whether both
    accept at initial trust; and the solver's ``iterations``, ``residual``,
    ``seconds``, ``outer_rounds`` and ``cycle_states``. Under the piecemeal
    protocol also ``rungs``: each rung's forward threshold per actor, in the
    protocol state where it is offered (its predecessors implemented). ``k_star``: ``k*_delta`` of each actor,
    section 9.2's ``k*`` of the forward margin (formal protocol, re-solved per
    ``k``; :func:`~binding_sim.dynamics.forward.forward_k_star`).
    """
    from .dynamics import forward

    protocols = ["formal"] + (["piecemeal"] if scenario.ladder is not None else [])
    out: dict[str, Any] = {
        "delta": scenario.discount_factor,
        "grid_points": scenario.decisions.grid_points,
        "protocols": {},
    }
    names = scenario.actor_names
    for protocol in protocols:
        sol = forward.solve(scenario, protocol)
        out["protocols"][protocol] = {
            "tau_star": {
                names[i]: forward.forward_threshold(scenario, protocol, i) for i in range(2)
            },
            "accepted_at_start": forward.accepted_at_start(scenario, protocol),
            "solver": {
                "iterations": sol.iterations,
                "residual": sol.residual,
                "seconds": sol.seconds,
                "outer_rounds": sol.outer_rounds,
                "cycle_states": sol.cycle_states,
            },
        }
        if protocol == "piecemeal" and scenario.ladder is not None:
            # rung r is offer 1 of protocol state r (r rungs implemented; section 5.3)
            out["protocols"][protocol]["rungs"] = {
                name: {
                    names[i]: forward.forward_threshold(scenario, protocol, i, state=r, offer=1)
                    for i in range(2)
                }
                for r, name in enumerate(scenario.ladder)
            }
    out["k_star"] = {names[i]: forward.forward_k_star(scenario, i) for i in range(2)}
    return out


def n_actor_analysis(scenario: Scenario, n_max: int | None = None) -> dict[int, dict[str, Any]]:
    """The formal treaty among ``N`` actors, for each voting actor (docs/model.md section 15.3).

    For ``N = 2 .. n_max`` (default ``2 + len(scenario.partners)``): each
    actor's threshold ``tau*_N`` (:func:`~binding_sim.model.partners.n_actor_threshold`),
    critical sensitivity ``k*_N`` at its initial trust (in units of its
    ``relative_gains``; ``None`` when no ``k`` makes it reject), its margin
    ``Delta_N`` at its initial trust (``margin_at_start``) and whether it
    accepts there (``Delta_N >= -1e-9``). The treaty's symmetric payoffs
    carry the threat term (``R + theta s``) and ``kappa`` the realist
    channel (``k`` diluted by ``1 + rho theta``, section 15.2). Partners do
    not vote: only the two actors' acceptance is reported.

    Raises
    ------
    BindingSimError
        The formal treaty's payoffs differ between the actors (the N-actor
        margin needs symmetric payoffs), or ``n_max < 2``.
    """
    if not scenario.formal.symmetric:
        raise BindingSimError(
            f"scenario {scenario.name!r}: the N-actor analysis (docs/model.md section 15.3) needs "
            "the formal treaty's payoffs the same for both actors"
        )
    n_max = 2 + len(scenario.partners) if n_max is None else int(n_max)
    if n_max < 2:
        raise BindingSimError(f"n_max = {n_max}: the N-actor analysis needs N >= 2")
    R, S, T, P = (float(x) for x in _payoffs(scenario, FORMAL, scenario.common_threat)[0])
    d = float(dilution(scenario.threat_dilution, scenario.common_threat))
    k_eff = scenario.effective_relative_gains
    out: dict[int, dict[str, Any]] = {}
    for n in range(2, n_max + 1):
        row: dict[str, Any] = {}
        for i, act in enumerate(scenario.actors):
            margin = n_actor_margin(act.initial_trust, k_eff[i], n, R, S, T, P)
            ks = n_actor_k_star(act.initial_trust, n, R, S, T, P)
            row[act.name] = {
                "tau_star": n_actor_threshold(k_eff[i], n, R, S, T, P),
                "k_star": None if ks is None else ks / d,
                "margin_at_start": margin,
                "accepted_at_start": bool(margin >= -TOL),
            }
        out[n] = row
    return out
