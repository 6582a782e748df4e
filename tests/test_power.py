"""Power shifts, derived sensitivity and the war threshold (docs/model.md section 14).

The checks of docs/model.md section 14.5 (G = 1, delta = 0.95, eta = 0.25,
C_A = C_B = 2 unless stated), each recomputed here from its closed form.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binding_sim.model.margins import tau_star
from binding_sim.model.power import (
    critical_war_cost,
    derived_sensitivity,
    logit,
    shift_power,
    shift_threshold,
    war_live_factor,
    war_payment,
)

G, DELTA, ETA, C = 1.0, 0.95, 0.25, 2.0
F = (6.0, -2.0, 2.0, 0.0)  # krickovic2016's treaty: R, S, T, P


def sigma(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def test_check_2_law_of_motion() -> None:
    # A exploited on F: pi_A - pi_B = S - T = -4, so logit p moves by eta * -4 = -1
    p = shift_power(0.5, ETA, F[1] - F[2])
    assert p == pytest.approx(sigma(-1.0), abs=1e-15)
    assert p == pytest.approx(0.268941, abs=1e-6)
    for _ in range(2):
        p = shift_power(p, ETA, -4.0)
    assert p == pytest.approx(sigma(-3.0), abs=1e-14)
    assert p == pytest.approx(0.047426, abs=1e-6)


def test_check_3_derived_sensitivity() -> None:
    assert war_live_factor(DELTA, C, G) == pytest.approx(0.9)
    assert derived_sensitivity(0.5, ETA, G, DELTA, C) == pytest.approx(1.06875, abs=1e-12)
    assert derived_sensitivity(0.3, ETA, G, DELTA, C) == pytest.approx(0.89775, abs=1e-12)
    assert war_live_factor(DELTA, 10.0, G) == pytest.approx(0.5)
    assert derived_sensitivity(0.5, ETA, G, DELTA, 10.0) == pytest.approx(0.59375, abs=1e-12)
    for cost in (20.0, 25.0, 1e6):
        k = derived_sensitivity(0.5, ETA, G, DELTA, cost)
        assert k == 0.0
        # then the treaty's threshold is (P - S) / (R - T + P - S) = 2 / 6
        assert tau_star(k, F, F) == pytest.approx(1 / 3, abs=1e-15)


def test_check_4_critical_cost() -> None:
    k0 = ETA * G * DELTA / (1 - DELTA) * 0.25
    assert k0 == pytest.approx(1.1875)
    c_star = critical_war_cost(0.5, 0.5, ETA, G, DELTA)
    assert c_star == pytest.approx(220 / 19, abs=1e-12)
    assert c_star == pytest.approx(11.578947, abs=1e-6)
    # the treaty is accepted in round 1 (tau_0 = 0.5) iff C >= C*
    for cost, accepted in (
        (c_star - 1e-6, False),
        (c_star + 1e-6, True),
        (5.0, False),
        (15.0, True),
    ):
        k = derived_sensitivity(0.5, ETA, G, DELTA, cost)
        t = tau_star(k, F, F)
        assert (t is not None and 0.5 >= t - 1e-9) == accepted
    # K0 <= k*: accepted even when war is free
    assert critical_war_cost(2.0, 0.5, ETA, G, DELTA) == 0.0


def test_check_5_breakdown_threshold_and_exploitation_shift() -> None:
    d_star = shift_threshold(0.5, C, G, DELTA)
    assert d_star == pytest.approx(0.6 / 19, abs=1e-15)
    assert d_star == pytest.approx(0.0315789, abs=1e-7)
    # loss of share when exploited once from parity: 0.5 - sigma(eta (S - T))
    for s, t, loss, war in (
        (-2.0, 2.0, 0.231059, True),
        (-0.2, 0.2, 0.024979, False),
        (-0.3, 0.3, 0.037430, True),
    ):
        got = 0.5 - shift_power(0.5, ETA, s - t)
        assert got == pytest.approx(0.5 - sigma(ETA * (s - t)), abs=1e-15)
        assert got == pytest.approx(loss, abs=1e-6)
        assert (got > d_star) == war


def test_war_payment_is_the_per_round_value_of_war() -> None:
    # W_i = p_i G / (1 - delta) - C_i, paid as a perpetuity: times (1 - delta)
    p = 0.3
    w = p * G / (1 - DELTA) - C
    assert war_payment(p, C, G, DELTA) == pytest.approx((1 - DELTA) * w)


@given(p=st.floats(1e-6, 1 - 1e-6), eta=st.floats(0, 2), diff=st.floats(-20, 20))
def test_law_of_motion_is_capability_growth(p: float, eta: float, diff: float) -> None:
    """``logit p' = logit p + eta diff`` is ``M_i <- M_i exp(eta pi_i)`` with ``p = M_A / (M_A + M_B)``."""
    m_a, m_b = p, 1 - p
    pi_a, pi_b = diff / 2, -diff / 2
    expected = (
        m_a * math.exp(eta * pi_a) / (m_a * math.exp(eta * pi_a) + m_b * math.exp(eta * pi_b))
    )
    got = shift_power(p, eta, diff)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert 0.0 <= got <= 1.0
    if 1e-9 < got < 1 - 1e-9:
        assert logit(got) == pytest.approx(logit(p) + eta * diff, abs=1e-6)
