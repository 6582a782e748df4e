"""Every formula once (docs/model.md sections 2, 3 and 6): the transform, kappa, the margin.

The relative-gains transform and ``kappa = k (1 - tau)`` are plain functions
of scalars or arrays (:mod:`binding_sim.model.payoffs`) that numba compiles
into the kernel; ``margin_coefficients`` is the one algebraic expansion of
the margin, held here against the transform itself. On the generators'
lattice (payoffs in halves, ``k`` in quarters, trust in 64ths) every
intermediate value is a short dyadic fraction, so the two routes agree
exactly, not merely to rounding.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies_hypothesis import arrangement_payoffs, sensitivities, trust_levels

from binding_sim.config.scenario import Scenario
from binding_sim.model.margins import acceptance_margin, margin_coefficients, margin_value
from binding_sim.model.payoffs import (
    absolute_payoffs,
    kappa,
    relative_gains_transform,
    relative_utility,
    transformed_payoffs,
)
from binding_sim.model.stage_game import StageGame


@settings(max_examples=200, deadline=None)
@given(pay=arrangement_payoffs(), k=sensitivities, tau=trust_levels)
def test_margin_coefficients_are_the_transform_expanded(
    pay: np.ndarray, k: float, tau: float
) -> None:
    """``Delta_i`` from the transformed payoffs equals Horner on ``margin_coefficients``, exactly."""
    for i in range(2):
        own, other = pay[i], pay[1 - i]
        # the margin by hand from the transform: tau [U(C,C) - U(D,C)] + (1 - tau) [U(C,D) - U(D,D)]
        kap = k * (1 - tau)
        U = {
            "CC": (1 + kap) * own[0] - kap * other[0],
            "CD": (1 + kap) * own[1] - kap * other[2],
            "DC": (1 + kap) * own[2] - kap * other[1],
            "DD": (1 + kap) * own[3] - kap * other[3],
        }
        by_hand = tau * (U["CC"] - U["DC"]) + (1 - tau) * (U["CD"] - U["DD"])
        c2, c1, c0 = margin_coefficients(k, own, other)
        assert margin_value(c2, c1, c0, tau) == by_hand
        assert float(acceptance_margin(tau, k, own, other)) == by_hand


@settings(max_examples=100, deadline=None)
@given(pay=arrangement_payoffs(), k=sensitivities, tau=st.tuples(trust_levels, trust_levels))
def test_transformed_payoffs_are_the_transformed_game(pay, k, tau) -> None:
    """Per-actor ``R', S', T', P'`` equal the cells of the transformed nashpy pair."""
    game = StageGame.from_payoffs(pay).relative((k, k), tau)
    for i in range(2):
        own = transformed_payoffs(kappa(k, tau[i]), pay[i], pay[1 - i])
        assert tuple(float(x) for x in own) == game.payoffs(i)


def test_numba_compiles_the_same_formulas() -> None:
    """The kernel's compiled formulas give the same bits as the plain-Python ones."""
    rng = np.random.default_rng(1)
    jk = numba.njit(kappa)
    ju = numba.njit(relative_utility)
    jm = numba.njit(margin_value)
    for k, tau, a, b, c0, c1, c2 in rng.normal(size=(200, 7)):
        assert jk(k, tau) == kappa(k, tau)
        assert ju(k, a, b) == relative_utility(k, a, b)
        assert jm(c2, c1, c0, tau) == margin_value(c2, c1, c0, tau)


def test_relative_utility_is_grieco_and_snidal() -> None:
    """``U = (1 + kappa) pi_i - kappa pi_j``; divided by ``1 + kappa`` it is ``pi_i - r pi_j``."""
    kap, own, other = 0.75, 6.0, 2.0
    U = relative_utility(kap, own, other)
    assert U == own - kap * (other - own) == 9.0
    assert math.isclose(U / (1 + kap), own - kap / (1 + kap) * other)
    A, B = np.array([[6.0, -2.0], [2.0, 0.0]]), np.array([[6.0, 2.0], [-2.0, 0.0]])
    UA, UB = relative_gains_transform(A, B, 0.5, 1.0)
    assert UA.tolist() == [[6.0, -4.0], [4.0, 0.0]] and UB.tolist() == [[6.0, 6.0], [-6.0, 0.0]]


def test_absolute_payoffs_over_an_array_of_threats() -> None:
    """One ``(2, 4)`` table per theta: the threat term applied once, as for a scalar theta."""
    arr = Scenario.load("krickovic2016").arrangements["buffer_zone"]
    thetas = np.array([[0.0, 0.5], [1.0, 3.0]])
    tables = absolute_payoffs(arr, thetas)
    assert tables.shape == (2, 2, 2, 4)
    for idx in np.ndindex(thetas.shape):
        assert np.array_equal(tables[idx], absolute_payoffs(arr, float(thetas[idx])))
    # R rises by theta * scope (0.3); caps shrink only T and S toward P
    assert absolute_payoffs(arr, 2.0)[0].tolist() == [1.5 + 0.6, -0.4, 0.4, 0.0]
    assert absolute_payoffs(arr, 0.0, 0.5)[0].tolist() == [1.5, -0.2, 0.2, 0.0]
