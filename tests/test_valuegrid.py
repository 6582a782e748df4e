"""Bilinear interpolation on the trust grid (docs/model.md section 13.5): an averager, exact on bilinear functions."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from binding_sim.dynamics.valuegrid import grid_cell, interpolate

unit = st.floats(-0.5, 1.5, allow_nan=False)


@given(x=unit, n=st.integers(2, 400))
def test_grid_cell_is_inside_the_grid_and_reproduces_x(x: float, n: int) -> None:
    i0, w = grid_cell(x, n)
    assert 0 <= i0 <= n - 2 and 0.0 <= w <= 1.0
    clamped = min(max(x, 0.0), 1.0)
    assert abs((i0 + w) / (n - 1) - clamped) <= 1e-12


@given(
    xa=unit,
    xb=unit,
    n=st.integers(2, 60),
    c=st.tuples(*[st.floats(-10, 10, allow_nan=False)] * 4),
)
def test_interpolation_is_exact_for_bilinear_functions(
    xa: float, xb: float, n: int, c: tuple[float, float, float, float]
) -> None:
    g = np.linspace(0.0, 1.0, n)
    f = c[0] + c[1] * g[:, None] + c[2] * g[None, :] + c[3] * g[:, None] * g[None, :]
    a, b = min(max(xa, 0.0), 1.0), min(max(xb, 0.0), 1.0)
    want = c[0] + c[1] * a + c[2] * b + c[3] * a * b
    assert abs(interpolate(f, xa, xb) - want) <= 1e-9 * (1 + sum(abs(v) for v in c))


@given(xa=unit, xb=unit, n=st.integers(2, 30), seed=st.integers(0, 2**32 - 1))
def test_interpolation_is_an_averager(xa: float, xb: float, n: int, seed: int) -> None:
    """Between the smallest and largest value of its four nodes (Gordon 1995)."""
    v = np.random.default_rng(seed).normal(size=(n, n))
    got = interpolate(v, xa, xb)
    assert v.min() - 1e-12 <= got <= v.max() + 1e-12
    # non-expansive: |I(U) - I(V)| <= max |U - V|
    u = v + np.random.default_rng(seed + 1).normal(size=(n, n))
    assert abs(interpolate(u, xa, xb) - got) <= np.abs(u - v).max() + 1e-12
