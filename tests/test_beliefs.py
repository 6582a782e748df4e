"""Bayesian beliefs about the other's type (docs/model.md section 12.2): Bayes' rule checked three ways.

The checks of docs/model.md section 12.5 that concern one update are computed
here from their definitions; Bayes' rule is compared with a direct
enumeration of the joint distribution of (type, action, perception).
"""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binding_sim.model.beliefs import (
    bayes_update,
    empathic_probability,
    likelihood,
    posterior,
    predict_turnover,
)
from binding_sim.model.decisions import logit_choice

unit = st.floats(0.0, 1.0, allow_nan=False)


def enumerated_posterior(
    tau: float, sigma_s: float, sigma_g: float, q: float, seen_c: bool
) -> float:
    """P(trustworthy | perception) by summing the joint distribution over types and actions."""
    joint = {}
    for typ, prior, sigma in (("S", tau, sigma_s), ("G", 1 - tau, sigma_g)):
        for action, p_action in (("C", sigma), ("D", 1 - sigma)):
            # a compliance is misread with probability q; a defection is always seen
            p_seen_c = (1 - q) if action == "C" else 0.0
            p_seen = p_seen_c if seen_c else 1 - p_seen_c
            joint[typ, action] = prior * p_action * p_seen
    total = sum(joint.values())
    if total == 0:
        return tau
    return (joint["S", "C"] + joint["S", "D"]) / total


def test_check_1_bayes_by_hand() -> None:
    # tau = 0.5, sigma_S = 1, sigma_G = 0.2, q = 0.1: L_S = 0.9, L_G = 0.18 after C
    assert bayes_update(0.5, 1.0, 0.2, 0.1, True) == pytest.approx(0.45 / 0.54, abs=1e-15)
    assert bayes_update(0.5, 1.0, 0.2, 0.1, True) == pytest.approx(0.833333, abs=5e-7)
    # after D: L_S = 0.1, L_G = 0.02 + 0.8 = 0.82
    assert bayes_update(0.5, 1.0, 0.2, 0.1, False) == pytest.approx(0.05 / 0.46, abs=1e-15)
    assert bayes_update(0.5, 1.0, 0.2, 0.1, False) == pytest.approx(0.108695, abs=1e-6)
    # sigma_G = 0, q = 0.05: after D, L_S = 0.05, L_G = 1
    assert bayes_update(0.5, 1.0, 0.0, 0.05, False) == pytest.approx(0.047619, abs=1e-6)


@given(tau=unit, sigma=unit, q=unit, seen=st.booleans())
def test_pooling_teaches_nothing(tau: float, sigma: float, q: float, seen: bool) -> None:
    """A move both types make with the same probability leaves the belief exactly unchanged."""
    out = bayes_update(tau, sigma, sigma, q, seen)
    assert out == pytest.approx(tau, abs=1e-12)


def test_beliefs_zero_and_one_are_absorbing() -> None:
    for s_s, s_g, q, seen in itertools.product(
        (0.0, 0.3, 1.0), (0.0, 0.6, 1.0), (0.0, 0.2), (True, False)
    ):
        assert bayes_update(0.0, s_s, s_g, q, seen) == 0.0
        assert bayes_update(1.0, s_s, s_g, q, seen) == 1.0


@given(
    tau=unit,
    beta=st.floats(0.01, 50.0),
    d_s=st.floats(-3, 3),
    d_g=st.floats(-3, 3),
    eps=unit,
    m=unit,
    emp=unit,
    d_s1=st.floats(-3, 3),
    d_g1=st.floats(-3, 3),
    seen=st.booleans(),
)
def test_bayes_equals_enumeration(
    tau: float,
    beta: float,
    d_s: float,
    d_g: float,
    eps: float,
    m: float,
    emp: float,
    d_s1: float,
    d_g1: float,
    seen: bool,
) -> None:
    """Random beliefs, precisions, incident rates and empathy: Bayes' rule = direct enumeration.

    The two computations round differently: ``1 - sigma`` for ``sigma`` within
    1e-9 of 1 keeps only about seven digits, which the posterior can amplify to
    a few 1e-12; hence the tolerance of 1e-9.
    """
    q = eps * (1 - m)
    sig_s = empathic_probability(
        emp, logit_choice(beta, d_s, False), logit_choice(beta, d_s1, False)
    )
    sig_g = empathic_probability(
        emp, logit_choice(beta, d_g, False), logit_choice(beta, d_g1, False)
    )
    assert bayes_update(tau, sig_s, sig_g, q, seen) == pytest.approx(
        enumerated_posterior(tau, sig_s, sig_g, q, seen), abs=1e-9
    )


@given(tau=unit, s_s=unit, s_g=unit, q=st.floats(0.0, 0.999))
def test_posterior_monotone_in_evidence(tau: float, s_s: float, s_g: float, q: float) -> None:
    """When the trustworthy type complies at least as often, a perceived C never lowers
    the belief and a perceived D never raises it."""
    hi, lo = max(s_s, s_g), min(s_s, s_g)
    after_c = bayes_update(tau, hi, lo, q, True)
    after_d = bayes_update(tau, hi, lo, q, False)
    assert after_c >= tau - 1e-12
    assert after_d <= tau + 1e-12


def test_check_7_informativeness_grows_with_stakes() -> None:
    """md_transparency scaled by m: payoffs m (1, -0.2, 0.2, 0), scope 0.2 m; tau = 0.5, k = 1,
    greed 5, beta 5, q = 0.05, empathy 1 (docs/model.md section 12.5, check 7)."""
    expected = {0.5: 0.6764, 1.0: 0.8393, 2.0: 0.9760, 4.0: 0.9996}
    for scale, want in expected.items():
        R, S, T, P, s = 1.0 * scale, -0.2 * scale, 0.2 * scale, 0.0, 0.2 * scale
        tau, k, g = 0.5, 1.0, 5.0
        a, b = R - T, (P - S) + k * (T - S)  # symmetric payoffs: Delta = tau a - (1 - tau) b
        d_trustworthy = tau * a - (1 - tau) * b
        d_greedy = d_trustworthy - tau * g * s  # greed: U(D, C) gains g s
        sig_s = 1 / (1 + math.exp(-5 * d_trustworthy))
        sig_g = 1 / (1 + math.exp(-5 * d_greedy))
        got = bayes_update(
            tau,
            logit_choice(5.0, d_trustworthy, False),
            logit_choice(5.0, d_greedy, False),
            0.05,
            True,
        )
        assert got == pytest.approx(
            sig_s * 0.95 * tau / (sig_s * 0.95 * tau + sig_g * 0.95 * (1 - tau)), abs=1e-14
        )
        assert got == pytest.approx(want, abs=5e-5)


def test_logit_choice_limits_and_overflow() -> None:
    assert logit_choice(math.inf, -1e-10, True) == 1.0
    assert logit_choice(math.inf, -2e-9, True) == 0.0
    assert logit_choice(2.0, 0.0, False) == 0.5
    assert logit_choice(1.0, -1e6, False) == 0.0  # would overflow math.exp: 0 as in compiled code
    assert logit_choice(1.0, 1e6, False) == 1.0
    assert logit_choice(3.0, 0.7, False) == 1.0 / (1.0 + math.exp(-2.1))


def test_likelihood_posterior_and_turnover() -> None:
    assert likelihood(0.8, 0.25, True) == pytest.approx(0.6)
    assert likelihood(0.8, 0.25, False) == pytest.approx(0.4)
    assert posterior(0.5, 0.0, 0.0) == 0.5
    assert predict_turnover(0.2, 0.1, 0.7) == pytest.approx(0.25)
    assert predict_turnover(0.2, 0.0, 0.7) == 0.2
