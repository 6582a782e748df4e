"""Replicator dynamics and the Moran process (binding_sim.games.evolution).

Expected values come from closed forms derived by hand (mixed equilibria of
2x2 games, Moran's constant-fitness formula) or from a second method (the
absorbing birth-death chain solved as a linear system; two ODE integrators).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binding_sim.errors import BindingSimError
from binding_sim.games.evolution import (
    fixation_probabilities,
    fixation_probability,
    moran_fitness,
    replicator_derivative,
    replicator_dynamics,
    replicator_trajectory,
    simulate_moran,
)

payoff = st.floats(-10, 10, allow_nan=False, allow_infinity=False)


@st.composite
def stag_hunts(draw):
    """Symmetric 2x2 Stag Hunts R > T, P > S and a start at least 0.05 away from x*."""
    T = draw(payoff)
    R = T + draw(st.floats(0.1, 5))
    S = draw(payoff)
    P = S + draw(st.floats(0.1, 5))
    x_star = (P - S) / ((R - T) + (P - S))
    side = draw(st.sampled_from([-1, 1]))
    room = x_star - 0.02 if side < 0 else 0.98 - x_star
    if room < 0.05:
        side = -side
        room = x_star - 0.02 if side < 0 else 0.98 - x_star
    x0 = x_star + side * draw(st.floats(0.05, max(0.05, room)))
    return np.array([[R, S], [T, P]]), x_star, float(np.clip(x0, 0.01, 0.99))


# ------------------------------------------------------------------ replicator dynamics
@settings(max_examples=30, deadline=None)
@given(stag_hunts(), st.sampled_from(["nashpy", "log"]))
def test_stag_hunt_converges_to_the_equilibrium_on_its_side(game, method):
    # Mixed equilibrium x* = (P - S) / ((R - T) + (P - S)) (share of C); above it
    # all-C is reached, below it all-D (Taylor and Jonker 1978).
    M, x_star, x0 = game
    out = replicator_dynamics(M, [x0, 1 - x0], method=method)
    expected = np.array([1.0, 0.0]) if x0 > x_star else np.array([0.0, 1.0])
    np.testing.assert_allclose(out.shares, expected, atol=1e-6)
    assert out.converged


def test_stag_hunt_rest_point_is_the_mixed_equilibrium():
    R, S, T, P = 4.0, 0.0, 3.0, 2.0
    x_star = (P - S) / ((R - T) + (P - S))  # 2/3 by hand
    M = np.array([[R, S], [T, P]])
    np.testing.assert_allclose(replicator_derivative([x_star, 1 - x_star], M), 0.0, atol=1e-15)
    # pure states are rest points too
    np.testing.assert_allclose(replicator_derivative([[1.0, 0.0], [0.0, 1.0]], M), 0.0)


@pytest.mark.parametrize("method", ["nashpy", "log"])
def test_hawk_dove_converges_to_the_interior_equilibrium(method):
    # Chicken: T > R, S > P; stable mix x* = (S - P) / ((S - P) + (T - R)).
    R, S, T, P = 3.0, 1.0, 4.0, 0.0
    M = np.array([[R, S], [T, P]])
    out = replicator_dynamics(M, [0.1, 0.9], method=method)
    assert out.shares[0] == pytest.approx(0.5, abs=1e-6)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_nashpy_and_solve_ivp_trajectories_agree(seed):
    rng = np.random.default_rng(seed)
    M = rng.normal(size=(4, 4))
    x0 = rng.dirichlet(np.ones(4))
    t = np.linspace(0, 5, 51)
    a = replicator_trajectory(M, x0, t, "nashpy")
    b = replicator_trajectory(M, x0, t, "log")
    np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_allclose(b.sum(axis=1), 1.0, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.1, 20), st.floats(-5, 5))
def test_payoff_units_and_column_shifts_do_not_change_the_dynamics(seed, scale, shift):
    # Adding a constant to a column adds c x_j to every (Mx)_i and to x'Mx:
    # the field is unchanged. Multiplying M by c > 0 only rescales time, and the
    # horizon is in units of the spread, so the long-run shares are the same.
    rng = np.random.default_rng(seed)
    M = rng.normal(size=(3, 3))
    x0 = rng.dirichlet(np.ones(3))
    shifted = M.copy()
    shifted[:, 1] += shift
    xs = rng.dirichlet(np.ones(3), size=5)
    np.testing.assert_allclose(
        replicator_derivative(xs, shifted), replicator_derivative(xs, M), atol=1e-12
    )
    base = replicator_dynamics(M, x0, method="log").shares
    again = replicator_dynamics(scale * M, x0, method="log").shares
    np.testing.assert_allclose(again, base, atol=1e-6)


def test_absent_strategies_stay_absent_and_no_spread_means_no_change():
    M = np.array([[0.0, 5.0, 1.0], [3.0, 1.0, 0.0], [9.0, 9.0, 9.0]])
    out = replicator_dynamics(M, [0.5, 0.5, 0.0], method="log")
    assert out.shares[2] == 0.0
    flat = replicator_dynamics(np.full((3, 3), 2.0), [0.2, 0.3, 0.5])
    np.testing.assert_allclose(flat.shares, [0.2, 0.3, 0.5])


def test_replicator_input_errors_are_user_errors():
    with pytest.raises(BindingSimError, match="square"):
        replicator_dynamics(np.ones((2, 3)))
    with pytest.raises(BindingSimError, match="initial shares"):
        replicator_dynamics(np.eye(2), [-1.0, 2.0])
    with pytest.raises(BindingSimError, match="method"):
        replicator_dynamics(np.array([[1.0, 1.0], [0.0, 1.0]]), method="euler")


# ------------------------------------------------------------------ Moran process
def _absorbing_chain_rho(G, N, w, fitness="linear"):
    """Fixation probabilities from the full birth-death chain, solved as a linear system."""
    (a, b), (c, d) = np.asarray(G, dtype=float)
    n = N + 1
    Q = np.zeros((n, n))
    for i in range(1, N):
        F = (a * (i - 1) + b * (N - i)) / (N - 1)
        Gi = (c * i + d * (N - i - 1)) / (N - 1)
        if fitness == "linear":
            f, g = 1 - w + w * F, 1 - w + w * Gi
        else:
            f, g = math.exp(w * F), math.exp(w * Gi)
        up = i * f / (i * f + (N - i) * g) * (N - i) / N
        down = (N - i) * g / (i * f + (N - i) * g) * i / N
        # x_i = up x_{i+1} + down x_{i-1} + (1 - up - down) x_i; divided by up + down
        # (the staying probability cancels) so that the system stays well conditioned
        Q[i, i + 1], Q[i, i - 1] = up / (up + down), down / (up + down)
    # x_i = sum_j Q_ij x_j, x_0 = 0, x_N = 1
    A = np.eye(n) - Q
    A[0, :], A[N, :] = 0, 0
    A[0, 0] = A[N, N] = 1
    rhs = np.zeros(n)
    rhs[N] = 1
    return np.linalg.solve(A, rhs)


@pytest.mark.parametrize("N", [2, 3, 10, 57, 500])
def test_neutral_fixation_is_exactly_one_over_n(N):
    assert fixation_probability([[3.0, 0.0], [5.0, 1.0]], N, 0.0) == 1.0 / N
    assert fixation_probability([[2.0, 2.0], [2.0, 2.0]], N, 0.7) == 1.0 / N
    assert fixation_probability([[2.0, 2.0], [2.0, 2.0]], N, 0.7, fitness="exponential") == 1 / N


@pytest.mark.parametrize("fitness", ["linear", "exponential"])
@pytest.mark.parametrize("r_payoffs", [(2.0, 1.0), (1.0, 1.5), (0.5, 3.0)])
def test_constant_fitness_matches_moran_1958(fitness, r_payoffs):
    # a = b = alpha, c = d = beta: constant relative fitness r and
    # rho = (1 - 1/r) / (1 - 1/r^N) (Moran 1958; Nowak 2006, ch. 6).
    alpha, beta = r_payoffs
    N, w = 20, 0.3
    if fitness == "linear":
        r = (1 - w + w * alpha) / (1 - w + w * beta)
    else:
        r = math.exp(w * alpha) / math.exp(w * beta)
    expected = (1 - 1 / r) / (1 - r ** (-N))
    got = fixation_probability([[alpha, alpha], [beta, beta]], N, w, fitness=fitness)
    assert got == pytest.approx(expected, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0, 5), min_size=4, max_size=4),
    st.integers(2, 60),
    st.floats(0, 1),
    st.sampled_from(["linear", "exponential"]),
    st.data(),
)
def test_closed_form_equals_the_absorbing_chain(vals, N, w, fitness, data):
    if fitness == "linear":
        w = min(w, 0.99)  # payoffs >= 0: fitness 1 - w + w F >= 0.01 > 0
    G = np.array(vals).reshape(2, 2)
    m = data.draw(st.integers(0, N))
    chain = _absorbing_chain_rho(G, N, w, fitness)
    got = fixation_probability(G, N, w, mutants=m, fitness=fitness)
    # The linear solve is the ill-conditioned side: with strong selection (e.g. payoffs
    # 0, 3, 3, 0, N = 22, w = 1, exponential) it is off by 2.5e-9 relative while the
    # closed form agrees with a 60-digit evaluation to 1e-15 (see the test below).
    assert got == pytest.approx(chain[m], rel=1e-7, abs=1e-12)


def _rho_high_precision(G, N, w, fitness, mutants=1):
    """Closed-form fixation probability evaluated with 60-digit decimals (third method)."""
    from decimal import Decimal, getcontext

    getcontext().prec = 60
    (a, b), (c, d) = (tuple(Decimal(repr(float(x))) for x in row) for row in G)
    w = Decimal(repr(float(w)))
    terms, prod = [Decimal(1)], Decimal(1)
    for i in range(1, N):
        F = (a * (i - 1) + b * (N - i)) / (N - 1)
        Gi = (c * i + d * (N - i - 1)) / (N - 1)
        if fitness == "linear":
            f, g = 1 - w + w * F, 1 - w + w * Gi
        else:
            f, g = (w * F).exp(), (w * Gi).exp()
        prod *= g / f
        terms.append(prod)
    return float(sum(terms[:mutants]) / sum(terms))


@pytest.mark.parametrize(
    ("G", "N", "w", "fitness", "mutants"),
    [
        ([[0.0, 3.0], [3.0, 0.0]], 22, 1.0, "exponential", 1),
        ([[3.0, 0.0], [5.0, 1.0]], 40, 0.9, "linear", 3),
        ([[4.0, 0.0], [3.0, 3.0]], 60, 1.0, "exponential", 30),
    ],
)
def test_closed_form_equals_high_precision_evaluation(G, N, w, fitness, mutants):
    got = fixation_probability(G, N, w, mutants=mutants, fitness=fitness)
    assert got == pytest.approx(_rho_high_precision(G, N, w, fitness, mutants), rel=1e-12)


@pytest.mark.parametrize(
    ("G", "N", "w", "mutants", "fitness", "seed"),
    [
        ([[3.0, 0.0], [5.0, 1.0]], 10, 0.1, 1, "linear", 1),  # TFT-free PD: C loses
        ([[3.0, 1.0], [0.0, 1.0]], 20, 0.3, 1, "linear", 2),  # Stag Hunt-like
        ([[4.0, 0.0], [3.0, 2.0]], 12, 0.5, 4, "linear", 3),  # several mutants
        ([[1.0, 3.0], [2.0, 0.0]], 15, 1.5, 2, "exponential", 4),  # coexistence game
        ([[2.0, 2.0], [2.0, 2.0]], 8, 0.9, 1, "linear", 5),  # neutral: 1/N
    ],
)
def test_simulated_fixation_matches_the_closed_form_within_its_interval(
    G, N, w, mutants, fitness, seed
):
    out = simulate_moran(G, N, w, 20_000, seed, mutants=mutants, fitness=fitness)
    exact = _absorbing_chain_rho(G, N, w, fitness)[mutants]
    assert out.exact == pytest.approx(exact, rel=1e-9)
    lo, hi = out.ci
    assert lo <= exact <= hi
    assert out.fixations == round(out.share * out.reps)


def test_moran_simulation_is_reproducible_and_spans_blocks():
    G = [[3.0, 1.0], [0.0, 1.0]]
    a = simulate_moran(G, 10, 0.4, 9000, 11)
    b = simulate_moran(G, 10, 0.4, 9000, 11)
    assert a == b
    c = simulate_moran(G, 10, 0.4, 9000, 12)
    assert c.fixations != a.fixations or c.mean_jumps != a.mean_jumps
    # the first block (8192 replicates) is the same stream whatever the total
    first = simulate_moran(G, 10, 0.4, 8192, 11)
    assert first.fixations <= a.fixations <= first.fixations + (9000 - 8192)


def test_fixation_matrix_diagonal_and_entries():
    M = np.array([[3.0, 0.0, 3.0], [5.0, 1.0, 1.0], [3.0, 1.0, 3.0]])
    rho = fixation_probabilities(M, 25, 0.2)
    np.testing.assert_allclose(np.diag(rho), 1 / 25)
    assert rho[1, 0] == pytest.approx(
        fixation_probability([[1.0, 5.0], [0.0, 3.0]], 25, 0.2), rel=1e-14
    )


def test_moran_fitness_and_errors():
    f, g = moran_fitness([[3.0, 0.0], [5.0, 1.0]], 4, 0.5)
    # i = 1: F = (3*0 + 0*3)/3 = 0, G = (5*1 + 1*2)/3 = 7/3
    assert f[0] == pytest.approx(0.5) and g[0] == pytest.approx(0.5 + 0.5 * 7 / 3)
    with pytest.raises(BindingSimError, match="not positive"):
        fixation_probability([[-5.0, -5.0], [1.0, 1.0]], 10, 0.9)
    with pytest.raises(BindingSimError, match="population"):
        fixation_probability([[1.0, 1.0], [1.0, 1.0]], 1, 0.1)
    with pytest.raises(BindingSimError, match="intensity"):
        fixation_probability([[1.0, 1.0], [1.0, 1.0]], 5, 1.5)
    with pytest.raises(BindingSimError, match="mutants"):
        fixation_probability([[1.0, 1.0], [1.0, 1.0]], 5, 0.1, mutants=6)
