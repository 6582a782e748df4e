"""Unilateral arrangements through the wired code: load, analyze and the engine (docs/model.md 15.1, 15.2).

Every expected value is derived here from the closed forms of docs/model.md
sections 15.1 and 15.2 (the mover's quadratic in ``u = 1 - tau``, the
responder's ``kappa_hat = (R_N - T_N) / L``, the positive root of ``Q``) or
by hand from section 4's trust updates; the functions under test compute
them another way (brentq on the compiled margin, the engine's rounds).
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from binding_sim.analysis import analyze, theta_star
from binding_sim.cli import main
from binding_sim.config.cells import CellBuilder
from binding_sim.config.scenario import Scenario
from binding_sim.dynamics import tables as tables_module
from binding_sim.dynamics.engine import simulate, simulate_cells
from binding_sim.dynamics.tables import compile_cells
from binding_sim.errors import ConfigError
from binding_sim.model.beliefs import bayes_update
from binding_sim.model.margins import TOL, margin_value
from tests.strategies_hypothesis import scenario_dicts

PRESET = "exporting_security2010_guarantee"
LAM, MU = 0.1, 0.5  # the preset's trust rates (section 4)


# ----------------------------------------------------------------- builders
def _guarantee(**over: Any) -> Scenario:
    """The 15.5 check-2 game (the preset) at theta = 0, with ``over`` as ``--set`` values."""
    values = {"scenario.common_threat": 0.0, **over}
    return Scenario.load(PRESET).with_values(values)


def _symmetric_unilateral(k_mover: float, k_resp: float, tau_mover: float) -> Scenario:
    """The 2016 treaty F = 6, -2, 2, 0 moved unilaterally by A (docs/model.md 15.5 check 1)."""
    raw = {
        "scenario": {"name": "sym", "horizon": 1, "common_threat": 0.0},
        "trust": {"building_rate": LAM, "erosion_rate": MU},
        "actors": {
            "A": {"relative_gains": k_mover, "initial_trust": tau_mover},
            "B": {"relative_gains": k_resp, "initial_trust": 0.5},
        },
        "arrangements": {
            "formal": {
                "mover": "A",
                "payoffs": {"A": {"R": 6.0, "S": -2.0, "P": 0.0}, "B": {"R": 6.0, "T": 2.0}},
            }
        },
    }
    return Scenario.from_dict(raw)


def _mover_tau_star_closed(R: float, S: float, T: float, P: float, k: float) -> float:
    """docs/model.md 15.1: ``tau*^U = 1 - u``, ``u`` the positive root of ``k (T-S) u^2 + (R-S) u - (R-P)``."""
    if k == 0.0:
        return (P - S) / (R - S)
    a, b, c = k * (T - S), R - S, -(R - P)
    u = (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    return 1.0 - u


def _q_root(A0: float, a1: float, K: float, rho: float) -> float:
    """The positive root of ``Q(theta) = a1 rho theta^2 + (a1 + rho A0) theta + (A0 - K)`` (15.2)."""
    if rho == 0.0:
        return (K - A0) / a1
    roots = np.roots([a1 * rho, a1 + rho * A0, A0 - K])
    return float(max(r.real for r in roots if abs(r.imag) < 1e-12))


# --------------------------------------------------- 15.5 check 1 (analyze, engine)
@pytest.mark.parametrize("k", [1.0, 0.5, 0.0])
def test_check_1_mover_threshold_through_analyze(k: float) -> None:
    want = _mover_tau_star_closed(6.0, -2.0, 2.0, 0.0, k)
    assert round(want, 6) == {1.0: 0.418861, 0.5: 0.354249, 0.0: 0.25}[k]
    a = analyze(_symmetric_unilateral(k, 0.0, 0.5))["arrangements"]["formal"]
    assert a["mover"] == "A"
    assert a["tau_star"]["A"] == pytest.approx(want, abs=1e-8)
    # the bilateral treaty needs (P - S + k (T - S)) / (R - T + P - S + k (T - S)): 0.6 at k = 1
    assert 0.6 == pytest.approx((2 + 4) / (4 + 2 + 4))


@pytest.mark.parametrize("k", [1.0, 0.5, 0.0])
def test_check_1_mover_extends_iff_trust_reaches_its_threshold(k: float) -> None:
    """Engine, beta = inf: a responder with k = 0 reciprocates (R - T = 4 > 0), so the
    treaty binds in round 1 iff the mover extends, iff its trust reaches ``tau*^U``."""
    want = _mover_tau_star_closed(6.0, -2.0, 2.0, 0.0, k)
    for tau, binds in ((want + 1e-6, True), (want - 1e-6, False)):
        out = simulate(_symmetric_unilateral(k, 0.0, tau), "formal", reps=5, seed=1)
        assert out.share_bound == (1.0 if binds else 0.0), (k, tau)
        # withheld: both keep P = 0; extended and reciprocated: R = 6 each
        assert list(out.mean_payoff_absolute) == ([6.0, 6.0] if binds else [0.0, 0.0])


# --------------------------------------------------- 15.5 check 2 (analyze, engine)
def test_check_2_through_analyze() -> None:
    sc = _guarantee()
    a = analyze(sc)["arrangements"]["formal"]
    R_M, S_M, R_N, T_N = 3.0, -2.0, 4.0, 3.0
    # NATO: Delta^U(tau) = tau [(1+kap) R_M - kap R_N] + (1-tau)[(1+kap) S_M - kap T_N], kap = k (1-tau)
    k = 0.5

    def delta_u(tau: float) -> float:
        kap = k * (1 - tau)
        return tau * ((1 + kap) * R_M - kap * R_N) + (1 - tau) * ((1 + kap) * S_M - kap * T_N)

    assert delta_u(0.6) == pytest.approx(0.48, abs=1e-12)
    # tau*^U: expand Delta^U in tau and take the root in [0, 1]
    taus = np.linspace(0.0, 1.0, 5)
    coef = np.polyfit(taus, [delta_u(t) for t in taus], 2)
    root = [r.real for r in np.roots(coef) if abs(r.imag) < 1e-12 and 0 <= r.real <= 1]
    assert round(root[0], 6) == 0.533635
    assert a["tau_star"]["NATO"] == pytest.approx(root[0], abs=1e-8)
    L = (T_N - S_M) - (R_N - R_M)
    assert a["responder_kappa_hat"] == pytest.approx((R_N - T_N) / L) == pytest.approx(0.25)
    kappa = 1.0 * (1 - 0.5)
    assert (R_N - T_N) + kappa * ((R_N - R_M) - (T_N - S_M)) == -1.0  # r_N: Russia hedges
    assert a["responder_reciprocates_at_start"] is False
    assert a["accepted_at_start"] is False
    assert a["class"] == {"NATO": None, "Russia": None}
    assert a["delta_star"] == {"NATO": None, "Russia": None}
    assert a["equilibria"] is None and a["note"] == "sequential move"


def test_check_2_first_round_in_the_engine() -> None:
    """NATO extends at 0.6, Russia hedges at kappa = 0.5: payments (S_M, T_N) = (-2, 3);
    NATO perceives a defection (0.6 -> 0.6 (1 - mu)), Russia a compliance without error
    (0.5 -> 0.5 + lambda (1 - 0.5)); in round 2 NATO (0.3 < tau*^U) withholds, observes
    nothing, and Russia perceives the withholding (0.55 -> 0.55 (1 - mu))."""
    sc = _guarantee(**{"actors.*.incident_rate": 0.0})
    out = simulate(sc, "formal", reps=4, seed=2, horizon=3, record=True)
    assert list(out.mean_payoff_absolute) == [-2.0, 3.0]
    trust = out.trajectories.trust[0]  # (H + 1, 2): column t is the state after round t
    want = [[0.6, 0.5], [0.6 * (1 - MU), 0.5 + LAM * 0.5], [0.6 * (1 - MU), 0.55 * (1 - MU)]]
    np.testing.assert_allclose(trust[:3], want, rtol=0, atol=1e-15)
    assert out.share_bound == 0.0
    assert out.mean_mutual_defection == 0.0  # the forced D after a withholding is no defection
    assert out.mean_exploited_rounds[0] == 1.0 and out.mean_exploited_rounds[1] == 0.0


def test_check_2_reciprocation_binds_in_round_one() -> None:
    # Russia's k = 0.2: kappa = 0.1 <= kappa_hat = 1/4, so it reciprocates; NATO extends
    sc = _guarantee(**{"actors.Russia.relative_gains": 0.2})
    assert analyze(sc)["arrangements"]["formal"]["responder_reciprocates_at_start"] is True
    out = simulate(sc, "formal", reps=20, seed=3)
    assert out.share_bound == 1.0 and out.time_to_bind_median == 1.0
    # the preset itself (theta = 3 > theta* = 1) binds in round 1 in every run
    pre = simulate(Scenario.load(PRESET), "formal", reps=50, seed=4)
    assert pre.share_bound == 1.0 and pre.time_to_bind_median == 1.0


@pytest.mark.parametrize(
    ("tau_n", "rho", "want"),
    [
        (0.5, 0.0, 1.0),
        (0.5, 0.5, 0.561553),
        (0.5, 1.0, 0.414214),
        (0.0, 0.0, 3.0),
        (0.0, 1.0, 1.0),
    ],
)
def test_check_2_responder_theta_star(tau_n: float, rho: float, want: float) -> None:
    """Responder: A0 = R_N - T_N = 1, a1 = s = 1, K = k (1 - tau_N) L = 4 (1 - tau_N)."""
    closed = _q_root(1.0, 1.0, 1.0 * (1 - tau_n) * 4.0, rho)
    assert round(closed, 6) == want
    sc = _guarantee(**{"actors.Russia.initial_trust": tau_n, "scenario.threat_dilution": rho})
    c = analyze(sc)["catch22"]
    assert c["theta_star"] == pytest.approx(closed, rel=1e-12)
    assert c["theta_star_liberal_only"] == pytest.approx(_q_root(1.0, 1.0, 4 * (1 - tau_n), 0))
    # NATO accepts from theta = 0 (Delta^U = 0.48): Russia's constraint binds
    assert theta_star(sc.with_values({"actors.Russia.relative_gains": 0.0})) == 0.0


def test_engine_binds_in_round_one_iff_theta_reaches_theta_star() -> None:
    for rho in (0.0, 1.0):
        t = theta_star(_guarantee(**{"scenario.threat_dilution": rho}))
        assert t is not None
        for theta, binds in ((t * (1 + 1e-7), True), (t * (1 - 1e-7), False)):
            sc = _guarantee(**{"scenario.threat_dilution": rho, "scenario.common_threat": theta})
            out = simulate(sc, "formal", reps=3, seed=5, horizon=1)
            assert out.share_bound == (1.0 if binds else 0.0), (rho, theta)


# ------------------------------------------- theta* on random unilateral scenarios
def _unilateral(raw: dict[str, Any], mover_first: bool, names: list[str]) -> dict[str, Any]:
    """``raw`` with the arrangements ``names`` made unilateral (the mover's T and the
    responder's S dropped) and, if the formal treaty is unilateral, no caps on the ladder."""
    raw = copy.deepcopy(raw)
    actors = list(raw["actors"])
    mover = actors[0] if mover_first else actors[1]
    for name in names:
        body = raw["arrangements"][name]
        pay = body["payoffs"]
        if set(pay) != set(actors):
            pay = {a: dict(pay) for a in actors}
        pay = {
            a: {c: v for c, v in p.items() if c != ("T" if a == mover else "S")}
            for a, p in pay.items()
        }
        body["payoffs"] = pay
        body["mover"] = mover
    if "formal" in names:
        for name, body in raw["arrangements"].items():
            if name != "formal" and "effects" in body:
                body["effects"]["cap_factor"] = 1.0
    return raw


def _engine_margins(sc: Scenario) -> list[float]:
    tab = compile_cells([sc], "formal").arrays
    return [
        float(margin_value(*tab.coef[0, 0, 0, i], sc.actors[i].initial_trust)) for i in range(2)
    ]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    raw=scenario_dicts(max_rungs=0),
    first=st.booleans(),
    rho=st.integers(0, 12).map(lambda n: n / 4),
)
def test_theta_star_is_the_zero_of_the_engine_margin(
    raw: dict[str, Any], first: bool, rho: float
) -> None:
    """At the reported theta* (both channels) the engine's gate margins (Delta^U_M and r_N,
    compiled independently of the analysis) are >= -1e-9, the binding one is 0, and just
    above it is positive; where none is reported, a huge threat still leaves one below."""
    raw = _unilateral(raw, first, ["formal"])
    raw["scenario"]["threat_dilution"] = rho
    sc = Scenario.from_dict(raw)
    got = analyze(sc)["catch22"]["theta_star"]
    pay = [p.as_tuple() for p in sc.formal.payoffs]
    scale = (1 + max(abs(x) for p in pay for x in p)) * (
        1 + max(a.relative_gains for a in sc.actors)
    )
    at_theta = lambda t: sc.with_values({"scenario.common_threat": t})  # noqa: E731
    if got is None:
        assert min(_engine_margins(at_theta(1e4))) < -TOL
        return
    tol = 1e-9 * (scale + got)
    at = _engine_margins(at_theta(got))
    assert min(at) >= -tol
    if got == 0.0:
        return
    assert min(at) == pytest.approx(0.0, abs=tol)
    above = _engine_margins(at_theta(got * (1 + 1e-6) + 1e-9))
    assert above[int(np.argmin(at))] > 0.0
    assert min(above) >= -tol


# ----------------------------------------------------------------- load errors
@pytest.mark.parametrize(
    ("override", "key", "message"),
    [
        (
            "arrangements.formal.payoffs.NATO.T=1",
            "arrangements.formal.payoffs.NATO.T",
            "mover's T does not exist",
        ),
        (
            "arrangements.formal.payoffs.Russia.S=-1",
            "arrangements.formal.payoffs.Russia.S",
            "responder's S does not exist",
        ),
        ("arrangements.formal.mover=Rusia", "arrangements.formal.mover", "did you mean 'Russia'"),
        ("decisions.rule=forward", "arrangements.formal.mover", 'with decisions.rule = "forward"'),
    ],
)
def test_load_errors(override: str, key: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        Scenario.load(PRESET, [override])
    text = str(err.value)
    assert "\n" not in text and key in text and message in text
    assert f"--set {override}" in text  # the one-line message names the override


def test_load_errors_of_shape_caps_and_partners(tmp_path) -> None:
    # shared payoffs cannot be unilateral
    with pytest.raises(ConfigError, match="gives one table per actor"):
        Scenario.load("exporting_security2010", ["arrangements.formal.mover=NATO"])
    # no caps on a ladder under a unilateral treaty
    raw = Scenario.load("krickovic2016").to_dict()
    raw = _unilateral(raw, True, ["formal"])
    raw["arrangements"]["interceptor_caps"]["effects"]["cap_factor"] = 0.5
    with pytest.raises(ConfigError, match="caps cannot apply to a unilateral formal treaty"):
        Scenario.from_dict(raw)
    raw["arrangements"]["interceptor_caps"]["effects"]["cap_factor"] = 1.0
    assert Scenario.from_dict(raw).formal.mover == "NATO"
    # partners need a bilateral treaty
    raw2 = Scenario.load(PRESET).to_dict()
    raw2["partners"] = {"names": ["Japan"]}
    with pytest.raises(ConfigError, match=r"arrangements\.formal\.mover"):
        Scenario.from_dict(raw2)
    # the CLI: one line, exit status 2
    assert main(["analyze", PRESET, "--set", "arrangements.formal.payoffs.NATO.T=1"]) == 2


def test_to_dict_round_trips_and_cells_revalidate() -> None:
    sc = Scenario.load(PRESET)
    d = sc.to_dict()["arrangements"]["formal"]
    assert (
        d["mover"] == "NATO"
        and "T" not in d["payoffs"]["NATO"]
        and "S" not in d["payoffs"]["Russia"]
    )
    assert Scenario.from_dict(sc.to_dict(), source=sc.source) == sc
    builder = CellBuilder(sc)
    # the mover's absent T follows its P (section 15.1): a cell equals the full validation
    point = {"arrangements.formal.payoffs.NATO.P": 0.5, "actors.Russia.initial_trust": 0.2}
    cell = builder.build(point)
    assert cell == sc.with_values(point)
    assert cell.formal.payoffs[0].T == 0.5
    with pytest.raises(ConfigError, match=r"decisions\.rule"):
        builder.build({"decisions.rule": "forward"})
    base = Scenario.load("krickovic2016")
    with pytest.raises(ConfigError, match="gives one table per actor"):
        CellBuilder(base).build({"arrangements.formal.mover": "NATO"})


# ------------------------------------------------------- bit-identity and backends
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=scenario_dicts(max_rungs=2), seed=st.integers(0, 2**32))
def test_bilateral_runs_do_not_see_the_unilateral_steps(raw: dict[str, Any], seed: int) -> None:
    """With no unilateral offer, compiling the sequential-move steps in changes nothing."""
    sc = Scenario.from_dict(raw)
    protocol = "piecemeal" if sc.ladder else "formal"
    plain = simulate(sc, protocol, reps=30, seed=seed, horizon=min(sc.horizon, 40))
    with pytest.MonkeyPatch.context() as m:
        m.setattr(tables_module.CellTables, "unilateral", property(lambda self: True))
        forced = simulate(sc, protocol, reps=30, seed=seed, horizon=min(sc.horizon, 40))
    assert plain == forced


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw=scenario_dicts(max_rungs=2),
    first=st.booleans(),
    which=st.sampled_from(["formal", "rungs", "all"]),
    bayes=st.booleans(),
    p=st.sampled_from([1.0, 0.6]),
    revocable=st.booleans(),
    seed=st.integers(0, 2**32),
)
def test_python_and_numba_agree_on_unilateral_runs(
    raw: dict[str, Any],
    first: bool,
    which: str,
    bayes: bool,
    p: float,
    revocable: bool,
    seed: int,
) -> None:
    rungs = [n for n in raw["arrangements"] if n != "formal"]
    names = {"formal": ["formal"], "rungs": rungs, "all": ["formal", *rungs]}[which]
    raw = _unilateral(raw, first, names)
    raw["trust"]["model"] = "bayesian" if bayes else "linear"
    for a in raw["actors"].values():
        a["trustworthy_prob"] = p
        a["greed"] = 1.5
    if revocable:
        raw["protocols"] = {**raw.get("protocols", {}), "binding": "revocable"}
    sc = Scenario.from_dict(raw)
    protocol = "piecemeal" if sc.ladder else "formal"
    H = min(sc.horizon, 25)
    a, b = (
        simulate_cells([sc], protocol, 20, seed, horizon=H, backend=be, record=True)[0]
        for be in ("python", "numba")
    )
    assert a == b
    np.testing.assert_array_equal(a.trajectories.trust, b.trajectories.trust)


def test_bayesian_responder_reads_the_move_without_error() -> None:
    """Round 1 under Bayesian trust (beta = 2, epsilon = 0.3): the responder's posterior
    after an extension uses q = 0 and the mover's type-specific probabilities of extending
    (section 12.2 with 15.1); the mover, after an extension, reads the reply with
    q = epsilon and the responder's probabilities of reciprocating."""
    sc = _guarantee(
        **{
            "trust.model": "bayesian",
            "actors.*.decision_precision": 2.0,
            "actors.*.incident_rate": 0.3,
            "actors.*.trustworthy_prob": 1.0,
            "actors.*.greed": 1.0,
        }
    )
    out = simulate(sc, "formal", reps=400, seed=7, horizon=1, record=True)
    after = out.trajectories.trust[:, 1, :]  # (reps, 2): each replicate's trust after round 1

    def logit(x: float) -> float:
        return 1.0 / (1.0 + math.exp(-2.0 * x))

    # NATO's margin at 0.6 is 0.48; its greedy type's 0.48 - 0.6 g s = -0.12
    sig_m = (logit(0.48), logit(0.48 - 0.6))
    # Russia's r_N at 0.5 is -1; its greedy type's -1 - g s = -2
    sig_n = (logit(-1.0), logit(-2.0))
    russia = {bayes_update(0.5, *sig_m, 0.0, True), bayes_update(0.5, *sig_m, 0.0, False)}
    nato = {
        bayes_update(0.6, *sig_n, 0.3, True),
        bayes_update(0.6, *sig_n, 0.3, False),
        0.6,  # withheld: NATO observes nothing
    }
    for got in after[:, 1]:
        assert any(abs(got - w) < 1e-14 for w in russia)
    for got in after[:, 0]:
        assert any(abs(got - w) < 1e-14 for w in nato)
    assert len({round(x, 12) for x in after[:, 0]}) == 3  # each case occurs in 400 runs


def test_strategy_games_refuse_a_sequential_move() -> None:
    from binding_sim.errors import BindingSimError
    from binding_sim.games.match import arrangement_game

    with pytest.raises(BindingSimError, match="unilateral"):
        arrangement_game(Scenario.load(PRESET), "formal")
    assert main(["strategies", PRESET, "--arrangement", "formal"]) == 2
