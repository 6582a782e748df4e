"""Unilateral moves, the two channels of threat and N actors (docs/model.md sections 15.1-15.3).

The checks of docs/model.md section 15.5 (treaty F = 6, -2, 2, 0, s = 1,
unless stated) recomputed from their definitions, and the N-actor margin
against a brute-force enumeration of every profile of the others' moves.
"""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binding_sim.model.margins import acceptance_margin, k_star, tau_star
from binding_sim.model.partners import (
    all_comply_kappa_bound,
    n_actor_k_star,
    n_actor_margin,
    n_actor_threshold,
)
from binding_sim.model.payoffs import kappa
from binding_sim.model.threat import dilution, threshold_threat
from binding_sim.model.unilateral import (
    mover_payoffs,
    mover_threshold_symmetric,
    responder_kappa_hat,
    responder_margin,
)

F = (6.0, -2.0, 2.0, 0.0)


# ----------------------------------------------------------------- 15.1 unilateral
def test_check_1_unilateral_threshold_closed_form_and_root() -> None:
    for k, want in ((1.0, 0.418861), (0.5, 0.354249), (0.0, 0.25)):
        closed = mover_threshold_symmetric(*F, k)
        assert closed == pytest.approx(want, abs=1e-6)
        # the same threshold from the bilateral margin code on T_M := P_M, S_N := P_N
        own, other = mover_payoffs(F, F)
        assert tau_star(k, own, other) == pytest.approx(closed, abs=1e-8)
        # Delta^U(tau) = tau (R - P) - (1 - tau)(P - S) - k (1 - tau)^2 (T - S), zero at tau*
        t = closed
        assert t * 6 - (1 - t) * 2 - k * (1 - t) ** 2 * 4 == pytest.approx(0.0, abs=1e-12)
    assert tau_star(1.0, F, F) == pytest.approx(0.6)  # the bilateral treaty needs more


def test_check_2_guarantee_mover_and_responder() -> None:
    nato, russia = (3.0, -2.0, 0.0, 0.0), (4.0, 0.0, 3.0, 0.0)  # T_M and S_N do not exist
    own, other = mover_payoffs(nato, russia)
    # NATO k = 0.5 at tau_0 = 0.6: kappa = 0.2; U(CC) - U(DC) = 3 - kappa, U(CD) - U(DD) = -2 - 5 kappa
    assert float(acceptance_margin(0.6, 0.5, own, other)) == pytest.approx(0.6 * 2.8 - 0.4 * 3.0)
    assert float(acceptance_margin(0.6, 0.5, own, other)) == pytest.approx(0.48)
    assert tau_star(0.5, own, other) == pytest.approx(0.533635, abs=1e-6)
    assert responder_kappa_hat(russia, nato) == pytest.approx(
        1 / 4
    )  # (4 - 3) / ((3 + 2) - (4 - 3))
    assert responder_margin(russia, nato, 0.5) == pytest.approx(-1.0)
    # responder theta*: A0 = R_N - T_N = 1, a1 = s = 1, K = kappa_0 L = 0.5 * 4
    for rho, want in ((0.0, 1.0), (0.5, 0.561553), (1.0, 0.414214)):
        assert threshold_threat(1.0, 1.0, 2.0, rho) == pytest.approx(want, abs=1e-6)
    # at tau_N = 0 (kappa_0 = k = 1): K = 4
    assert threshold_threat(1.0, 1.0, 4.0, 0.0) == pytest.approx(3.0)
    assert threshold_threat(1.0, 1.0, 4.0, 1.0) == pytest.approx(1.0)


# ----------------------------------------------------------------- 15.2 two channels
def _bilateral_terms(
    tau0: float, k: float, pay: tuple[float, float, float, float]
) -> tuple[float, float, float]:
    """``A0``, ``a1`` and ``K`` of a bilateral arrangement at initial trust (s = 1)."""
    c0 = float(acceptance_margin(tau0, 0.0, pay, pay))
    c1 = float(acceptance_margin(tau0, 1.0, pay, pay)) - c0
    return c0, tau0 * 1.0, -c1 * k


def test_check_3_bilateral_theta_star() -> None:
    A0, a1, K = _bilateral_terms(0.5, 1.0, F)
    assert (A0, a1, K) == pytest.approx((1.0, 0.5, 2.0))
    for rho, want in ((0.0, 2.0), (0.5, 0.828427), (1.0, 0.561553), (2.0, 0.350781)):
        got = threshold_threat(A0, a1, K, rho)
        assert got == pytest.approx(want, abs=1e-6)
        # the margin with both channels is zero at theta* (s = 1 raises R by theta)
        kap = kappa(1.0, 0.5, dilution(rho, got))
        R = F[0] + got
        m = 0.5 * (R - F[2] - kap * (F[2] - F[1])) + 0.5 * (F[1] - F[3] - kap * (F[2] - F[1]))
        assert m == pytest.approx(0.0, abs=1e-9)


def test_check_4_distrust() -> None:
    cases = {
        0.3: (10.0, 3.0),
        0.1: (50.0, 16.104686),
        0.01: (590.0, 196.010050),
        0.0: (None, None),
    }
    for tau0, (liberal, realist) in cases.items():
        A0, a1, K = _bilateral_terms(tau0, 1.0, F)
        got_l, got_r = threshold_threat(A0, a1, K, 0.0), threshold_threat(A0, a1, K, 1.0)
        assert (got_l is None) == (liberal is None) and (got_r is None) == (realist is None)
        if liberal is not None:
            assert got_l == pytest.approx(liberal, rel=1e-9)
            assert got_r == pytest.approx(realist, abs=1e-6)
    G = (
        3.0,
        0.5,
        2.0,
        0.0,
    )  # S > P: a fully distrustful state can be moved, by the realist channel only
    A0, a1, K = _bilateral_terms(0.0, 1.0, G)
    assert threshold_threat(A0, a1, K, 0.0) is None
    assert threshold_threat(A0, a1, K, 1.0) == pytest.approx(2.0)  # (k (T - S)/(S - P) - 1) / rho
    A0, a1, K = _bilateral_terms(0.1, 1.0, G)
    assert threshold_threat(A0, a1, K, 0.0) == pytest.approx(8.0)
    assert threshold_threat(A0, a1, K, 1.0) == pytest.approx(1.058422, abs=1e-6)


@given(A0=st.floats(-5, 5), a1=st.floats(0.01, 2), K=st.floats(0, 10), rho=st.floats(0, 3))
def test_threat_threshold_is_the_zero_of_the_margin(
    A0: float, a1: float, K: float, rho: float
) -> None:
    """At the reported theta* the margin is 0 (or theta* = 0 and it is already >= 0), and positive above."""
    t = threshold_threat(A0, a1, K, rho)
    assert t is not None and t >= 0.0

    def m(x: float) -> float:
        return A0 + a1 * x - K / (1 + rho * x)

    if t == 0.0:
        assert m(0.0) >= -1e-9
    else:
        assert m(t) == pytest.approx(0.0, abs=1e-9 * (1 + abs(A0) + K))
        assert m(t * (1 + 1e-6) + 1e-9) > m(t)


# ----------------------------------------------------------------- 15.3 partners
def brute_force_margin(
    tau: float, k: float, n: int, pay: tuple[float, float, float, float]
) -> float:
    """Expected U(C) - U(D) of actor 0 over all 2^(N-1) profiles of the others' moves."""
    R, S, T, P = pay

    def pi(a: int, b: int) -> float:  # 0 = C, 1 = D; own payoff against one other
        return ((R, S), (T, P))[a][b]

    kappa = k * (1 - tau)
    total = 0.0
    for others in itertools.product((0, 1), repeat=n - 1):
        prob = math.prod(tau if a == 0 else 1 - tau for a in others)
        gain = 0.0
        for own, sign in ((0, 1.0), (1, -1.0)):
            profile = (own, *others)
            pis = [
                sum(pi(profile[i], profile[j]) for j in range(n) if j != i) / (n - 1)
                for i in range(n)
            ]
            mean_others = sum(pis[1:]) / (n - 1)
            gain += sign * ((1 + kappa) * pis[0] - kappa * mean_others)
        total += prob * gain
    return total


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 6),
    tau=st.floats(0, 1),
    k=st.floats(0, 5),
    pay=st.tuples(*(st.floats(-10, 10) for _ in range(4))),
)
def test_n_actor_margin_equals_enumeration(
    n: int, tau: float, k: float, pay: tuple[float, float, float, float]
) -> None:
    got = n_actor_margin(tau, k, n, *pay)
    assert got == pytest.approx(
        brute_force_margin(tau, k, n, pay), abs=1e-9 * (1 + sum(map(abs, pay))) * (1 + k)
    )


def test_check_5_n_actors() -> None:
    taus = {2: 0.6, 3: 0.472475, 5: 0.402130, 10: 0.363447, 100: 0.336031}
    for n, want in taus.items():
        assert n_actor_threshold(1.0, n, *F) == pytest.approx(want, abs=1e-6)
    assert n_actor_threshold(1.0, 100_000, *F) == pytest.approx(1 / 3, abs=1e-4)  # the limit
    for n, want in ((2, 0.5), (3, 4 / 3), (5, 8.0)):
        assert n_actor_k_star(0.5, n, *F) == pytest.approx(want)
    assert all(n_actor_k_star(0.5, n, *F) is None for n in (6, 7, 20))
    for n, want in ((2, 0.5), (3, 0.418011), (5, 0.375500)):
        assert n_actor_threshold(0.5, n, *F) == pytest.approx(want, abs=1e-6)
    md = (1.0, -0.2, 0.2, 0.0)
    for n, want in ((2, 0.428571), (3, 0.303337), (5, 0.248079)):
        assert n_actor_threshold(1.0, n, *md) == pytest.approx(want, abs=1e-6)
    assert all_comply_kappa_bound(2, 6.0, -2.0, 2.0) == pytest.approx(1.0)
    assert all_comply_kappa_bound(3, 6.0, -2.0, 2.0) is None
    assert all_comply_kappa_bound(5, 6.0, -2.0, 2.0) is None
    # with the 2010 partners (N = 5) Russia accepts F at tau_0 = 0.5 with no threat
    assert n_actor_margin(0.5, 1.0, 5, *F) == pytest.approx(0.875)
    # at N = 2 the N-actor margin is section 3's bilateral margin, and k*_2 is section 7's k*
    assert n_actor_margin(0.37, 1.3, 2, *F) == pytest.approx(
        float(acceptance_margin(0.37, 1.3, F, F))
    )
    assert n_actor_k_star(0.5, 2, *F) == pytest.approx(k_star(0.5, F, F)[0])


def test_symmetric_mixed_equilibrium_complies_with_tau_star() -> None:
    """With kappa fixed at k (1 - tau*_N), the symmetric mixed equilibrium complies with tau*_N.

    At fixed kappa the gain from complying is linear in the others' compliance
    probability p: (1 + kappa) A(p) - kappa D(p) / (N - 1); the equilibrium p
    makes it zero, solved here in closed form.
    """
    R, S, T, P = F
    for n in (2, 3, 5, 10):
        t = n_actor_threshold(1.0, n, *F)
        assert t is not None
        kap = 1.0 * (1 - t)
        # gain(p) = g0 + g1 p with A(p) = (S - P) + p (R - T - S + P), D(p) = (T - P) + p (R - S - T + P)
        g0 = (1 + kap) * (S - P) - kap * (T - P) / (n - 1)
        g1 = (1 + kap) * (R - T - S + P) - kap * (R - S - T + P) / (n - 1)
        assert -g0 / g1 == pytest.approx(t, abs=1e-8)
