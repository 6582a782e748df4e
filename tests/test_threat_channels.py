"""The realist channel and the partners, wired into scenarios, the analysis and the engine.

docs/model.md sections 15.2 to 15.5: ``scenario.threat_dilution`` (``rho``)
divides every ``kappa`` by ``1 + rho theta`` in the analysis and in the
engine (decisions and relative-gains payments); ``analyze`` reports
``theta*`` with both channels and with the liberal channel alone, and, with
``[partners] names``, the formal treaty among ``N`` actors. Expected values
are the specification's numbers (section 15.5), closed forms solved here by
hand, a brute-force enumeration, or the margin recomputed from the
relative-gains transform written out in the test; never the package's output.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies_hypothesis import scenario_dicts, sensitivities, trust_levels

from binding_sim.analysis import accepted_at_start, analyze, n_actor_analysis, theta_star
from binding_sim.cli import main
from binding_sim.config.cells import CellBuilder
from binding_sim.config.scenario import Scenario
from binding_sim.dynamics.engine import compile_cells, simulate
from binding_sim.errors import BindingSimError, ConfigError
from binding_sim.model.margins import TOL, margin_value
from binding_sim.model.payoffs import kappa
from binding_sim.model.threat import (
    dilution,
    effective_sensitivity,
    joint_threshold_threat,
    threat_margin,
)
from binding_sim.plot.catch22 import catch22_table

BACKENDS = ["numba", "python"]
PARTNERS = ["Japan", "Kuwait", "Saudi Arabia"]


@pytest.fixture(scope="module")
def preset2010() -> Scenario:
    return Scenario.load("exporting_security2010")


def hand_margin(tau: float, kap: float, own, other) -> float:
    """docs/model.md section 3's Delta_i from U_i = (1 + kappa) pi_i - kappa pi_j, written out."""
    R, S, T, P = own
    Rj, Sj, Tj, Pj = other
    u_cc = (1 + kap) * R - kap * Rj
    u_dc = (1 + kap) * T - kap * Sj
    u_cd = (1 + kap) * S - kap * Tj
    u_dd = (1 + kap) * P - kap * Pj
    return tau * (u_cc - u_dc) + (1 - tau) * (u_cd - u_dd)


# --------------------------------------------------------------- one kappa
@settings(max_examples=200, deadline=None)
@given(
    k=sensitivities,
    tau=trust_levels,
    rho=st.integers(0, 12).map(lambda n: n / 4),
    theta=st.integers(0, 40).map(lambda n: n / 4),
)
def test_one_kappa_with_the_dilution(k: float, tau: float, rho: float, theta: float) -> None:
    """``kappa(k, tau, d)`` is section 15.2's ``k (1 - tau) / (1 + rho theta)``; the engine's
    effective sensitivity gives the same bits, and ``rho = 0`` is section 2 exactly."""
    d = dilution(rho, theta)
    assert kappa(k, tau, d) == pytest.approx(k * (1 - tau) / (1 + rho * theta), rel=1e-15)
    assert kappa(effective_sensitivity(k, rho, theta), tau) == kappa(k, tau, d)
    assert kappa(k, tau, dilution(0.0, theta)) == k * (1 - tau)
    assert effective_sensitivity(k, 0.0, theta) == k


def test_numba_compiles_kappa_with_and_without_the_dilution() -> None:
    jk = numba.njit(kappa)
    rng = np.random.default_rng(7)
    for k, tau, d in rng.uniform(0, 2, size=(100, 3)):
        assert jk(k, tau) == kappa(k, tau) == k * (1 - tau)
        assert jk(k, tau, d) == kappa(k, tau, d)


# --------------------------------------------------------------- scenario keys
def test_threat_dilution_key_default_and_range(preset2010: Scenario) -> None:
    assert Scenario.load("krickovic2016").threat_dilution == 0.0
    sc = preset2010.with_values({"scenario.threat_dilution": 1.0})
    assert sc.threat_dilution == 1.0
    # k / (1 + rho theta) at theta = 3: NATO 0.5 / 4, Russia 1 / 4
    assert sc.effective_relative_gains == (0.125, 0.25)
    assert preset2010.effective_relative_gains == (0.5, 1.0)
    assert sc.to_dict()["scenario"]["threat_dilution"] == 1.0
    assert Scenario.from_dict(sc.to_dict()) == Scenario.from_dict(sc.to_dict())
    with pytest.raises(ConfigError, match=r"scenario\.threat_dilution = -0\.5: must be a number"):
        Scenario.load("krickovic2016", ["scenario.threat_dilution=-0.5"])


def test_partners_key(preset2010: Scenario) -> None:
    assert preset2010.partners == tuple(PARTNERS)
    assert Scenario.load("krickovic2016").partners == ()
    sc = Scenario.load("krickovic2016", ["partners.names=['Japan']"])
    assert sc.partners == ("Japan",)
    assert sc.to_dict()["partners"] == {"names": ["Japan"]}
    assert Scenario.from_dict(sc.to_dict()).partners == ("Japan",)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("partners.names=['NATO']", "partners.names = 'NATO': a partner cannot be an actor"),
        ("partners.names=['Japan', 'Japan']", "partners.names = 'Japan': each partner may be"),
        ("partners.names=[' ']", "partners.names = ' ': partner names must be non-empty"),
        ("partners.names='Japan'", "partners.names = 'Japan': must be a list of strings"),
        ("partners.name=[]", "partners.name = \\[\\]: unknown key; allowed here: names"),
    ],
)
def test_partner_errors_are_one_line(override: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        Scenario.load("krickovic2016", [override])
    assert "\n" not in str(info.value)


def test_partners_need_symmetric_formal_payoffs(tmp_path, capsys) -> None:
    text = (
        "[actors.A]\n[actors.B]\n"
        "[arrangements.formal]\n"
        "payoffs.A = { R = 6.0, S = -2.0, T = 2.0 }\n"
        "payoffs.B = { R = 5.0, S = -2.0, T = 2.0 }\n"
        '[partners]\nnames = ["C"]\n'
    )
    path = tmp_path / "asym.toml"
    path.write_text(text, encoding="utf-8")
    assert main(["analyze", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert f"{path}: arrangements.formal.payoffs = " in err[0]
    assert "must be the same for both actors" in err[0]
    # equal payoffs given per actor are symmetric: accepted
    path.write_text(text.replace("R = 5.0", "R = 6.0"), encoding="utf-8")
    assert Scenario.load(path).partners == ("C",)


def test_cells_with_partners_recheck_a_per_actor_formal_payoff(tmp_path) -> None:
    text = (
        "[actors.A]\n[actors.B]\n"
        "[arrangements.formal]\n"
        "payoffs.A = { R = 6.0, S = -2.0, T = 2.0 }\n"
        "payoffs.B = { R = 6.0, S = -2.0, T = 2.0 }\n"
        '[partners]\nnames = ["C"]\n'
    )
    path = tmp_path / "sym.toml"
    path.write_text(text, encoding="utf-8")
    base = Scenario.load(path)
    builder = CellBuilder(base)
    with pytest.raises(ConfigError, match="must be the same for both actors"):
        builder.build({"arrangements.formal.payoffs.A.R": 7.0})
    # a value that keeps them equal is fine, and equals the full validation
    point = {"arrangements.formal.payoffs.A.R": 6.0, "scenario.threat_dilution": 0.5}
    assert builder.build(point) == base.with_values(point)


# ------------------------------------------------ theta* on random scenarios
def _engine_margins(sc: Scenario) -> list[float]:
    """Each actor's margin for ``F`` at its initial trust, from the engine's compiled tables."""
    tab = compile_cells([sc], "formal").arrays
    return [
        float(margin_value(*tab.coef[0, 0, 0, i], sc.actors[i].initial_trust)) for i in range(2)
    ]


def _at(sc: Scenario, theta: float) -> Scenario:
    return sc.with_values({"scenario.common_threat": theta})


def _check_theta_star(sc: Scenario) -> None:
    """At the reported theta* both accept, the binding margin is 0, and above it is positive."""
    got = analyze(sc)["catch22"]["theta_star"]
    assert got == theta_star(sc)
    pay = [p.as_tuple() for p in sc.formal.payoffs]
    scale = (1 + max(abs(x) for p in pay for x in p)) * (
        1 + max(a.relative_gains for a in sc.actors)
    )
    if got is None:
        # no finite threat works: far above, some actor still rejects
        assert min(_engine_margins(_at(sc, 1e4))) < -TOL
        return
    tol = 1e-9 * (scale + got)
    at = _engine_margins(_at(sc, got))
    assert min(at) >= -tol
    assert accepted_at_start(_at(sc, got), "formal")
    if got == 0.0:
        return
    assert min(at) == pytest.approx(0.0, abs=tol)
    above = _engine_margins(_at(sc, got * (1 + 1e-6) + 1e-9))
    binding = int(np.argmin(at))
    assert above[binding] > 0.0
    assert min(above) >= -tol


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(raw=scenario_dicts(max_rungs=0), rho=st.integers(0, 12).map(lambda n: n / 4))
def test_theta_star_is_the_zero_of_the_engine_margin(raw: dict[str, Any], rho: float) -> None:
    """Random scenarios (asymmetric payoffs of any class): the engine's margin at theta*."""
    raw["scenario"]["threat_dilution"] = rho
    _check_theta_star(Scenario.from_dict(raw))


@settings(max_examples=100, deadline=None)
@given(
    pay=st.tuples(*(st.integers(-20, 20).map(lambda n: n / 2) for _ in range(4))),
    k=sensitivities,
    tau=trust_levels,
    rho=st.integers(0, 12).map(lambda n: n / 4),
)
def test_symmetric_actors_both_reach_zero_at_theta_star(pay, k, tau, rho) -> None:
    """With identical actors both margins are 0 at theta* and positive just above it."""
    sc = Scenario.from_dict(
        {
            "scenario": {"threat_dilution": rho},
            "actors": {
                "A": {"relative_gains": k, "initial_trust": tau},
                "B": {"relative_gains": k, "initial_trust": tau},
            },
            "arrangements": {"formal": {"payoffs": dict(zip("RSTP", pay, strict=True))}},
        }
    )
    got = theta_star(sc)
    _check_theta_star(sc)
    if got is not None and got > 0:
        at = _engine_margins(_at(sc, got))
        assert at[0] == at[1]
        assert min(_engine_margins(_at(sc, got * (1 + 1e-6) + 1e-9))) > 0.0
        # the margin written out by hand, with kappa diluted at theta*
        kap = k * (1 - tau) / (1 + rho * got)
        R, S, T, P = pay
        assert hand_margin(tau, kap, (R + got, S, T, P), (R + got, S, T, P)) == pytest.approx(
            0.0, abs=1e-9 * (1 + got) * (1 + k) * 20
        )


def test_joint_threshold_passes_an_acceptance_window() -> None:
    """An actor whom relative gains help (K < 0) can reject inside a window once rho > 0.

    Actor 1: A0 = -1, a1 = 0.1, K = -2, rho = 10: m = -1 + 0.1 t + 2 / (1 + 10 t) >= 0
    at t = 0, and Q = t^2 - 9.9 t + 1 < 0 between (9.9 -+ sqrt(94.01)) / 2. Actor 2 needs
    Q = t^2 + 0.1 t - 1 >= 0, from t = (-0.1 + sqrt(4.01)) / 2 = 0.951, inside actor 1's
    window: both accept first at its end.
    """
    end = (9.9 + math.sqrt(94.01)) / 2
    got = joint_threshold_threat([(-1.0, 0.1, -2.0), (0.0, 0.1, 1.0)], 10.0)
    assert got == pytest.approx(end, rel=1e-12)
    assert (
        threat_margin(-1.0, 0.1, -2.0, 10.0, 0.951) < 0 < threat_margin(0.0, 0.1, 1.0, 10.0, 0.96)
    )
    # without the realist channel the margins are affine and increasing: the maximum
    assert joint_threshold_threat([(-1.0, 0.1, -2.0), (0.0, 0.1, 1.0)], 0.0) == pytest.approx(10.0)
    # an actor whose acceptance never resumes (a1 = 0): no finite threat
    assert joint_threshold_threat([(-1.0, 0.0, -2.0), (0.0, 0.1, 1.0)], 1.0) is None


# ------------------------------------------------ section 15.5, checks 3 and 4
@pytest.mark.parametrize(
    ("rho", "want"), [(0.0, 2.0), (0.5, 0.828427), (1.0, 0.561553), (2.0, 0.350781)]
)
def test_check_3_through_analyze(preset2010: Scenario, rho: float, want: float) -> None:
    """The 2010 preset (Russia k = 1, tau_0 = 0.5): theta* with both channels and liberal only."""
    c = analyze(preset2010.with_values({"scenario.threat_dilution": rho}))["catch22"]
    assert c["theta_star"] == pytest.approx(want, abs=1e-6)
    assert c["theta_star_liberal_only"] == 2.0  # (K - A0) / a1 = (2 - 1) / 0.5
    # Russia's theta*: the positive root of 0.5 rho t^2 + (0.5 + rho) t - 1 (A0 = 1, a1 = 0.5, K = 2)
    if rho > 0:
        root = (-(0.5 + rho) + math.sqrt((0.5 + rho) ** 2 + 2 * rho)) / rho
        assert c["theta_star"] == pytest.approx(root, rel=1e-12)


@pytest.mark.parametrize(
    ("tau0", "liberal", "realist"),
    [(0.3, 10.0, 3.0), (0.1, 50.0, 16.104686), (0.01, 590.0, 196.010050), (0.0, None, None)],
)
def test_check_4_distrust_through_analyze(preset2010, tau0, liberal, realist) -> None:
    sc = preset2010.with_values(
        {"actors.Russia.initial_trust": tau0, "scenario.threat_dilution": 1.0}
    )
    c = analyze(sc)["catch22"]
    if liberal is None:
        assert c["theta_star_liberal_only"] is None and c["theta_star"] is None  # P > S
        return
    assert c["theta_star_liberal_only"] == pytest.approx(liberal, rel=1e-9)
    assert c["theta_star"] == pytest.approx(realist, abs=1e-6)


@pytest.mark.parametrize(("tau0", "liberal", "realist"), [(0.0, None, 2.0), (0.1, 8.0, 1.058422)])
def test_check_4_s_above_p_through_analyze(preset2010, tau0, liberal, realist) -> None:
    """R, S, T, P = 3, 0.5, 2, 0: a fully distrustful Russia is moved by the realist channel only,
    at (k (T - S) / (S - P) - 1) / rho = (1.5 / 0.5 - 1) / 1 = 2."""
    sc = preset2010.with_values(
        {
            "arrangements.formal.payoffs.R": 3.0,
            "arrangements.formal.payoffs.S": 0.5,
            "arrangements.formal.payoffs.T": 2.0,
            "actors.Russia.initial_trust": tau0,
            "scenario.threat_dilution": 1.0,
        }
    )
    c = analyze(sc)["catch22"]
    if liberal is None:
        assert c["theta_star_liberal_only"] is None
    else:
        assert c["theta_star_liberal_only"] == pytest.approx(liberal, rel=1e-9)
    assert c["theta_star"] == pytest.approx(realist, abs=1e-6)


def test_analysis_uses_the_diluted_kappa(preset2010: Scenario) -> None:
    """tau*, acceptance, classes and k* at the preset's theta = 3 with rho = 1 (kappa / 4)."""
    r = analyze(preset2010.with_values({"scenario.threat_dilution": 1.0}))
    # symmetric tau* = b / (a + b), a = R + theta - T = 7, b = (P - S) + k d (T - S), d = 1/4
    f = r["arrangements"]["formal"]
    assert f["tau_star"]["Russia"] == pytest.approx(3.0 / 10.0)  # b = 2 + 0.25 * 4 = 3
    assert f["tau_star"]["NATO"] == pytest.approx(2.5 / 9.5)  # b = 2 + 0.125 * 4 = 2.5
    # k*: Delta = tau (R' - T) - (1 - tau)(P - S) - k d (1 - tau)(T - S) = 0 at tau_0
    assert r["catch22"]["k_star"]["Russia"] == pytest.approx(
        (0.5 * 7 - 0.5 * 2) / (0.25 * 0.5 * 4)
    )
    assert r["catch22"]["k_star"]["NATO"] == pytest.approx((0.6 * 7 - 0.4 * 2) / (0.25 * 0.4 * 4))


def test_catch22_map_with_the_realist_channel(preset2010: Scenario) -> None:
    sc = preset2010.with_values({"scenario.threat_dilution": 2.0})
    thetas, taus = [0.0, 0.5, 1.5], [0.25, 0.5, 0.75]
    data = catch22_table(
        sc, "scenario.common_threat", thetas, "actors.*.initial_trust", taus
    ).set_index(["scenario.common_threat", "actors.*.initial_trust"])
    F = (6.0, -2.0, 2.0, 0.0)
    for th, t in itertools.product(thetas, taus):
        own = (6.0 + th, -2.0, 2.0, 0.0)
        want = min(
            hand_margin(t, a.relative_gains * (1 - t) / (1 + 2.0 * th), own, own)
            for a in sc.actors
        )
        assert data.loc[(th, t), "formal_margin"] == pytest.approx(want, abs=1e-12)
    assert F == sc.formal.payoffs[0].as_tuple()


# ------------------------------------------------ the engine with rho > 0
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("rho", [0.5, 1.0, 2.0])
def test_engine_binds_in_round_one_iff_theta_reaches_theta_star(
    preset2010: Scenario, rho: float, backend: str
) -> None:
    """Russia's margin m = 0.5 (4 + t) - 0.5 * 2 - 0.5 * 4 / (1 + rho t) = 0 solved by hand."""
    qa, qb, qc = 0.5 * rho, 0.5 + rho, -1.0  # times (1 + rho t): Q = qa t^2 + qb t + qc
    root = (-qb + math.sqrt(qb * qb - 4 * qa * qc)) / (2 * qa)
    base = preset2010.with_values({"scenario.threat_dilution": rho, "scenario.horizon": 1})
    above = simulate(_at(base, root * (1 + 1e-9) + 1e-9), "formal", 64, 3, backend=backend)
    below = simulate(_at(base, root * (1 - 1e-6)), "formal", 64, 3, backend=backend)
    assert above.share_bound == 1.0
    assert below.share_bound == 0.0
    # the liberal channel alone would need theta = 2 > root
    liberal = preset2010.with_values({"scenario.horizon": 1})
    assert simulate(_at(liberal, root * (1 + 1e-9) + 1e-9), "formal", 64, 3).share_bound == 0.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_engine_relative_payments_use_the_diluted_kappa(
    preset2010: Scenario, backend: str
) -> None:
    """theta = 0.3, rho = 1, one round: NATO complies, Russia defects (rejects the treaty).

    NATO's margin 0.6 * 4.3 - 0.4 * 2 - 0.5 * 0.4 * 4 / 1.3 > 0, Russia's
    0.5 * 4.3 - 0.5 * 2 - 0.5 * 4 / 1.3 < 0. NATO is paid S = -2 and Russia
    T = 2; relative: (1 + kappa) pi_i - kappa pi_j with kappa = k (1 - tau_0) / 1.3.
    """
    sc = preset2010.with_values(
        {
            "scenario.threat_dilution": 1.0,
            "scenario.common_threat": 0.3,
            "scenario.horizon": 1,
            "actors.*.incident_rate": 0.0,
        }
    )
    out = simulate(sc, "formal", 32, 5, backend=backend)
    kn, kr = 0.5 * 0.4 / 1.3, 1.0 * 0.5 / 1.3
    assert out.share_bound == 0.0
    assert out.mean_payoff_absolute == pytest.approx([-2.0, 2.0], rel=1e-15)
    assert out.mean_payoff_relative == pytest.approx(
        [(1 + kn) * -2.0 - kn * 2.0, (1 + kr) * 2.0 - kr * -2.0], rel=1e-12
    )


# ------------------------------------------------ section 15.5, check 5
def test_check_5_through_analyze(preset2010: Scenario) -> None:
    """The 2010 treaty with its three partners and no threat (F = 6, -2, 2, 0, Russia k = 1)."""
    r = analyze(preset2010.with_values({"scenario.common_threat": 0.0}))
    n = r["n_actor"]
    assert sorted(n) == [2, 3, 4, 5]
    russia = {N: row["Russia"] for N, row in n.items()}
    for N, want in ((2, 0.6), (3, 0.472475), (5, 0.402130)):
        assert russia[N]["tau_star"] == pytest.approx(want, abs=1e-6)
    for N, want in ((2, 0.5), (3, 4 / 3), (5, 8.0)):
        assert russia[N]["k_star"] == pytest.approx(want, rel=1e-12)
    # Russia accepts F at tau_0 = 0.5 with the partners (N = 5), not alone with NATO
    assert russia[5]["margin_at_start"] == pytest.approx(0.875, rel=1e-12)
    assert russia[5]["accepted_at_start"] is True
    assert russia[2]["accepted_at_start"] is False
    assert russia[2]["margin_at_start"] == pytest.approx(-1.0)
    # at N = 2 the block is section 3's bilateral analysis
    assert russia[2]["tau_star"] == pytest.approx(
        r["arrangements"]["formal"]["tau_star"]["Russia"]
    )
    # further N: tau*_10 = 0.363447; k*_N is none from N = 6 (no k makes Russia reject)
    more = n_actor_analysis(preset2010.with_values({"scenario.common_threat": 0.0}), n_max=10)
    assert more[10]["Russia"]["tau_star"] == pytest.approx(0.363447, abs=1e-6)
    assert all(more[N]["Russia"]["k_star"] is None for N in range(6, 11))
    assert r == analyze(preset2010.with_values({"scenario.common_threat": 0.0}))


def brute_force_margin(tau: float, kap: float, n: int, pay: tuple[float, ...]) -> float:
    """Expected U(C) - U(D) of one actor over all 2^(N-1) profiles of the others' moves."""
    R, S, T, P = pay

    def pi(a: int, b: int) -> float:
        return ((R, S), (T, P))[a][b]

    total = 0.0
    for others in itertools.product((0, 1), repeat=n - 1):
        prob = math.prod(tau if a == 0 else 1 - tau for a in others)
        for own, sign in ((0, 1.0), (1, -1.0)):
            profile = (own, *others)
            pis = [
                sum(pi(profile[i], profile[j]) for j in range(n) if j != i) / (n - 1)
                for i in range(n)
            ]
            total += sign * prob * ((1 + kap) * pis[0] - kap * sum(pis[1:]) / (n - 1))
    return total


@pytest.mark.parametrize(("theta", "rho"), [(0.0, 0.0), (3.0, 0.0), (3.0, 1.0), (1.5, 0.5)])
def test_n_actor_block_with_both_channels(preset2010: Scenario, theta: float, rho: float) -> None:
    """margin_at_start by enumeration with R' = R + theta and kappa = k (1 - tau_0) / (1 + rho theta)."""
    sc = preset2010.with_values({"scenario.common_threat": theta, "scenario.threat_dilution": rho})
    n = analyze(sc)["n_actor"]
    for N in range(2, 6):
        for act in sc.actors:
            t = act.initial_trust
            kap = act.relative_gains * (1 - t) / (1 + rho * theta)
            want = brute_force_margin(t, kap, N, (6.0 + theta, -2.0, 2.0, 0.0))
            got = n[N][act.name]
            assert got["margin_at_start"] == pytest.approx(want, abs=1e-12)
            assert got["accepted_at_start"] is (want >= -TOL)


def test_n_actor_needs_partners_and_symmetric_payoffs() -> None:
    k16 = Scenario.load("krickovic2016")
    assert analyze(k16)["n_actor"] is None
    asym = Scenario.from_dict(
        {
            "actors": {"A": {}, "B": {}},
            "arrangements": {
                "formal": {
                    "payoffs": {
                        "A": {"R": 5.0, "S": -2.0, "T": 2.0},
                        "B": {"R": 6.0, "S": -2.0, "T": 2.0},
                    }
                }
            },
        }
    )
    with pytest.raises(BindingSimError, match="the same for both actors"):
        n_actor_analysis(asym, n_max=3)


def test_analyze_cli_reports_both_channels_and_n_actors(capsys) -> None:
    import json

    assert (
        main(["analyze", "exporting_security2010", "--json", "--set", "scenario.common_threat=0"])
        == 0
    )
    obj = json.loads(capsys.readouterr().out)
    assert obj["catch22"]["theta_star_liberal_only"] == 2.0
    assert sorted(obj["n_actor"]) == ["2", "3", "4", "5"]
    assert obj["n_actor"]["5"]["Russia"]["accepted_at_start"] is True
    assert main(["analyze", "exporting_security2010", "--set", "scenario.threat_dilution=1"]) == 0
    out = capsys.readouterr().out
    assert "theta*, liberal channel only    2.000" in out
    assert "theta* (minimal common threat)  0.562" in out
    assert "Formal treaty among N actors" in out
