"""Stage games: nashpy convention, classes, the relative-gains transform, equilibria (docs/model.md sections 2, 7)."""

from __future__ import annotations

import nashpy as nash
import numpy as np
import pytest
from hypothesis import given
from strategies_hypothesis import (
    CLASS_RULES,
    GAME_CLASSES,
    class_payoffs,
    nondegenerate_games,
    sensitivities,
    symmetric_payoffs,
    trust_levels,
)

from binding_sim.model.arrangement import Arrangement, Payoffs
from binding_sim.model.payoffs import (
    absolute_payoffs,
    matrices,
    own_payoffs,
    relative_gains_transform,
)
from binding_sim.model.stage_game import StageGame, classify, equilibria

# Hand-made payoffs (R, S, T, P), one per class, with the inequalities spelled out.
HAND_MADE = {
    "harmony": (4, 2, 3, 1),  # R 4 > T 3, S 2 > P 1
    "stag_hunt": (4, 0, 3, 2),  # R 4 > T 3, P 2 > S 0
    "chicken": (3, 1, 4, 0),  # T 4 > R 3, S 1 > P 0
    "prisoners_dilemma": (3, 0, 5, 1),  # T 5 > R 3 > P 1 > S 0
    "deadlock": (2, 0, 3, 4),  # T 3 > R 2, P 4 > S 0, P 4 > R 2
    "other": (3, 0, 3, 1),  # R = T: a tie among the pairs compared
}


@pytest.mark.parametrize(("name", "pay"), HAND_MADE.items())
def test_classify_hand_made(name: str, pay: tuple[int, int, int, int]) -> None:
    assert classify(*pay) == name


@pytest.mark.parametrize(
    "pay",
    [
        (3, 1, 4, 1),  # T > R but S = P
        (4, 2, 3, 2),  # R > T but S = P
        (2, 0, 3, 2),  # T > R, P > S, R = P: neither PD nor deadlock
    ],
)
def test_ties_are_other(pay: tuple[int, int, int, int]) -> None:
    assert classify(*pay) == "other"


@given(class_payoffs("harmony"))
def test_generated_harmony(p) -> None:
    assert classify(*p) == "harmony"


@pytest.mark.parametrize("name", GAME_CLASSES)
def test_generated_payoffs_of_every_class(name: str) -> None:
    @given(class_payoffs(name))
    def check(p) -> None:
        assert classify(*p) == name
        if name != "other":
            assert CLASS_RULES[name](*p)

    check()


def test_matrices_follow_nashpy_convention() -> None:
    # actor A (rows) R, S, T, P = 1, 2, 3, 4; actor B = 5, 6, 7, 8
    A, B = matrices([[1, 2, 3, 4], [5, 6, 7, 8]])
    # rows = A's action, columns = B's action, index 0 = C
    np.testing.assert_array_equal(A, [[1, 2], [3, 4]])  # A complies & B defects -> S_A = 2
    np.testing.assert_array_equal(B, [[5, 7], [6, 8]])  # A complies & B defects -> T_B = 7
    assert own_payoffs(A, B, 0) == (1, 2, 3, 4)
    assert own_payoffs(A, B, 1) == (5, 6, 7, 8)


def test_to_nashpy_round_trips() -> None:
    game = StageGame.from_payoffs([[1, 2, 3, 4], [5, 6, 7, 8]])
    ng = game.to_nashpy()
    assert isinstance(ng, nash.Game)
    A, B = ng.payoff_matrices
    np.testing.assert_array_equal(A, game.A)
    np.testing.assert_array_equal(B, game.B)
    back = StageGame.from_nashpy(ng)
    np.testing.assert_array_equal(back.A, game.A)
    np.testing.assert_array_equal(back.B, game.B)
    # and the other way: a nashpy game survives the trip through StageGame
    orig = nash.Game(np.array([[3.0, 0.0], [5.0, 1.0]]), np.array([[3.0, 5.0], [0.0, 1.0]]))
    again = StageGame.from_nashpy(orig).to_nashpy()
    for x, y in zip(orig.payoff_matrices, again.payoff_matrices, strict=True):
        np.testing.assert_array_equal(x, y)


def test_absolute_payoffs_common_threat_and_caps() -> None:
    arr = Arrangement(
        name="formal",
        scope=0.5,
        trust_weight=1.0,
        payoffs=(Payoffs(6, -2, 2, 1), Payoffs(5, -1, 3, 0)),
    )
    out = absolute_payoffs(arr, common_threat=2.0, cap_factor=0.5)
    # R += theta s = 1; T <- P + c (T - P), S <- P + c (S - P)
    np.testing.assert_allclose(out[0], [7, 1 + 0.5 * (-3), 1 + 0.5 * 1, 1])
    np.testing.assert_allclose(out[1], [6, 0.5 * -1, 0.5 * 3, 0])


def test_relative_gains_transform_by_hand() -> None:
    A = np.array([[6.0, -2.0], [2.0, 0.0]])
    B = A.T.copy()
    UA, UB = relative_gains_transform(A, B, 0.5, 1.0)
    # U_A(D,C) = 1.5 * 2 - 0.5 * (-2) = 4; U_B(C,D) (B defects on A) = 2 * 2 - 1 * (-2) = 6
    assert UA[1, 0] == pytest.approx(4.0)
    assert UB[0, 1] == pytest.approx(6.0)
    # mutual outcomes are unchanged when payoffs are symmetric
    assert UA[0, 0] == 6 and UB[1, 1] == 0
    game = StageGame(A, B).relative(k=(1.0, 2.0), trust=(0.5, 0.5))  # kappas 0.5 and 1
    np.testing.assert_allclose(game.A, UA)
    np.testing.assert_allclose(game.B, UB)


@given(symmetric_payoffs(), sensitivities, sensitivities, trust_levels, trust_levels)
def test_relative_gains_never_give_deadlock_in_symmetric_games(p, ka, kb, ta, tb) -> None:
    # docs/model.md section 2: U(C,C) - U(D,D) = R - P is unchanged by the transform, and
    # deadlock needs P' > R'; so a symmetric game with R >= P never becomes deadlock.
    # (With R < P a stag hunt can turn into deadlock; that is not a transform artefact.)
    game = StageGame.from_payoffs(np.array(p, dtype=float))
    rel = game.relative(k=(ka, kb), trust=(ta, tb))
    for i in range(2):
        R2, _S2, _T2, P2 = rel.payoffs(i)
        assert R2 - P2 == pytest.approx(p[0] - p[3])
        if p[0] >= p[3]:
            assert rel.classes()[i] != "deadlock"


@given(nondegenerate_games())
def test_support_and_vertex_enumeration_agree(game) -> None:
    A, B = game
    sup = equilibria(A, B, "support")
    ver = equilibria(A, B, "vertex")
    assert len(sup) == len(ver) >= 1
    for (sa, sb), (va, vb) in zip(sup, ver, strict=True):
        np.testing.assert_allclose(sa, va, atol=1e-9)
        np.testing.assert_allclose(sb, vb, atol=1e-9)
    # a second check: each is a Nash equilibrium (no profitable deviation)
    for sa, sb in sup:
        assert np.isclose(sa.sum(), 1) and np.isclose(sb.sum(), 1)
        assert sa @ A @ sb >= (A @ sb).max() - 1e-9
        assert sa @ B @ sb >= (sa @ B).max() - 1e-9


def test_stag_hunt_equilibria_by_hand() -> None:
    # R = 4, S = 0, T = 3, P = 2: the mixed equilibrium has p (4 - 3) = (1 - p)(2 - 0): p = 2/3
    game = StageGame.from_payoffs((4, 0, 3, 2))
    eq = game.equilibria()
    assert [(e[0][0], e[1][0]) for e in eq] == [
        pytest.approx((1.0, 1.0)),
        pytest.approx((2 / 3, 2 / 3)),
        pytest.approx((0.0, 0.0)),
    ]
    with pytest.raises(ValueError, match="unknown method"):
        equilibria(game.A, game.B, "lemke")
