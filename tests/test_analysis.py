"""Closed-form results of docs/model.md section 9 (items 1, 2, 5, 6) and the section 10 numbers.

Every expected value is derived here by hand algebra (written out in the
test) or by a second method (nashpy equilibria, brute-force scans), never
copied from the package's output.
"""

from __future__ import annotations

import math

import nashpy as nash
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies_hypothesis import (
    class_payoffs,
    payoff_values,
    sensitivities,
    stag_hunts,
    trust_levels,
)

from binding_sim.analysis import accepted_at_start, analyze, theta_star
from binding_sim.config.scenario import Scenario
from binding_sim.model.margins import (
    TOL,
    acceptance_margin,
    accepts,
    grim_delta_star,
    k_star,
    tau_star,
    tau_star_closed_form,
    tau_star_numeric,
)


def hand_delta(tau: float, k: float, own, other) -> float:
    """docs/model.md section 3's Delta_i written out from U_i = (1 + kappa) pi_i - kappa pi_j."""
    R, S, T, P = own
    Rj, Sj, Tj, Pj = other
    kap = k * (1 - tau)
    u_cc = (1 + kap) * R - kap * Rj  # both comply
    u_dc = (1 + kap) * T - kap * Sj  # i defects on a complier: j gets its sucker payoff
    u_cd = (1 + kap) * S - kap * Tj  # i is the sucker: j gets its temptation
    u_dd = (1 + kap) * P - kap * Pj
    return tau * (u_cc - u_dc) + (1 - tau) * (u_cd - u_dd)


def hand_tau_star(R: float, S: float, T: float, P: float, k: float, theta_s: float = 0.0):
    """Symmetric tau* = b / (a + b), a = R + theta s - T, b = (P - S) + k (T - S)."""
    a = R + theta_s - T
    b = (P - S) + k * (T - S)
    if a < 0:
        return None
    if b <= 0:
        return 0.0
    if a == 0:
        return 1.0
    return b / (a + b)


# --------------------------------------------------------------- section 10
def test_section10_thresholds_of_the_2016_preset(krickovic: Scenario) -> None:
    # k = 1, tau_0 = 0.5, theta = 0: tau* = b / (a + b) with a = R - T, b = (P - S) + (T - S)
    expected = {
        "formal": 6 / 10,  # a = 6 - 2 = 4, b = 2 + 4 = 6
        "md_transparency": 0.6 / 1.4,  # a = 0.8, b = 0.2 + 0.4
        "interceptor_caps": 0.9 / 1.6,  # a = 0.7, b = 0.3 + 0.6
        "buffer_zone": 1.2 / 2.3,  # a = 1.1, b = 0.4 + 0.8
    }
    out = analyze(krickovic)
    for name, value in expected.items():
        for actor in ("NATO", "Russia"):
            assert out["arrangements"][name]["tau_star"][actor] == pytest.approx(value, abs=1e-12)
    assert round(expected["formal"], 3) == 0.600
    assert round(expected["md_transparency"], 3) == 0.429
    assert expected["interceptor_caps"] == 0.5625
    assert round(expected["buffer_zone"], 3) == 0.522
    # formal rejected at the start, the first rung accepted (the Catch-22 with a way out)
    assert out["arrangements"]["formal"]["accepted_at_start"] is False
    assert out["arrangements"]["md_transparency"]["accepted_at_start"] is True
    assert out["catch22"]["formal_accepted_at_start"] is False
    # with the one cap c = 0.5 in force: T = 1, S = -1: a = 5, b = 1 + 2 = 3, tau* = 3/8
    caps = out["catch22"]["tau_star_formal_with_caps"]
    assert caps == {"NATO": pytest.approx(3 / 8), "Russia": pytest.approx(3 / 8)}
    # k*: Delta(0.5) = 0.5 * 4 - 0.5 * (2 + 4 k) >= 0 iff k <= 1/2
    assert out["catch22"]["k_star"] == {"NATO": pytest.approx(0.5), "Russia": pytest.approx(0.5)}
    # theta*: 0.5 (4 + theta) - 0.5 * 6 >= 0 iff theta >= 2
    assert out["catch22"]["theta_star"] == pytest.approx(2.0)


def test_the_2010_preset_accepts_the_guarantee(exporting: Scenario) -> None:
    out = analyze(exporting)
    # theta = 3: a = 6 + 3 - 2 = 7. NATO k = 0.5: b = 2 + 2 = 4; Russia k = 1: b = 6.
    assert out["arrangements"]["formal"]["tau_star"]["NATO"] == pytest.approx(4 / 11)
    assert out["arrangements"]["formal"]["tau_star"]["Russia"] == pytest.approx(6 / 13)
    # theta*: NATO 0.6 (4 + th) - 0.4 * 4 >= 0 holds at th = 0; Russia 0.5 (4 + th) - 3 >= 0 iff th >= 2
    assert out["catch22"]["theta_star"] == pytest.approx(2.0)
    assert out["catch22"]["formal_accepted_at_start"] is True
    # k* at theta = 3: NATO (0.6 * 7 - 0.4 * 2) / (0.4 * 4) = 2.125; Russia (3.5 - 1) / 2 = 1.25
    assert out["catch22"]["k_star"]["NATO"] == pytest.approx(2.125)
    assert out["catch22"]["k_star"]["Russia"] == pytest.approx(1.25)
    assert out["catch22"]["tau_star_formal_with_caps"] == {"NATO": None, "Russia": None}


# --------------------------------------------------------- section 9, item 1
def mixed_equilibrium_compliance(A: np.ndarray, B: np.ndarray) -> tuple[float, float]:
    """The fully mixed equilibrium of a 2x2 game from nashpy's support enumeration."""
    mixed = [
        (sa, sb)
        for sa, sb in nash.Game(A, B).support_enumeration()
        if 1e-9 < sa[0] < 1 - 1e-9 and 1e-9 < sb[0] < 1 - 1e-9
    ]
    assert len(mixed) == 1
    return float(mixed[0][0][0]), float(mixed[0][1][0])


@given(stag_hunts(), sensitivities)
def test_tau_star_closed_form_numeric_and_nashpy_fixed_point(pay, k) -> None:
    R, S, T, P = pay
    expected = hand_tau_star(R, S, T, P, k)
    # R > T and P > S, T > S: a > 0 and b > 0, an interior threshold
    assert expected is not None and 0 < expected < 1
    assert tau_star(k, pay, pay) == pytest.approx(expected, abs=1e-12)
    assert tau_star_closed_form(R - T, (P - S) + k * (T - S)) == pytest.approx(expected, abs=1e-12)
    # the numeric path solves Delta = -TOL, so it may sit TOL / (a + b) <= 16 TOL lower
    numeric = tau_star_numeric(k, np.array(pay), np.array(pay))
    assert numeric == pytest.approx(expected, abs=1e-7)
    # nashpy: both kappas fixed at k (1 - tau*), the transformed game's mixed
    # equilibrium has each actor comply with probability tau*
    kap = k * (1 - expected)
    A = np.array([[R, S], [T, P]], dtype=float)
    B = A.T.copy()
    UA = (1 + kap) * A - kap * B
    UB = (1 + kap) * B - kap * A
    pa, pb = mixed_equilibrium_compliance(UA, UB)
    assert pa == pytest.approx(expected, abs=1e-9)
    assert pb == pytest.approx(expected, abs=1e-9)


def test_tau_star_fixed_point_on_the_preset_treaty() -> None:
    # formal treaty of krickovic2016 at k = 1: tau* = 0.6, kappa = 0.4,
    # U(C,C) = 6, U(D,C) = 1.4 * 2 + 0.4 * 2 = 3.6, U(C,D) = -1.4 * 2 - 0.4 * 2 = -3.6, U(D,D) = 0
    # opponent complies with p: p 6 - (1 - p) 3.6 = p 3.6  =>  p (6 + 3.6 - 3.6) = 3.6 => p = 0.6
    UA = np.array([[6.0, -3.6], [3.6, 0.0]])
    pa, pb = mixed_equilibrium_compliance(UA, UA.T)
    assert pa == pytest.approx(0.6) and pb == pytest.approx(0.6)
    assert tau_star(1.0, (6, -2, 2, 0), (6, -2, 2, 0)) == pytest.approx(0.6)


# --------------------------------------------------------- section 9, item 2
def hand_k_star(pay, tau0: float, theta_s: float = 0.0):
    """Delta(tau0) = tau0 a - (1 - tau0)(P - S) - k (1 - tau0)(T - S) is linear in k."""
    R, S, T, P = pay
    c0 = tau0 * (R + theta_s - T) - (1 - tau0) * (P - S)
    c1 = -(1 - tau0) * (T - S)
    return c0, c1


@given(class_payoffs("stag_hunt"), trust_levels.filter(lambda t: t < 1))
def test_k_star_matches_hand_formula_and_acceptance(pay, tau0) -> None:
    c0, c1 = hand_k_star(pay, tau0)
    value, note = k_star(tau0, pay, pay)
    if c1 < 0 and c0 >= 0:
        expected = -c0 / c1
        assert value == pytest.approx(expected, abs=1e-12)
        assert note == "accepts iff k <= k*"
        # formal accepted in round 1 iff k <= k*: check both sides with accepts()
        eps = 1e-6
        assert bool(accepts(tau0, expected, pay, pay))
        assert bool(accepts(tau0, max(0.0, expected - eps), pay, pay))
        assert not bool(accepts(tau0, expected + eps, pay, pay))
        assert hand_delta(tau0, expected + eps, pay, pay) < -TOL
    else:
        assert value is None
        if c0 < 0:
            assert note == "rejects even at k = 0"
            assert not bool(accepts(tau0, 0.0, pay, pay))
        else:
            assert note == "never rejects"
            assert all(bool(accepts(tau0, k, pay, pay)) for k in (0.0, 1.0, 100.0))


def test_k_star_on_a_scenario_first_round_acceptance(krickovic: Scenario) -> None:
    # k* = 1/2 for the 2016 treaty at tau_0 = 0.5 (see test_section10...)
    for k, accepted in ((0.5, True), (0.5 - 1e-6, True), (0.5 + 1e-6, False), (1.0, False)):
        sc = krickovic.with_values({"actors.*.relative_gains": k})
        assert accepted_at_start(sc, "formal") is accepted


@given(
    st.tuples(payoff_values, payoff_values, payoff_values, payoff_values),
    st.tuples(payoff_values, payoff_values, payoff_values, payoff_values),
    trust_levels,
)
def test_k_star_asymmetric_by_scanning_k(own, other, tau0) -> None:
    # second method: Delta is linear in k at fixed tau0, so two evaluations give it
    d0 = hand_delta(tau0, 0.0, own, other)
    d1 = hand_delta(tau0, 1.0, own, other) - d0
    value, _note = k_star(tau0, own, other)
    if d1 < -1e-12 and d0 >= -TOL:
        assert value is not None
        assert value == pytest.approx(max(0.0, -d0 / d1), rel=1e-9, abs=1e-9)
        assert hand_delta(tau0, value, own, other) >= -1e-8
        assert hand_delta(tau0, value + 1e-3, own, other) < 0
    elif abs(d1) > 1e-12:
        assert value is None


# --------------------------------------------------------- section 9, item 5
@given(class_payoffs("prisoners_dilemma"))
def test_grim_delta_star_of_a_pd(pay) -> None:
    R, S, T, P = pay
    expected = (T - R) / (T - P)
    assert grim_delta_star(R, S, T, P) == pytest.approx(expected)
    # second method: grim trigger sustains C iff R / (1 - d) >= T + d P / (1 - d)
    for d in (expected - 1e-6, expected + 1e-6):
        if 0 < d < 1:
            sustained = R / (1 - d) >= T + d * P / (1 - d)
            assert sustained is (d >= expected)


def test_grim_delta_star_cases() -> None:
    assert grim_delta_star(3, 0, 5, 1) == pytest.approx(0.5)  # Axelrod's PD: (5 - 3) / (5 - 1)
    assert grim_delta_star(6, -2, 2, 0) == 0.0  # T <= R: no temptation
    assert grim_delta_star(1, 0, 3, 2) is None  # deadlock: R < P, grim cannot help


def test_grim_delta_star_through_analyze(krickovic: Scenario) -> None:
    # a PD treaty at k = 0: delta* = (T - R)/(T - P) = (5 - 3)/(5 - 1) = 0.5 for both
    sc = krickovic.with_values(
        {
            "actors.*.relative_gains": 0.0,
            "arrangements.formal.payoffs.R": 3.0,
            "arrangements.formal.payoffs.S": 0.0,
            "arrangements.formal.payoffs.T": 5.0,
            "arrangements.formal.payoffs.P": 1.0,
        }
    )
    formal = analyze(sc)["arrangements"]["formal"]
    assert formal["class"] == {"NATO": "prisoners_dilemma", "Russia": "prisoners_dilemma"}
    assert formal["delta_star"] == {"NATO": pytest.approx(0.5), "Russia": pytest.approx(0.5)}
    assert formal["self_enforcing"] == {"NATO": True, "Russia": True}  # 0.5 <= 0.95
    low = analyze(sc.with_values({"scenario.discount_factor": 0.4}))
    assert low["arrangements"]["formal"]["self_enforcing"] == {"NATO": False, "Russia": False}
    # a PD has the single equilibrium (D, D)
    assert formal["equilibria"] == [[[0.0, 1.0], [0.0, 1.0]]]


# --------------------------------------------------------- section 9, item 6
def hand_theta_star(sc: Scenario):
    """theta raises R by theta s_F: Delta_i(tau0) rises by tau0 s theta (symmetric formula)."""
    out = 0.0
    R, S, T, P = sc.formal.payoffs[0].as_tuple()
    for act in sc.actors:
        t, k = act.initial_trust, act.relative_gains
        need = (1 - t) * ((P - S) + k * (T - S)) - t * (R - T)  # -Delta_i(tau0) at theta = 0
        if need <= 0:
            continue
        if t == 0:
            return None
        out = max(out, need / t)
    return out


@given(
    class_payoffs("stag_hunt").filter(lambda p: p[2] > p[1]),
    sensitivities,
    sensitivities,
    trust_levels,
    trust_levels,
)
def test_theta_star_hand_formula_and_acceptance(krickovic, pay, ka, kb, ta, tb) -> None:
    R, S, T, P = pay
    sc = krickovic.with_values(
        {
            "arrangements.formal.payoffs.R": R,
            "arrangements.formal.payoffs.S": S,
            "arrangements.formal.payoffs.T": T,
            "arrangements.formal.payoffs.P": P,
            "actors.NATO.relative_gains": ka,
            "actors.Russia.relative_gains": kb,
            "actors.NATO.initial_trust": ta,
            "actors.Russia.initial_trust": tb,
        }
    )
    expected = hand_theta_star(sc)
    got = theta_star(sc)
    if expected is None:
        assert got is None
        return
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)
    # at theta*, both accept; slightly below (if theta* > 0), not
    at = sc.with_values({"scenario.common_threat": got})
    assert accepted_at_start(at, "formal")
    assert analyze(at)["catch22"]["formal_accepted_at_start"] is True
    if got > 0:
        below = sc.with_values({"scenario.common_threat": max(0.0, got - 1e-6)})
        assert not accepted_at_start(below, "formal")


def test_theta_star_is_none_when_an_actor_has_no_trust(krickovic: Scenario) -> None:
    # tau_0 = 0: Delta = -(P - S) - k (T - S) < 0 whatever theta (theta enters times tau_0)
    sc = krickovic.with_values({"actors.Russia.initial_trust": 0.0})
    assert theta_star(sc) is None
    assert analyze(sc)["catch22"]["theta_star"] is None


# ---------------------------------------------------------- margin function
@given(
    st.tuples(payoff_values, payoff_values, payoff_values, payoff_values),
    st.tuples(payoff_values, payoff_values, payoff_values, payoff_values),
    sensitivities,
)
def test_acceptance_margin_matches_hand_formula(own, other, k) -> None:
    taus = np.linspace(0, 1, 17)
    got = acceptance_margin(taus, k, own, other)
    want = [hand_delta(t, k, own, other) for t in taus]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_tau_star_closed_form_edge_cases() -> None:
    assert tau_star_closed_form(-1.0, 1.0) is None  # rejects even at full trust
    assert tau_star_closed_form(1.0, -1.0) == 0.0  # accepts even at no trust
    assert tau_star_closed_form(0.0, 1.0) == 1.0  # indifferent at full trust only
    assert tau_star_closed_form(3.0, 1.0) == pytest.approx(0.25)
    assert math.isclose(hand_tau_star(6, -2, 2, 0, 1.0), 0.6)


def test_front_door_equals_the_function(krickovic: Scenario) -> None:
    assert krickovic.analyze() == analyze(krickovic)


@settings(max_examples=60)
@given(stag_hunts(), stag_hunts(), sensitivities, sensitivities)
def test_nashpy_fixed_point_with_asymmetric_payoffs(pa, pb, ka, kb) -> None:
    # Second method for any payoffs: with kappa_i fixed at k_i (1 - tau*_i), Delta_i is linear
    # in the other's compliance probability and vanishes at tau*_i, so in the transformed
    # game's fully mixed equilibrium the OTHER actor complies with probability tau*_i.
    ta, tb = tau_star(ka, pa, pb), tau_star(kb, pb, pa)
    assume(ta is not None and tb is not None and 0.01 < ta < 0.99 and 0.01 < tb < 0.99)
    # tau* must be a root of Delta (not a boundary of a region where Delta stays positive)
    assume(abs(hand_delta(ta, ka, pa, pb)) < 1e-6 and abs(hand_delta(tb, kb, pb, pa)) < 1e-6)
    A = np.array([[pa[0], pa[1]], [pa[2], pa[3]]], dtype=float)
    B = np.array([[pb[0], pb[2]], [pb[1], pb[3]]], dtype=float)
    kap_a, kap_b = ka * (1 - ta), kb * (1 - tb)
    UA = (1 + kap_a) * A - kap_a * B
    UB = (1 + kap_b) * B - kap_b * A
    # nondegenerate: each actor's indifference line has a nonzero slope
    assume(abs((UA[0, 0] - UA[1, 0]) - (UA[0, 1] - UA[1, 1])) > 1e-6)
    assume(abs((UB[0, 0] - UB[0, 1]) - (UB[1, 0] - UB[1, 1])) > 1e-6)
    assume(all(abs(x) > 1e-9 for x in (UA[0, 0] - UA[1, 0], UA[0, 1] - UA[1, 1])))
    assume(all(abs(x) > 1e-9 for x in (UB[0, 0] - UB[0, 1], UB[1, 0] - UB[1, 1])))
    p_a, p_b = mixed_equilibrium_compliance(UA, UB)
    assert p_b == pytest.approx(ta, abs=1e-6)  # B's compliance makes A indifferent
    assert p_a == pytest.approx(tb, abs=1e-6)


def test_two_caps_multiply(krickovic: Scenario) -> None:
    # give md_transparency a cap of 0.5 too: c = 0.25, T_F = 0.5, S_F = -0.5
    # a = 6 - 0.5 = 5.5, b = 0.5 + (0.5 + 0.5) = 1.5, tau* = 1.5 / 7
    sc = krickovic.with_values({"arrangements.md_transparency.effects.cap_factor": 0.5})
    assert sc.cap_factor_of_ladder() == 0.25
    caps = analyze(sc)["catch22"]["tau_star_formal_with_caps"]
    assert caps["NATO"] == pytest.approx(1.5 / 7) and caps["Russia"] == pytest.approx(1.5 / 7)


def test_tau_star_returns_python_floats() -> None:
    """Both paths return ``float`` (not ``numpy.float64``), as the signature says."""
    import numpy as np

    sym = tau_star(1.0, np.array([6.0, -2.0, 2.0, 0.0]), np.array([6.0, -2.0, 2.0, 0.0]))
    asym = tau_star(1.0, np.array([6.0, -2.0, 2.0, 0.0]), np.array([5.0, -1.0, 3.0, 0.0]))
    assert type(sym) is float and sym == pytest.approx(0.6)
    assert asym is None or type(asym) is float
