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
from .model.margins import (
    TOL,
    acceptance_margin,
    accepts,
    grim_delta_star,
    k_star,
    tau_star,
)
from .model.payoffs import absolute_payoffs
from .model.stage_game import StageGame, classify

__all__ = ["accepted_at_start", "analyze", "arrangement_analysis", "theta_star"]


def _payoffs(scenario: Scenario, name: str, theta: float, cap: float = 1.0) -> np.ndarray:
    arr = scenario.arrangements[name]
    return absolute_payoffs(arr, theta, cap if name == FORMAL else 1.0)


def theta_star(scenario: Scenario) -> float | None:
    """Minimal common threat ``theta*`` at which both actors accept ``F`` at initial trust.

    ``theta`` raises both ``R`` by ``theta * s_F``, so ``Delta_i`` rises by
    ``tau_0i s_F theta``: ``theta_i = max(0, -Delta_i(0) / (tau_0i s_F))`` and
    ``theta* = max_i theta_i`` (0 if both already accept; ``None`` if an actor
    with zero initial trust rejects).
    """
    pay = _payoffs(scenario, FORMAL, 0.0)
    s = scenario.formal.scope
    out = 0.0
    for i, act in enumerate(scenario.actors):
        d0 = float(acceptance_margin(act.initial_trust, act.relative_gains, pay[i], pay[1 - i]))
        if d0 >= -TOL:
            continue
        if act.initial_trust * s <= 0:
            return None
        out = max(out, -d0 / (act.initial_trust * s))
    # a (sub)normal initial trust can push the quotient past the largest float:
    # no finite value works then (never emit inf silently)
    return out if math.isfinite(out) else None


def _tau_stars(scenario: Scenario, name: str, cap: float = 1.0) -> dict[str, float | None]:
    pay = _payoffs(scenario, name, scenario.common_threat, cap)
    return {
        act.name: tau_star(act.relative_gains, pay[i], pay[1 - i])
        for i, act in enumerate(scenario.actors)
    }


def accepted_at_start(scenario: Scenario, name: str, cap: float = 1.0) -> bool:
    """Whether both actors accept arrangement ``name`` at their initial trust."""
    pay = _payoffs(scenario, name, scenario.common_threat, cap)
    return all(
        bool(accepts(act.initial_trust, act.relative_gains, pay[i], pay[1 - i]))
        for i, act in enumerate(scenario.actors)
    )


def arrangement_analysis(scenario: Scenario, name: str) -> dict[str, Any]:
    """Analysis of one arrangement at the actors' initial trust (docs/model.md section 7)."""
    a, b = scenario.actors
    game = StageGame.of(scenario.arrangements[name], scenario.common_threat)
    rel = game.relative((a.relative_gains, b.relative_gains), (a.initial_trust, b.initial_trust))
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
    }


def analyze(scenario: Scenario) -> dict[str, Any]:
    """Full stage-game and Catch-22 analysis of a scenario (the ``analyze`` command).

    Returns the JSON-ready object documented in ``docs/reference/cli.md``:
    per arrangement its classes, ``tau*``, grim-trigger ``delta*``,
    self-enforcement, Nash equilibria (nashpy support enumeration) and
    acceptance at the start; and the Catch-22 block with ``k*`` per actor,
    ``theta*``, and the formal ``tau*`` with every ladder cap in force.
    """
    names = scenario.actor_names
    pay_f = _payoffs(scenario, FORMAL, scenario.common_threat)
    ks: dict[str, float | None] = {}
    notes: dict[str, str] = {}
    for i, act in enumerate(scenario.actors):
        ks[act.name], notes[act.name] = k_star(act.initial_trust, pay_f[i], pay_f[1 - i])
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
            "formal_accepted_at_start": accepted_at_start(scenario, FORMAL),
            "tau_star_formal_with_caps": caps,
        },
    }
