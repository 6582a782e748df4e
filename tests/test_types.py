"""Greedy types' thresholds (docs/model.md section 12.1), checked against section 12.5's check 6."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from binding_sim.model.margins import acceptance_margin, margin_coefficients
from binding_sim.model.types import (
    greed_star,
    greedy_coefficients,
    greedy_threshold,
    greedy_threshold_symmetric,
)

# krickovic2016's arrangements: (R, S, T, P), scope
PRESET = {
    "formal": ((6.0, -2.0, 2.0, 0.0), 1.0),
    "md_transparency": ((1.0, -0.2, 0.2, 0.0), 0.2),
    "interceptor_caps": ((1.0, -0.3, 0.3, 0.0), 0.2),
    "buffer_zone": ((1.5, -0.4, 0.4, 0.0), 0.3),
}


def test_check_6_greedy_thresholds() -> None:
    k = 1.0
    expected = {
        "formal": {0.0: 0.6, 2.0: 0.75, 5.0: None},
        "md_transparency": {0.0: 0.4286, 2.0: 0.6, 5.0: None},
    }
    for name, by_greed in expected.items():
        (R, S, T, P), s = PRESET[name]
        a, b = R - T, (P - S) + k * (T - S)
        for g, want in by_greed.items():
            closed = greedy_threshold_symmetric(a, b, g, s)
            numeric = greedy_threshold(margin_coefficients(k, (R, S, T, P), (R, S, T, P)), g, s)
            if want is None:
                assert closed is None and numeric is None
            else:
                assert closed == pytest.approx(want, abs=5e-5)
                assert numeric == pytest.approx(closed, abs=1e-8)
    stars = {"formal": 4.0, "md_transparency": 4.0, "interceptor_caps": 3.5, "buffer_zone": 11 / 3}
    for name, want in stars.items():
        (R, S, T, P), s = PRESET[name]
        assert greed_star(R - T, s) == pytest.approx(want)
        assert round(greed_star(R - T, s), 3) == round(want, 3)


@given(
    tau=st.floats(0, 1),
    k=st.floats(0, 4),
    g=st.floats(0, 10),
    s=st.floats(0.05, 1),
    own=st.tuples(*(st.floats(-5, 5) for _ in range(4))),
    other=st.tuples(*(st.floats(-5, 5) for _ in range(4))),
)
def test_greedy_margin_is_margin_minus_tau_g_s(tau, k, g, s, own, other) -> None:  # type: ignore[no-untyped-def]
    """Greed adds ``g s`` to U(D, C) only: the margin loses ``tau g s``, whatever the payoffs."""
    c2, c1, c0 = greedy_coefficients(margin_coefficients(k, own, other), g, s)
    direct = float(acceptance_margin(tau, k, own, other)) - tau * g * s
    assert (c2 * tau + c1) * tau + c0 == pytest.approx(direct, abs=1e-9 * (1 + k) * 50)


def test_greed_star_boundary() -> None:
    (R, S, T, P), s = PRESET["formal"]
    a, b = R - T, (P - S) + (T - S)
    assert greedy_threshold_symmetric(a, b, greed_star(a, s), s) == 1.0  # at g* only at full trust
    assert greedy_threshold_symmetric(a, b, greed_star(a, s) + 1e-6, s) is None
