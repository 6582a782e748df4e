"""Hypothesis properties of the analysis over generated valid arrangements and scenarios.

"Valid" is defined in ``tests/strategies_hypothesis.py``: payoffs on a lattice
of halves, ``k`` on quarters, every game class (Chicken and asymmetric
payoffs included), scenarios obeying every rule of docs/model.md section 10.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies_hypothesis import (
    GAME_CLASSES,
    arrangement_payoffs,
    class_payoffs,
    scenario_dicts,
    sensitivities,
    symmetric_payoffs,
)

from binding_sim.analysis import analyze
from binding_sim.config.scenario import Scenario
from binding_sim.model.margins import TOL, accepts, tau_star

GRID = np.linspace(0.0, 1.0, 2001)


def hand_delta(tau: np.ndarray, k: float, own, other) -> np.ndarray:
    """docs/model.md section 3's Delta_i on an array of trust levels, written out independently."""
    R, S, T, P = own
    Rj, Sj, Tj, Pj = other
    kap = k * (1 - tau)
    cc = R - T - kap * ((T - R) + (Rj - Sj))  # U(C,C) - U(D,C)
    cd = S - P - kap * ((P - S) + (Tj - Pj))  # U(C,D) - U(D,D)
    return tau * cc + (1 - tau) * cd


def _in_unit(x: Any) -> bool:
    return x is None or (isinstance(x, float) and 0.0 <= x <= 1.0)


def _nonneg(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isfinite(x) and x >= 0.0)


# ------------------------------------------------------------ thresholds
@settings(max_examples=60)
@given(scenario_dicts())
def test_thresholds_in_unit_interval_or_none(raw: dict[str, Any]) -> None:
    out = analyze(Scenario.from_dict(raw))
    names = out["actors"]
    for a in out["arrangements"].values():
        for n in names:
            assert _in_unit(a["tau_star"][n])
            assert _in_unit(a["delta_star"][n])
            assert isinstance(a["self_enforcing"][n], bool)
            assert a["class"][n] in GAME_CLASSES
        assert isinstance(a["accepted_at_start"], bool)
        assert a["equilibria"], "every finite 2x2 game has an equilibrium"
        for sa, sb in a["equilibria"]:
            for s in (sa, sb):
                assert len(s) == 2 and all(0.0 <= x <= 1.0 for x in s)
                assert sum(s) == pytest.approx(1.0)
    c = out["catch22"]
    for n in names:
        assert _nonneg(c["k_star"][n])
        assert _in_unit(c["tau_star_formal_with_caps"][n])
    assert _nonneg(c["theta_star"])


# ------------------------------------------------------------ symmetry
def _swap(raw: dict[str, Any]) -> dict[str, Any]:
    """The same scenario with the actors listed in the other order (B becomes the row player)."""
    out = dict(raw)
    out["actors"] = dict(reversed(list(raw["actors"].items())))
    return out


def _eq_set(eqs: list, swap: bool) -> list:
    pairs = [(tuple(b), tuple(a)) if swap else (tuple(a), tuple(b)) for a, b in eqs]
    return sorted(pairs)


@settings(max_examples=60)
@given(scenario_dicts())
def test_swapping_the_actors_swaps_the_results(raw: dict[str, Any]) -> None:
    one = analyze(Scenario.from_dict(raw))
    two = analyze(Scenario.from_dict(_swap(raw)))
    assert two["actors"] == one["actors"][::-1]
    for name, a in one["arrangements"].items():
        b = two["arrangements"][name]
        # per-actor results are keyed by name, so they must match exactly
        for key in ("class", "tau_star", "delta_star", "self_enforcing"):
            assert b[key].keys() == a[key].keys()
            for n in a[key]:
                assert b[key][n] == pytest.approx(a[key][n], abs=1e-12), (name, key, n)
        assert b["accepted_at_start"] == a["accepted_at_start"]
        # equilibria: (sigma_A, sigma_B) of one game are (sigma_B, sigma_A) of the other
        ea, eb = _eq_set(a["equilibria"], False), _eq_set(b["equilibria"], True)
        assert len(ea) == len(eb)
        for x, y in zip(ea, eb, strict=True):
            np.testing.assert_allclose(np.array(x), np.array(y), atol=1e-9)
    for key in ("k_star", "tau_star_formal_with_caps"):
        for n in one["catch22"][key]:
            assert two["catch22"][key][n] == pytest.approx(one["catch22"][key][n], abs=1e-12)
    assert two["catch22"]["theta_star"] == pytest.approx(one["catch22"]["theta_star"], abs=1e-12)
    assert two["catch22"]["formal_accepted_at_start"] == one["catch22"]["formal_accepted_at_start"]


# ------------------------------------------------------------ monotonicity
def _key(t: float | None) -> float:
    """Order thresholds with None (never accepted) above every number."""
    return math.inf if t is None else t


@given(symmetric_payoffs(t_gt_s=True), sensitivities, sensitivities)
def test_tau_star_never_falls_as_k_rises(p, k1, k2) -> None:
    lo, hi = sorted((k1, k2))
    assert _key(tau_star(lo, p, p)) <= _key(tau_star(hi, p, p)) + 1e-12


@given(
    symmetric_payoffs(t_gt_s=True),
    sensitivities,
    st.integers(0, 40).map(lambda n: n / 4),
    st.integers(0, 40).map(lambda n: n / 4),
    st.integers(1, 10).map(lambda n: n / 10),
)
def test_tau_star_never_falls_as_theta_falls(p, k, th1, th2, scope) -> None:
    lo, hi = sorted((th1, th2))

    def at(theta: float) -> float | None:
        q = (p[0] + theta * scope, p[1], p[2], p[3])  # R rises by theta * s_X
        return tau_star(k, q, q)

    assert _key(at(lo)) >= _key(at(hi)) - 1e-12


# ------------------------------------------------------------ acceptance
def _check_acceptance_and_threshold(k: float, own, other) -> None:
    delta = hand_delta(GRID, k, own, other)
    acc = accepts(GRID, k, own, other)
    # acceptance is the sign of Delta with the model's tolerance
    np.testing.assert_array_equal(acc, delta >= -TOL)
    t = tau_star(k, own, other)
    if t is None:
        assert delta[-1] < -TOL  # rejects at full trust
        return
    assert 0.0 <= t <= 1.0
    # accepts on [tau*, 1] (numerical root: allow the last ulp of slack)
    above = GRID >= t
    assert np.all(hand_delta(GRID[above], k, own, other) >= -TOL - 1e-12)
    assert hand_delta(np.array([t]), k, own, other)[0] >= -TOL - 1e-12
    # rejects just below tau*, unless tau* = 0
    if t > 0:
        assert hand_delta(np.array([max(0.0, t - 1e-7)]), k, own, other)[0] < -TOL


@pytest.mark.parametrize("game_class", GAME_CLASSES)
def test_acceptance_agrees_with_delta_symmetric(game_class: str) -> None:
    @settings(max_examples=40)
    @given(class_payoffs(game_class), sensitivities)
    def check(p, k) -> None:
        _check_acceptance_and_threshold(k, p, p)

    check()


@pytest.mark.parametrize("game_class", GAME_CLASSES)
def test_acceptance_agrees_with_delta_asymmetric(game_class: str) -> None:
    @settings(max_examples=40)
    @given(class_payoffs(game_class), arrangement_payoffs(symmetric=False), sensitivities)
    def check(own, pair, k) -> None:
        _check_acceptance_and_threshold(k, own, tuple(pair[1]))

    check()


def test_chicken_accepts_at_low_trust_and_rejects_at_high() -> None:
    # Chicken (R 3, S 1, T 4, P 0) at k = 0: Delta = tau (3 - 4) + (1 - tau)(1 - 0) = 1 - 2 tau:
    # accepted below 1/2, rejected above, so there is no threshold (rejects at tau = 1)
    p = (3.0, 1.0, 4.0, 0.0)
    assert bool(accepts(0.4, 0.0, p, p)) and not bool(accepts(0.6, 0.0, p, p))
    assert tau_star(0.0, p, p) is None


def test_asymmetric_quadratic_threshold_by_hand() -> None:
    # own (R, S, T, P) = (2, -1, 1, 0), other (1, 0, 1, 0), k = 1:
    # d1 = 1, d0 = -1, e1 = 1, e0 = 1, g1 = 0, g0 = -2
    # Delta = tau - (1 - tau) + (1 - tau)(-2 (1 - tau)) = -2 tau^2 + 6 tau - 3
    # roots (6 -+ sqrt(12)) / 4: the one in [0, 1] is (3 - sqrt 3) / 2
    own, other = (2.0, -1.0, 1.0, 0.0), (1.0, 0.0, 1.0, 0.0)
    t = tau_star(1.0, own, other)
    assert t == pytest.approx((3 - math.sqrt(3)) / 2, abs=1e-8)
    taus = np.array([0.3, 0.9])
    np.testing.assert_allclose(hand_delta(taus, 1.0, own, other), -2 * taus**2 + 6 * taus - 3)
