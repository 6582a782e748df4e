"""Hypothesis generators of valid games, arrangements and scenarios (Axelrod's tests/property.py style).

Other test modules import these; they hold no test of their own.

What "valid" means here
-----------------------
* Payoffs are multiples of 1/2 in [-10, 10] and relative-gains sensitivities
  ``k`` are multiples of 1/4 in [0, 4]. Restricting to this lattice keeps every
  coefficient of ``Delta(tau)`` a multiple of 1/16, so whenever a slope or a
  gap is not exactly zero it is at least 1/16, far above the acceptance
  tolerance 1e-9: an assertion such as "rejects just below tau*" is then about
  the model, not about rounding.
* A *class-valid* payoff quadruple ``(R, S, T, P)`` satisfies the strict
  inequalities of its class in docs/model.md section 7 (written out again in
  :data:`CLASS_RULES`, independently of ``binding_sim.model.stage_game.classify``);
  ``"other"`` quadruples have a tie among the pairs compared.
* A *valid arrangement* is one actor pair of such quadruples: symmetric
  (both actors equal) or asymmetric (each drawn separately); any class.
* A *nondegenerate* 2x2 game has ``R != T`` and ``S != P`` for each actor:
  every pure strategy has a unique best response, so support enumeration and
  vertex enumeration must find the same equilibria.
* A *valid scenario* (:func:`scenario_dicts`) obeys every rule of docs/model.md
  section 10: exactly two actors, a formal treaty of scope 1, rungs of scope
  in (0, 1], ``lambda * w_X <= 1`` for every arrangement, a ladder of distinct
  defined rungs (or no ladder), every number inside its schema range.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import permutations
from typing import Any

import numpy as np
from hypothesis import strategies as st

__all__ = [
    "CLASS_RULES",
    "GAME_CLASSES",
    "arrangement_payoffs",
    "class_payoffs",
    "nondegenerate_games",
    "payoff_values",
    "rstp",
    "scenario_dicts",
    "sensitivities",
    "stag_hunts",
    "symmetric_payoffs",
    "trust_levels",
]

GAME_CLASSES = ("harmony", "stag_hunt", "chicken", "prisoners_dilemma", "deadlock", "other")

Rule = Callable[[float, float, float, float], bool]

CLASS_RULES: dict[str, Rule] = {
    "harmony": lambda R, S, T, P: R > T and S > P,
    "stag_hunt": lambda R, S, T, P: R > T and P > S,
    "chicken": lambda R, S, T, P: T > R and S > P,
    "prisoners_dilemma": lambda R, S, T, P: T > R > P > S,
    "deadlock": lambda R, S, T, P: T > R and P > S and P > R,
}
"""docs/model.md section 7's strict inequalities per class, from one actor's own payoffs."""

# Every strict ordering of (R, S, T, P) compatible with each class: rank r[i]
# is the position of R, S, T, P (0 = smallest) among four distinct values.
_ORDERINGS: dict[str, list[tuple[int, ...]]] = {
    name: [r for r in permutations(range(4)) if rule(*r)] for name, rule in CLASS_RULES.items()
}

payoff_values = st.integers(-20, 20).map(lambda n: n / 2)
"""A payoff: a multiple of 1/2 in [-10, 10]."""

sensitivities = st.integers(0, 16).map(lambda n: n / 4)
"""A relative-gains sensitivity ``k``: a multiple of 1/4 in [0, 4]."""

trust_levels = st.integers(0, 64).map(lambda n: n / 64)
"""A trust level: a multiple of 1/64 in [0, 1]."""


@st.composite
def class_payoffs(draw: st.DrawFn, game_class: str) -> tuple[float, float, float, float]:
    """``(R, S, T, P)`` of one actor in class ``game_class`` (see the module docstring).

    For the five named classes: four distinct lattice values arranged in an
    ordering that satisfies the class's strict inequalities. For ``"other"``:
    a quadruple with a tie among the compared pairs (``R = T``, ``S = P``, or
    ``T > R``, ``P > S`` with ``R = P``).
    """
    if game_class == "other":
        R, S, T, P = (draw(payoff_values) for _ in range(4))
        kind = draw(st.sampled_from(["R=T", "S=P", "R=P"]))
        if kind == "R=T":
            T = R
        elif kind == "S=P":
            P = S
        else:
            low, mid, high = sorted(
                draw(st.lists(payoff_values, min_size=3, max_size=3, unique=True))
            )
            S, R, P, T = low, mid, mid, high
        return (R, S, T, P)
    values = sorted(draw(st.lists(payoff_values, min_size=4, max_size=4, unique=True)))
    ranks = draw(st.sampled_from(_ORDERINGS[game_class]))
    R, S, T, P = (values[r] for r in ranks)
    return (R, S, T, P)


@st.composite
def rstp(draw: st.DrawFn) -> tuple[float, float, float, float]:
    """``(R, S, T, P)`` of one actor, any class (ties allowed)."""
    return tuple(draw(payoff_values) for _ in range(4))  # type: ignore[return-value]


@st.composite
def symmetric_payoffs(
    draw: st.DrawFn, game_class: str | None = None, t_gt_s: bool = False
) -> tuple[float, float, float, float]:
    """Payoffs shared by both actors; optionally of a class and with ``T > S``.

    ``t_gt_s=True`` gives the monotonicity family of the issue: symmetric
    payoffs whose temptation exceeds the sucker's payoff (so relative gains
    make defection more attractive).
    """
    cls = game_class or draw(st.sampled_from(GAME_CLASSES))
    if t_gt_s:
        return draw(class_payoffs(cls).filter(lambda p: p[2] > p[1]))
    return draw(class_payoffs(cls))


@st.composite
def stag_hunts(draw: st.DrawFn) -> tuple[float, float, float, float]:
    """Symmetric Stag Hunt payoffs (R > T, P > S) with T > S (docs/model.md section 9 item 1)."""
    return draw(class_payoffs("stag_hunt").filter(lambda p: p[2] > p[1]))


@st.composite
def arrangement_payoffs(draw: st.DrawFn, symmetric: bool | None = None) -> np.ndarray:
    """Per-actor ``(R, S, T, P)``, shape (2, 4): a valid arrangement of any classes."""
    sym = draw(st.booleans()) if symmetric is None else symmetric
    cls_a = draw(st.sampled_from(GAME_CLASSES))
    a = draw(class_payoffs(cls_a))
    if sym:
        b = a
    else:
        b = draw(class_payoffs(draw(st.sampled_from(GAME_CLASSES))))
    return np.array([a, b], dtype=float)


@st.composite
def nondegenerate_games(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """A nondegenerate 2x2 bimatrix game ``(A, B)`` in nashpy's convention."""
    a = draw(rstp().filter(lambda p: p[0] != p[2] and p[1] != p[3]))
    b = draw(rstp().filter(lambda p: p[0] != p[2] and p[1] != p[3]))
    A = np.array([[a[0], a[1]], [a[2], a[3]]])
    B = np.array([[b[0], b[2]], [b[1], b[3]]])
    return A, B


def _payoff_table(p: tuple[float, ...]) -> dict[str, float]:
    return {name: float(x) for name, x in zip("RSTP", p, strict=True)}


@st.composite
def scenario_dicts(draw: st.DrawFn, max_rungs: int = 3) -> dict[str, Any]:
    """A raw scenario mapping (as parsed from TOML) satisfying every rule of docs/model.md section 10."""
    names = draw(
        st.lists(
            st.sampled_from(["NATO", "Russia", "East", "West", "A", "B"]),
            min_size=2,
            max_size=2,
            unique=True,
        )
    )
    lam = draw(st.integers(0, 8).map(lambda n: n / 8))
    raw: dict[str, Any] = {
        "scenario": {
            "name": "generated",
            "horizon": draw(st.integers(1, 400)),
            "discount_factor": draw(st.integers(0, 20).map(lambda n: n / 20)),
            "common_threat": draw(st.integers(0, 12).map(lambda n: n / 4)),
        },
        "trust": {
            "building_rate": lam,
            "erosion_rate": draw(st.integers(0, 8).map(lambda n: n / 8)),
            "recovery_rate": draw(st.integers(0, 8).map(lambda n: n / 8)),
        },
        "actors": {
            n: {
                "relative_gains": draw(sensitivities),
                "initial_trust": draw(trust_levels),
                "incident_rate": draw(st.integers(0, 10).map(lambda n: n / 20)),
                "decision_precision": draw(st.sampled_from([float("inf"), 0.0, 1.0, 10.0])),
            }
            for n in names
        },
        "arrangements": {},
    }
    max_w = 1.0 / lam if lam > 0 else 4.0

    def arrangement(scope: float) -> dict[str, Any]:
        pay = draw(arrangement_payoffs())
        body: dict[str, Any] = {
            "scope": scope,
            "trust_weight": draw(st.integers(1, 8).map(lambda n: n / 8 * min(max_w, 4.0))),
        }
        if np.array_equal(pay[0], pay[1]) and draw(st.booleans()):
            body["payoffs"] = _payoff_table(tuple(pay[0]))
        else:
            body["payoffs"] = {names[i]: _payoff_table(tuple(pay[i])) for i in range(2)}
        return body

    raw["arrangements"]["formal"] = arrangement(1.0)
    rungs = [f"rung{i}" for i in range(draw(st.integers(0, max_rungs)))]
    for r in rungs:
        body = arrangement(draw(st.integers(1, 10).map(lambda n: n / 10)))
        body["effects"] = {
            "transparency_gain": draw(st.integers(0, 4).map(lambda n: n / 4)),
            "cap_factor": draw(st.integers(1, 4).map(lambda n: n / 4)),
        }
        raw["arrangements"][r] = body
    if rungs and draw(st.booleans()):
        ladder = draw(st.permutations(rungs))
        ladder = ladder[: draw(st.integers(1, len(ladder)))]
        raw["protocols"] = {
            "piecemeal": {"ladder": list(ladder), "setback": draw(st.integers(0, len(ladder)))}
        }
    return raw
