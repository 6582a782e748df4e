"""Power shifts, derived sensitivity and the war threshold (docs/model.md section 14).

The checks of docs/model.md section 14.5 (G = 1, delta = 0.95, eta = 0.25,
C_A = C_B = 2 unless stated), each recomputed here from its closed form.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from binding_sim.analysis import analyze
from binding_sim.config.cells import CellBuilder
from binding_sim.config.scenario import Scenario
from binding_sim.config.schema import SCENARIO_KEYS, check_value
from binding_sim.dynamics.engine import compile_cells, simulate, simulate_cells
from binding_sim.errors import ConfigError
from binding_sim.model.margins import tau_star
from binding_sim.model.power import (
    critical_war_cost,
    derived_sensitivity,
    expected_payment_difference,
    logit,
    shift_power,
    shift_threshold,
    war_initiator,
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


# ============================================================== the engine (14.5 through it)
def _raw(
    *,
    k: tuple[float | None, float | None] = (None, None),
    tau0: tuple[float, float] = (0.5, 0.5),
    beta: tuple[float, float] = (math.inf, math.inf),
    mu: float = 0.5,
    eps: float = 0.0,
    formal: tuple[float, float, float, float] = F,
    power: dict[str, Any] | None = None,
    war_cost: float = C,
    horizon: int = 20,
) -> dict[str, Any]:
    """A two-actor formal-only scenario; ``k = None`` leaves ``relative_gains`` out (derivation)."""
    actors: dict[str, Any] = {}
    for i, name in enumerate(("A", "B")):
        body: dict[str, Any] = {
            "initial_trust": tau0[i],
            "incident_rate": eps,
            "decision_precision": beta[i],
            "war_cost": war_cost,
        }
        if k[i] is not None:
            body["relative_gains"] = k[i]
        actors[name] = body
    R, S, T, P = formal
    return {
        "scenario": {"name": "power", "horizon": horizon, "discount_factor": DELTA},
        "trust": {"building_rate": 0.1, "erosion_rate": mu, "recovery_rate": 0.0},
        "actors": actors,
        "arrangements": {"formal": {"payoffs": {"R": R, "S": S, "T": T, "P": P}}},
        "power": {"conversion_rate": ETA, **(power or {})},
    }


def _exploited(horizon: int, formal: tuple[float, float, float, float] = F, **power: Any) -> Any:
    """A (k = 0, trust 0.9) complies every round, B (k = 5, trust 0.5) defects; trust never moves."""
    raw = _raw(k=(0.0, 5.0), tau0=(0.9, 0.5), mu=0.0, formal=formal, power=power, horizon=horizon)
    raw["trust"]["building_rate"] = 0.0
    return Scenario.from_dict(raw, source="<test>")


@pytest.mark.parametrize("backend", ["python", "numba"])
def test_check_2_law_of_motion_through_the_engine(backend: str) -> None:
    _R, S, T, _P = F
    for times in (1, 3):
        out = simulate(_exploited(times), "formal", 3, 1, backend=backend)
        # A is exploited every round: pi_A - pi_B = S - T, logit p falls by eta (T - S) a round
        expected = sigma(logit(0.5) + times * ETA * (S - T))
        assert out.mean_exploited_rounds[0] == times
        assert list(out.final_power_share[0]) == pytest.approx([expected] * 4, abs=1e-15)
        assert list(out.final_power_share[1]) == pytest.approx([1 - expected] * 4, abs=1e-15)
    assert simulate(_exploited(1), "formal", 3, 1).final_power_share[0, 0] == pytest.approx(
        0.268941, abs=1e-6
    )
    assert simulate(_exploited(3), "formal", 3, 1).final_power_share[0, 0] == pytest.approx(
        0.047426, abs=1e-6
    )


def _derived(cost: float, **extra: Any) -> Scenario:
    raw = _raw(power={"derive_relative_gains": True, **extra}, war_cost=cost)
    return Scenario.from_dict(raw, source="<test>")


def test_check_3_and_4_derived_k_binds_in_round_1_iff_war_costs_more_than_c_star() -> None:
    R, S, T, P = F
    # k*_F at tau_0 = 1/2 by hand: Delta = (R - T)/2 - ((P - S) + k (T - S))/2 = 0
    k_star_f = ((R - T) - (P - S)) / (T - S)
    assert k_star_f == 0.5
    k0 = ETA * G * DELTA / (1 - DELTA) * 0.5 * 0.5
    c_star = G / (1 - DELTA) * (1 - k_star_f / k0)
    assert c_star == pytest.approx(220 / 19, abs=1e-9)
    for backend in ("python", "numba"):
        above = simulate(_derived(c_star + 0.01), "formal", 50, 3, backend=backend)
        below = simulate(_derived(c_star - 0.01), "formal", 50, 3, backend=backend)
        assert above.bound_by_round[0] == 1.0
        assert below.bound_by_round[0] == 0.0
        # refused by both: mutual defection, no shift of power, never bound
        assert below.share_bound == 0.0 and below.final_power_share[0, 0] == 0.5
    # C >= G / (1 - delta) = 20: k = 0, the treaty's own threshold 1/3 < tau_0
    assert simulate(_derived(20.0), "formal", 10, 3).time_to_bind_median == 1.0


@pytest.mark.parametrize("backend", ["python", "numba"])
def test_check_5_war_against_peace_through_the_engine(backend: str) -> None:
    d_star = 0.6 / 19  # (1 - delta)((1 - delta) C + (1 - p) G) / (delta G) at p = 1/2
    H = 20
    for formal, war in (
        (F, True),
        ((1.0, -0.2, 0.2, 0.0), False),  # md_transparency's payoffs: loss 0.024979 < D*
        ((1.0, -0.3, 0.3, 0.0), True),  # interceptor_caps' payoffs: loss 0.037430 > D*
    ):
        _R, S, T, _P = formal
        loss = 0.5 - sigma(ETA * (S - T))  # A expects to be exploited: it complies, B defects
        assert (loss > d_star) == war
        out = simulate(_exploited(H, formal, breakdown=True), "formal", 4, 2, backend=backend)
        if war:
            # war in round 1, started by A; every round pays p_i G - (1 - delta) C_i = 0.4
            assert out.share_war == 1.0 and out.war_round_median == 1.0
            assert list(out.war_initiator_share) == [1.0, 0.0]
            assert out.mean_war_rounds == H
            assert out.share_bound == 0.0 and out.share_trapped == 0.0
            assert out.share_spiral == 0.0 and out.mean_mutual_defection == 0.0
            assert out.mean_exploited_rounds[0] == 0.0  # the moves are not played
            w = 0.5 * G - (1 - DELTA) * C
            assert out.mean_payoff_absolute == pytest.approx([w * H, w * H], abs=1e-12)
            disc = sum(DELTA**t for t in range(H))
            assert out.mean_payoff_absolute_discounted == pytest.approx(
                [w * disc, w * disc], rel=1e-12
            )
            assert out.final_power_share[0, 0] == 0.5  # frozen when war starts
        else:
            # peace: A exploited every round; its share falls as in the law of motion
            assert out.share_war == 0.0 and out.war_round_median is None
            assert out.mean_exploited_rounds[0] == H
            expected = sigma(H * ETA * (S - T))
            assert out.final_power_share[0, 0] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("protocol", ["formal", "piecemeal"])
def test_check_6_krickovic2016_symmetric_play_never_shifts_power(protocol: str) -> None:
    base = Scenario.load("krickovic2016", ["actors.*.incident_rate=0"])
    on = base.with_values(
        {"power.conversion_rate": 0.25, "power.breakdown": True, "actors.*.war_cost": 2.0}
    )
    a = simulate(base, protocol, 20, 5)
    b = simulate(on, protocol, 20, 5)
    # exactly 0.5 for both: every outcome is on the diagonal
    assert np.array_equal(b.final_power_share, np.full((2, 4), 0.5))
    assert b.share_war == 0.0
    assert np.array_equal(a.bound_by_round, b.bound_by_round)
    assert a.share_bound == b.share_bound


# ---------------------------------------------------------------- reduction and back ends
@pytest.mark.parametrize("protocol", ["formal", "piecemeal"])
def test_reduction_power_steps_change_nothing_when_power_cannot_move(protocol: str) -> None:
    """A cell in a call with power on runs the powered kernel; at ``eta = 0`` it changes nothing."""
    base = Scenario.load("krickovic2016", ["actors.*.decision_precision=3"])
    # breakdown on but eta = 0: no expected shift, so no war; the call runs the power steps
    still = base.with_values({"power.breakdown": True, "actors.*.war_cost": 0.0})
    moving = base.with_values({"power.conversion_rate": 0.5})
    alone = simulate(base, protocol, 300, 11)
    together = simulate_cells([base, still, moving], protocol, 300, 11)
    assert together[0] == alone
    assert together[1] == alone
    assert not together[2] == alone  # power moves with eta > 0 (final shares spread)


def test_reduction_default_tables_have_no_power() -> None:
    tab = compile_cells([Scenario.load("krickovic2016")], "piecemeal")
    assert not tab.powered
    assert not tab.arrays.coef_k.any() and not tab.arrays.derive.any()
    assert list(tab.arrays.share0) == [0.5] and list(tab.arrays.eta) == [0.0]


@pytest.mark.parametrize("protocol", ["formal", "piecemeal"])
def test_python_and_numba_back_ends_agree_with_power_on(protocol: str) -> None:
    raw = copy.deepcopy(dict(Scenario.load("krickovic2016").raw))
    for body in raw["actors"].values():
        body.pop("relative_gains")
        body["war_cost"] = 4.0
        body["decision_precision"] = 2.0
    raw["power"] = {"conversion_rate": 0.25, "derive_relative_gains": True, "breakdown": True}
    sc = Scenario.from_dict(raw)
    asym = sc.with_values({"power.initial_share": 0.6, "scenario.horizon": 40})
    for cell in (sc, asym):
        py = simulate(cell, protocol, 200, 7, backend="python", record=True)
        nb = simulate(cell, protocol, 200, 7, backend="numba", record=True)
        assert py == nb
        assert py.trajectories is not None and nb.trajectories is not None
        assert np.array_equal(py.trajectories.trust, nb.trajectories.trust)


# ------------------------------------------------------------------ keys and load errors
def _error(raw: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as info:
        Scenario.from_dict(raw, source="file.toml")
    text = str(info.value)
    assert "\n" not in text and text.startswith("file.toml")
    return text


def test_load_errors_of_section_14() -> None:
    raw = _raw(k=(1.0, None), power={"derive_relative_gains": True})
    assert "actors.A.relative_gains" in _error(raw)
    assert "derived from the cost of war" in _error(raw)
    raw = _raw(power={"breakdown": True}, war_cost=math.inf, k=(1.0, 1.0))
    assert "actors.A.war_cost = inf" in _error(raw)
    raw = _raw(k=(1.0, 1.0))
    raw["scenario"]["discount_factor"] = 1.0
    assert "scenario.discount_factor = 1.0" in _error(raw)
    for key, value in (
        ("conversion_rate", 0.1),
        ("derive_relative_gains", True),
        ("breakdown", True),
    ):
        raw = _raw(k=(1.0, 1.0), power={"conversion_rate": 0.0, key: value})
        if key == "derive_relative_gains":
            raw = _raw(power={"conversion_rate": 0.0, key: value})
        raw["decisions"] = {"rule": "forward"}
        assert f"power.{key} = " in _error(raw)
        assert '"forward"' in _error(raw)
    raw = _raw(k=(1.0, 1.0), power={"breakdown": "yes"})
    assert "must be true or false" in _error(raw)
    raw = _raw(k=(1.0, 1.0), power={"initial_share": 1.0})
    assert "power.initial_share" in _error(raw)


def test_sweep_cells_check_the_rules_of_section_14() -> None:
    base = Scenario.load("krickovic2016")
    builder = CellBuilder(base)
    with pytest.raises(ConfigError, match="derived from the cost of war"):
        builder.build({"power.derive_relative_gains": True})
    with pytest.raises(ConfigError, match="war_cost"):
        builder.build({"power.breakdown": True})
    cell = builder.build({"power.breakdown": True, "actors.*.war_cost": 3.0})
    assert cell == base.with_values({"power.breakdown": True, "actors.*.war_cost": 3.0})
    assert cell.power.breakdown and cell.actors[1].war_cost == 3.0


def test_bool_kind() -> None:
    spec = SCENARIO_KEYS["power.breakdown"]
    assert check_value(spec, True) is None and check_value(spec, False) is None
    for wrong in (0, 1, 1.0, "true", [True]):
        assert check_value(spec, wrong) == "must be true or false"


def test_analyze_power_block() -> None:
    raw = _raw(power={"derive_relative_gains": True})
    raw["arrangements"]["md"] = {"scope": 0.2, "payoffs": {"R": 1.0, "S": -0.2, "T": 0.2}}
    out = analyze(Scenario.from_dict(raw))["power"]
    ell = 1 - (1 - DELTA) * C / G
    assert out["war_live_factor"] == pytest.approx(ell)
    assert out["k_derived"] == pytest.approx(ell * ETA * G * DELTA / (1 - DELTA) / 4)
    assert out["critical_war_cost"] == pytest.approx(220 / 19, abs=1e-9)
    assert out["shift_threshold"] == {
        "A": pytest.approx(0.6 / 19, abs=1e-15),
        "B": pytest.approx(0.6 / 19, abs=1e-15),
    }
    for name, (s, t) in (("formal", (-2.0, 2.0)), ("md", (-0.2, 0.2))):
        loss = 0.5 - sigma(ETA * (s - t))
        assert out["exploitation_shift"][name] == {
            "A": pytest.approx(loss, abs=1e-15),
            "B": pytest.approx(loss, abs=1e-15),
        }


def test_expected_payment_difference_and_war_initiator_by_hand() -> None:
    pay = (6.0, -2.0, 2.0, 0.0)
    # each outcome with probability 1/4: (0) + (-2 - 2) + (2 + 2) + 0, and 1 - 0.5 of background
    assert expected_payment_difference(0.5, 0.5, pay, pay, 1.0, 0.5) == 0.5
    assert expected_payment_difference(1.0, 0.0, pay, pay, 0.0, 0.0) == -4.0
    d_star = 0.6 / 19
    assert war_initiator(0.5, 0.5 - d_star - 1e-9, C, C, G, DELTA) == 0
    assert war_initiator(0.5, 0.5 - d_star + 1e-9, C, C, G, DELTA) == -1
    assert war_initiator(0.5, 0.5 + d_star + 1e-9, C, C, G, DELTA) == 1


@pytest.mark.parametrize("backend", ["python", "numba"])
def test_war_in_round_2_of_a_revocable_treaty_by_hand(backend: str) -> None:
    """A war that breaks out after round 1, every number derived by hand (sections 13.1, 14.3).

    Both actors trust 0.9 > tau* = b/(a+b) = 0.6 (k = 1), so in round 1 both
    comply on the treaty: no expected shift, no war, and the pair binds
    (revocable). NATO misreads every compliance (incident rate 1): its trust
    falls to 0.9 (1 - mu) = 0.45 < 0.6, Russia's rises to 0.9 + 0.1 (1 - 0.9) =
    0.91. In round 2 NATO defects and Russia complies, so Russia expects to
    lose p_B - sigma(-eta (T - S)) = 0.5 - sigma(-1) = 0.2311 of its share,
    more than D* = (1 - delta)((1 - delta) C + (1 - p) G) / (delta G) = 0.6/19:
    Russia starts a war in round 2, and every round from then on pays
    p_i G - (1 - delta) C_i = 0.4.
    """
    H = 10
    sc = Scenario.load(
        "krickovic2016",
        [
            f"scenario.horizon={H}",
            "protocols.binding=revocable",
            "actors.*.initial_trust=0.9",
            "actors.NATO.incident_rate=1",
            "actors.Russia.incident_rate=0",
            f"power.conversion_rate={ETA}",
            "power.breakdown=true",
            f"actors.*.war_cost={C}",
        ],
    )
    assert 0.9 * 0.5 < 0.6 < 0.9  # NATO's trust crosses tau* after round 1
    loss = 0.5 - sigma(-ETA * (F[2] - F[1]))
    assert loss == pytest.approx(0.231059, abs=1e-6) and loss > 0.6 / 19
    out = simulate(sc, "formal", 4, 1, backend=backend)
    assert out.share_war == 1.0 and out.war_round_median == 2.0
    assert list(out.war_initiator_share) == [0.0, 1.0]  # Russia, the declining side
    assert out.share_ever_bound == 1.0 and out.share_bound == 0.0  # at war: unbound
    assert out.mean_war_rounds == H - 1
    w = 0.5 * G - (1 - DELTA) * C
    assert out.mean_payoff_absolute == pytest.approx([F[0] + w * (H - 1)] * 2, abs=1e-12)
    assert out.final_power_share[0, 0] == 0.5  # round 1 moved nothing, war froze it
