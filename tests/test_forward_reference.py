"""The independent forward-looking reference reproduces the published numbers it will check.

docs/model.md's forward-looking extension (section 13 of the specification
the package follows; checks 3 and 4 there) gives reference values computed
at 8001 grid points; the one-dimensional value iteration in
``tests/forward_reference.py``, written from the Bellman equation alone,
must reproduce them before it can serve as the oracle for the package's
solver.
"""

from __future__ import annotations

import pytest
from forward_reference import solve
from scipy.optimize import brentq


@pytest.mark.parametrize(
    ("delta", "expected"), [(0.0, 0.6), (0.5, 0.430535), (0.9, 0.106542), (0.95, 0.055347)]
)
def test_forward_threshold_matches_the_published_values(delta: float, expected: float) -> None:
    ref = solve(delta)
    assert ref.tau_star == pytest.approx(expected, abs=1e-6)
    # the bounds: b / (a + b + delta R / (1 - delta)) <= tau*_delta <= b / (a + b), a = 4, b = 6
    assert 6 / (10 + delta * 6 / (1 - delta)) - 1e-9 <= ref.tau_star <= 0.6 + 1e-9


def test_continuation_value_at_the_threshold() -> None:
    assert solve(0.5).continuation_at_tau_star == pytest.approx(4.127704, abs=1e-5)


@pytest.mark.parametrize(("delta", "expected"), [(0.5, 0.40287374), (0.9, 0.09452201)])
def test_exact_case_without_learning(delta: float, expected: float) -> None:
    """lambda = 0, mu = 1, epsilon = 0: the closed-form equation for tau* (check 4) and the iteration agree."""
    R, S, T, k = 6.0, -2.0, 2.0, 1.0

    def equation(t: float) -> float:
        s_prime = S - k * (1 - t) * (T - S)
        t_prime = T + k * (1 - t) * (T - S)
        return t * R / (1 - delta) + (1 - t) * s_prime - t * t_prime / (1 - delta * t)

    root = brentq(equation, 1e-6, 1 - 1e-9, xtol=1e-14)
    assert root == pytest.approx(expected, abs=1e-8)
    # the iteration's interpolation error at 8001 points is about 2e-6 here
    assert solve(delta, lam=0.0, mu=1.0, q=0.0).tau_star == pytest.approx(root, abs=1e-5)
