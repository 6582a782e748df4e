"""Engine tests: docs/model.md sections 3 to 6 and 8 against hand algebra, and section 11 determinism.

Every expected value here is derived by hand (closed forms, tiny loops over
the model's formulas) or by a second method, never copied from the engine.
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from engine_builders import FORMAL_PAYOFFS, deterministic_binding_round, make_scenario
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle_numpy import oracle_simulate, oracle_simulate_cells

from binding_sim.config.scenario import Scenario
from binding_sim.dynamics.engine import compile_cells, simulate, simulate_cells
from binding_sim.errors import BindingSimError
from binding_sim.model.margins import k_star
from binding_sim.rng import BLOCK_SIZE, block_generator
from binding_sim.serialize import dumps

BACKENDS = ["numba", "python"]
"""The one kernel compiled by numba, and the same source run as plain Python."""


def same(a, b) -> bool:
    """Bit-identical outcomes (every aggregate, JSON and arrays)."""
    if dumps(a.to_dict()) != dumps(b.to_dict()):
        return False
    for f in (
        "bound_by_round",
        "mean_final_trust",
        "mean_incidents_by_actor",
        "mean_payoff_absolute",
        "mean_payoff_relative",
        "mean_payoff_absolute_discounted",
        "mean_payoff_relative_discounted",
    ):
        if not np.array_equal(getattr(a, f), getattr(b, f)):
            return False
    return a.columns() == b.columns()


# --------------------------------------------------------------------- docs/model.md section 9.3
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("lam", [0.01, 0.03, 0.05, 0.1, 0.2, 0.37])
def test_deterministic_limit_binding_round(lam: float, backend: str) -> None:
    """beta = inf, eps = 0, w = 1: piecemeal binds in the round given by 1 - tau_n = (1 - tau0)(1 - lam)^n."""
    H = 200
    sc = make_scenario(lam=lam, horizon=H, eps=0.0)
    # treaty 6, -2, 2, 0 at k = 1: a = R - T = 4, b = (P - S) + k (T - S) = 6
    expected = deterministic_binding_round(0.5, lam, 4.0, 6.0, H)
    assert expected is not None
    out = simulate(sc, "piecemeal", reps=50, seed=3, backend=backend)
    assert out.share_bound == 1.0
    assert out.time_to_bind_median == expected
    assert out.time_to_bind_q25 == expected and out.time_to_bind_q75 == expected
    assert np.all(out.bound_by_round[: expected - 1] == 0.0)
    assert np.all(out.bound_by_round[expected - 1 :] == 1.0)
    # trust after `expected` perceived compliances (the binding round's update happens)
    tau_final = 1.0 - 0.5 * (1.0 - lam) ** expected
    assert out.mean_final_trust == pytest.approx([tau_final, tau_final], rel=1e-12)
    assert out.mean_rungs == 1.0
    assert out.mean_incidents == 0.0 and out.share_trapped == 0.0
    assert out.mean_idle == 0.0 and out.mean_mutual_defection == 0.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_caps_and_ladder_order_krickovic_deterministic(backend: str) -> None:
    """The 2016 preset without incidents, step by step by hand (docs/model.md sections 5, 6).

    tau: 0.5 -> 0.55 -> 0.595 -> 0.6355. tau*: formal 0.6, md_transparency 3/7,
    interceptor_caps 0.5625, formal with caps c = 0.5 (T = 1, S = -1): 3/8.
    Round 1 implements md_transparency; round 2 maintains it (caps rung
    rejected at 0.55); round 3 implements interceptor_caps (0.595 >= 0.5625);
    round 4 the capped treaty is accepted and binds.
    """
    sc = Scenario.load("krickovic2016", ["actors.*.incident_rate=0.0"])
    out = simulate(sc, "piecemeal", reps=20, seed=0, backend=backend)
    assert out.share_bound == 1.0 and out.time_to_bind_median == 4.0
    assert out.mean_rungs == 2.0
    assert out.mean_final_trust == pytest.approx([0.67195, 0.67195], rel=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_payments_section8_by_hand(backend: str) -> None:
    """Absolute and relative-gains payoffs, undiscounted and discounted, asymmetric rung."""
    H, lam, k, delta = 30, 0.1, 1.0, 0.9
    rung = {"step": {"scope": 0.2, "payoffs": {
        "NATO": {"R": 1.2, "S": -0.2, "T": 0.2, "P": 0.0},
        "Russia": {"R": 1.0, "S": -0.2, "T": 0.2, "P": 0.0},
    }}}  # fmt: skip
    sc = make_scenario(lam=lam, k=k, horizon=H, delta=delta, rungs=rung)
    b = deterministic_binding_round(0.5, lam, 4.0, 6.0, H)
    assert b is not None
    tau = [1.0 - 0.5 * (1.0 - lam) ** n for n in range(H + 1)]  # trust after n compliances
    absA = absB = relA = relB = dA = dB = drA = drB = 0.0
    for t in range(1, H + 1):
        w = delta ** (t - 1)
        if t < b:  # the rung on the table (new in round 1, maintained later)
            pa, pb, kap = 1.2, 1.0, k * (1.0 - tau[t - 1])
        elif t == b:  # the treaty on the table plus R of the implemented rung
            pa, pb, kap = 6.0 + 1.2, 6.0 + 1.0, k * (1.0 - tau[t - 1])
        else:  # bound: R_F, kappa frozen at the trust after the binding round
            pa, pb, kap = 6.0, 6.0, k * (1.0 - tau[b])
        ua, ub = (1 + kap) * pa - kap * pb, (1 + kap) * pb - kap * pa
        absA, absB, relA, relB = absA + pa, absB + pb, relA + ua, relB + ub
        dA, dB, drA, drB = dA + w * pa, dB + w * pb, drA + w * ua, drB + w * ub
    out = simulate(sc, "piecemeal", reps=10, seed=1, backend=backend)
    assert out.time_to_bind_median == b
    assert out.mean_payoff_absolute == pytest.approx([absA, absB], rel=1e-12)
    assert out.mean_payoff_relative == pytest.approx([relA, relB], rel=1e-12)
    assert out.mean_payoff_absolute_discounted == pytest.approx([dA, dB], rel=1e-12)
    assert out.mean_payoff_relative_discounted == pytest.approx([drA, drB], rel=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_common_threat_preset_binds_at_once_and_pays(backend: str) -> None:
    """exporting_security2010: theta = 3 > theta* = 2, so F binds in round 1 and pays R + theta s."""
    sc = Scenario.load("exporting_security2010")
    out = simulate(sc, "formal", reps=300, seed=9, backend=backend)
    H, d, R = sc.horizon, sc.discount_factor, 6.0 + 3.0 * 1.0
    assert out.share_bound == 1.0 and out.time_to_bind_median == 1.0
    assert out.mean_payoff_absolute == pytest.approx([R * H, R * H], rel=1e-12)
    assert out.mean_payoff_relative == pytest.approx([R * H, R * H], rel=1e-12)
    geo = (1 - d**H) / (1 - d)
    assert out.mean_payoff_absolute_discounted == pytest.approx([R * geo, R * geo], rel=1e-12)


# --------------------------------------------------------------------- k*_F (9.2)
@pytest.mark.parametrize("backend", BACKENDS)
def test_formal_k_star(backend: str) -> None:
    """k above k*_F never binds at beta = inf; below binds in round 1.

    Hand: Delta = tau0 (R - T) - (1 - tau0)[(P - S) + k (T - S)] = 0 gives
    k* = [tau0 (R - T) / (1 - tau0) - (P - S)] / (T - S) = (4 - 2) / 4 = 0.5.
    """
    R, S, T, P = (FORMAL_PAYOFFS[x] for x in "RSTP")
    tau0 = 0.5
    ks = (tau0 * (R - T) / (1 - tau0) - (P - S)) / (T - S)
    assert ks == pytest.approx(0.5)
    assert k_star(tau0, [R, S, T, P], [R, S, T, P])[0] == pytest.approx(ks)
    below = make_scenario(k=ks - 0.05, eps=0.05, horizon=100)
    above = make_scenario(k=ks + 0.05, eps=0.05, horizon=100)
    lo, hi = simulate_cells([below, above], "formal", reps=500, seed=5, backend=backend)
    assert lo.share_bound == 1.0 and lo.time_to_bind_median == 1.0
    assert hi.share_bound == 0.0 and hi.time_to_bind_median is None
    assert hi.share_trapped == 1.0 and hi.mean_mutual_defection == 100.0
    assert hi.mean_payoff_absolute == pytest.approx([0.0, 0.0])
    # every rejected offer is a perceived defection: trust halves each round
    assert hi.mean_final_trust == pytest.approx([0.5 * 0.5**100] * 2, rel=1e-9)


# --------------------------------------------------------------------- idle, setback
@pytest.mark.parametrize("backend", BACKENDS)
def test_idle_rounds_pay_P_F(backend: str) -> None:
    """Nothing accepted and nothing implemented: idle every round, payment P_F, trapped."""
    formal = {"R": 6.0, "S": -2.0, "T": 2.0, "P": 0.5}
    sc = make_scenario(k=5.0, horizon=40, formal=formal, phi=0.3)
    out = simulate(sc, "piecemeal", reps=64, seed=2, backend=backend)
    assert out.mean_idle == 40.0 and out.mean_mutual_defection == 0.0
    assert out.share_trapped == 1.0 and out.share_bound == 0.0
    assert out.mean_payoff_absolute == pytest.approx([20.0, 20.0])
    assert out.mean_payoff_relative == pytest.approx([20.0, 20.0])
    # idle rounds: recovery only, and trust starts at tau0 so nothing moves
    assert out.mean_final_trust == pytest.approx([0.5, 0.5])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("setback", [0, 1])
def test_setback_revokes_rung(setback: int, backend: str) -> None:
    """eps = 1 without transparency: every compliance is misread, deterministically.

    Round 1: the rung (tau* = 3/7) is accepted at 0.5, both comply, both
    perceive defection (trust 0.25), the rung is implemented. Round 2: the
    rung is maintained but rejected at 0.25, so both defect: with setback 1
    it is revoked (no rung, then idle rounds); with setback 0 it stays and
    every later round is a maintained rung with mutual defection.
    """
    H = 12
    sc = make_scenario(eps=1.0, mu=0.5, horizon=H, setback=setback)
    out = simulate(sc, "piecemeal", reps=16, seed=4, backend=backend)
    assert out.mean_incidents_by_actor == pytest.approx([1.0, 1.0])
    if setback == 1:
        assert out.mean_rungs == 0.0
        assert out.mean_mutual_defection == 1.0 and out.mean_idle == H - 2
        assert out.mean_final_trust == pytest.approx([0.5**3] * 2)
    else:
        assert out.mean_rungs == 1.0
        assert out.mean_mutual_defection == H - 1 and out.mean_idle == 0.0
        # maintenance rounds pay the rung's P = 0; round 1 paid R = 1 (both complied)
        assert out.mean_payoff_absolute == pytest.approx([1.0, 1.0])
        assert out.mean_final_trust == pytest.approx([0.5 ** (H + 1)] * 2)
    assert out.share_trapped == 1.0


# --------------------------------------------------------------------- stochastic parts
def test_incidents_with_transparency_statistics() -> None:
    """mu = lam = 0: trust stays at 0.5, the rung is implemented in round 1 and maintained.

    Incidents seen by each actor: eps in round 1 (m = 0), eps (1 - g) in each
    of the H - 1 later rounds, so the mean is eps (1 + (H - 1)(1 - g)).
    """
    H, eps, g, n = 20, 0.2, 0.5, 8000
    rung = {"step": {"scope": 0.2, "payoffs": {"R": 1.0, "S": -0.2, "T": 0.2, "P": 0.0},
                     "effects": {"transparency_gain": g}}}  # fmt: skip
    sc = make_scenario(eps=eps, lam=0.0, mu=0.0, horizon=H, rungs=rung)
    out = simulate(sc, "piecemeal", reps=n, seed=11)
    mean = eps * (1 + (H - 1) * (1 - g))
    var = eps * (1 - eps) + (H - 1) * eps * (1 - g) * (1 - eps * (1 - g))
    se = math.sqrt(var / n)
    assert out.mean_incidents_by_actor == pytest.approx([mean, mean], abs=4 * se)
    assert out.mean_incidents == pytest.approx(2 * mean, abs=6 * se)
    assert out.mean_rungs == 1.0


def test_logit_decisions_statistics() -> None:
    """Finite precision: P(comply) = 1 / (1 + exp(-beta Delta)) with Delta at initial trust.

    Formal treaty at k = 1, tau0 = 0.5: Delta = 0.5 * 4 - 0.5 * 6 = -1. One
    round: share bound = pA pB and mutual defection = (1 - pA)(1 - pB).
    """
    n = 40000
    betas = (2.0, 0.5)
    sc = make_scenario(beta=betas, horizon=1)
    out = simulate(sc, "formal", reps=n, seed=21)
    pA, pB = (1 / (1 + math.exp(b)) for b in betas)
    for got, p in ((out.share_bound, pA * pB), (out.mean_mutual_defection, (1 - pA) * (1 - pB))):
        assert got == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / n))
    lo, hi = out.share_bound_ci
    assert lo <= pA * pB <= hi


# --------------------------------------------------------------------- docs/model.md section 11
def _cells() -> list[Scenario]:
    base = Scenario.load(
        "krickovic2016", ["actors.*.decision_precision=5.0", "scenario.horizon=60"]
    )
    return [
        base,
        base.with_values({"trust.building_rate": 0.2}),
        base.with_values({"protocols.piecemeal.ladder": ["interceptor_caps", "md_transparency"]}),
        base.with_values({"actors.Russia.relative_gains": 1.4, "actors.NATO.incident_rate": 0.1}),
        base.with_values({"scenario.horizon": 35, "protocols.piecemeal.setback": 2}),
    ]


def test_bit_identical_across_groupings_orders_and_workers() -> None:
    cells = _cells()
    reps = BLOCK_SIZE + 100  # two blocks
    together = simulate_cells(cells, "piecemeal", reps, seed=77, workers=2)
    for c, sc in enumerate(cells):
        alone = simulate(sc, "piecemeal", reps, seed=77, workers=1)
        assert same(alone, together[c])
    reversed_ = simulate_cells(cells[::-1], "piecemeal", reps, seed=77, workers=1)
    for a, b in zip(together, reversed_[::-1], strict=True):
        assert same(a, b)
    pair = simulate_cells([cells[3], cells[1]], "piecemeal", reps, seed=77)
    assert same(pair[0], together[3]) and same(pair[1], together[1])
    # a different seed gives a different result
    other = simulate(cells[0], "piecemeal", reps, seed=78)
    assert not same(other, together[0])


def test_kernel_and_numpy_oracle_agree() -> None:
    """The one kernel (compiled and as plain Python) against the vectorised numpy oracle."""
    cells = _cells()
    for protocol in ("formal", "piecemeal"):
        a = simulate_cells(cells, protocol, 700, seed=5, backend="numba")
        b = oracle_simulate_cells(cells, protocol, 700, seed=5)
        for x, y in zip(a, b, strict=True):
            assert same(x, y)
    c = simulate_cells(cells[:2], "piecemeal", 300, seed=5, backend="python")
    for x, y in zip(simulate_cells(cells[:2], "piecemeal", 300, seed=5), c, strict=True):
        assert same(x, y)


def test_chunked_draws_equal_per_round_draws() -> None:
    """Drawing L rounds at once is the same stream as L per-round draws of shape (4, n)."""
    g1, g2 = block_generator(123, 4), block_generator(123, 4)
    chunk = np.empty((7, 4, 50))
    g1.random(out=chunk[:3])
    g1.random(out=chunk[3:7])
    per_round = np.stack([g2.random((4, 50)) for _ in range(7)])
    assert np.array_equal(chunk, per_round)


@pytest.mark.parametrize("protocol", ["formal", "piecemeal"])
def test_trajectories_consistent_and_identical_across_backends(protocol: str) -> None:
    sc = Scenario.load("krickovic2016", ["actors.*.decision_precision=3.0", "scenario.horizon=40"])
    a = simulate(sc, protocol, 500, seed=8, record=True, backend="numba")
    b = oracle_simulate(sc, protocol, 500, seed=8, record=True)
    c = simulate(sc, protocol, 500, seed=8, record=True, backend="python")
    plain = simulate(sc, protocol, 500, seed=8)
    assert same(a, plain) and same(a, b) and same(a, c)
    assert c.trajectories is not None and a.trajectories is not None
    for f in ("trust", "rung", "bound"):
        assert np.array_equal(getattr(a.trajectories, f), getattr(c.trajectories, f))
    for tr in (a.trajectories, b.trajectories):
        assert tr is not None
        assert tr.trust.shape == (500, 41, 2) and tr.rung.shape == (500, 41)
        assert tr.bound.shape == (500, 41) and tr.bound.dtype == bool
        assert np.all(tr.trust[:, 0, :] == 0.5) and np.all(tr.rung[:, 0] == 0)
        assert np.array_equal(tr.bound[:, 1:].mean(axis=0), a.bound_by_round)
        assert tr.trust[:, -1, :].mean(axis=0) == pytest.approx(a.mean_final_trust, rel=1e-12)
        assert tr.rung[:, -1].mean() == pytest.approx(a.mean_rungs)
        # trust is frozen once bound
        once = tr.bound[:, :-1]
        assert np.all(tr.trust[:, 1:][once] == tr.trust[:, :-1][once])
    assert a.trajectories is not None and b.trajectories is not None
    assert np.array_equal(a.trajectories.trust, b.trajectories.trust)
    assert np.array_equal(a.trajectories.rung, b.trajectories.rung)
    assert np.array_equal(a.trajectories.bound, b.trajectories.bound)


def test_outcome_pickles() -> None:
    out = simulate(Scenario.load("krickovic2016"), "piecemeal", 200, seed=1, record=True)
    back = pickle.loads(pickle.dumps(out))
    assert same(out, back)


# --------------------------------------------------------------------- symmetry property
@settings(max_examples=25, deadline=None)
@given(
    k=st.tuples(st.floats(0, 2), st.floats(0, 2)),
    tau0=st.tuples(st.floats(0.05, 0.95), st.floats(0.05, 0.95)),
    lam=st.floats(0.01, 0.5),
    mu=st.floats(0, 0.9),
    phi=st.floats(0, 0.5),
    theta=st.floats(0, 3),
)
def test_swapping_actors_swaps_results(k, tau0, lam, mu, phi, theta) -> None:
    """Deterministic runs (beta = inf, eps = 0): relabelling the actors swaps every per-actor value."""
    kw = {"lam": lam, "mu": mu, "phi": phi, "theta": theta, "horizon": 30}
    ab = make_scenario(k=k, tau0=tau0, **kw)
    ba = make_scenario(k=k[::-1], tau0=tau0[::-1], names=("Russia", "NATO"), **kw)
    for protocol in ("formal", "piecemeal"):
        x = simulate(ab, protocol, 4, seed=0, workers=1)
        y = simulate(ba, protocol, 4, seed=0, workers=1)
        assert x.share_bound == y.share_bound and x.mean_rungs == y.mean_rungs
        for f in ("mean_final_trust", "mean_payoff_absolute", "mean_payoff_relative_discounted"):
            assert np.array_equal(getattr(x, f), getattr(y, f)[::-1])
        assert 0.0 <= x.mean_final_trust.min() and x.mean_final_trust.max() <= 1.0


# --------------------------------------------------------------------- errors
def test_piecemeal_without_ladder_names_scenario() -> None:
    sc = Scenario.load("exporting_security2010")
    with pytest.raises(BindingSimError, match="exporting_security2010"):
        simulate(sc, "piecemeal", 10, seed=1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"protocol": "grand"}, "protocol"),
        ({"reps": 0}, "reps"),
        ({"seed": -1}, "seed"),
        ({"horizon": 0}, "horizon"),
        ({"backend": "gpu"}, "backend"),
    ],
)
def test_bad_arguments(kwargs, match) -> None:
    args = {"protocol": "formal", "reps": 10, "seed": 1} | kwargs
    with pytest.raises(BindingSimError, match=match):
        simulate(Scenario.load("krickovic2016"), **args)


def test_compile_cells_pads_ladders() -> None:
    cells = _cells()
    tab = compile_cells(cells, "piecemeal")
    # piecemeal states are r = 0..L rungs implemented: L + 1 states, padded to the longest ladder
    K = tab.arrays.transparency.shape[1] - 1
    nr = [len(p.states) - 1 for p in tab.programs]
    assert K == 3 and nr == [3, 3, 2, 3, 3]
    assert tab.Hmax == 60 and list(tab.arrays.horizon) == [60, 60, 60, 60, 35]
    # transparency: md_transparency (gain 0.5) first on the default ladder, second on cell 2
    assert list(tab.arrays.transparency[0]) == [0.0, 0.5, 0.5, 0.5]
    assert list(tab.arrays.transparency[2][:3]) == [0.0, 0.0, 0.5]
    assert list(tab.arrays.rungs[0]) == [0, 1, 2, 3]


def test_outcome_equality_is_bitwise() -> None:
    sc = Scenario.load("krickovic2016", ["scenario.horizon=30"])
    a = simulate(sc, "piecemeal", 300, seed=2)
    b = simulate(sc, "piecemeal", 300, seed=2, record=True)
    c = simulate(sc, "piecemeal", 300, seed=3)
    assert a == b and a != c and a != "not an outcome"


_pay = st.fixed_dictionaries(
    {
        "R": st.floats(0.5, 8),
        "S": st.floats(-3, 0),
        "T": st.floats(0, 4),
        "P": st.floats(-0.5, 0.5),
    }
)


@st.composite
def random_scenarios(draw) -> Scenario:
    """Valid scenarios with asymmetric actors and payoffs, effects, setback and finite precision."""
    names = ("NATO", "Russia")
    n_rungs = draw(st.integers(1, 3))
    rungs = {}
    for i in range(n_rungs):
        per_actor = draw(st.booleans())
        pay = {n: draw(_pay) for n in names} if per_actor else draw(_pay)
        rungs[f"r{i}"] = {
            "scope": draw(st.floats(0.05, 0.5)),
            "trust_weight": draw(st.floats(0.2, 1.0)),
            "payoffs": pay,
            "effects": {
                "transparency_gain": draw(st.floats(0, 0.8)),
                "cap_factor": draw(st.floats(0.3, 1.0)),
            },
        }
    beta = st.sampled_from([float("inf"), 0.5, 3.0, 20.0])
    return make_scenario(
        k=(draw(st.floats(0, 2)), draw(st.floats(0, 2))),
        tau0=(draw(st.floats(0.1, 0.9)), draw(st.floats(0.1, 0.9))),
        eps=(draw(st.floats(0, 0.3)), draw(st.floats(0, 0.3))),
        beta=(draw(beta), draw(beta)),
        lam=draw(st.floats(0.01, 0.6)),
        mu=draw(st.floats(0, 0.9)),
        phi=draw(st.floats(0, 0.3)),
        theta=draw(st.floats(0, 2)),
        horizon=draw(st.integers(1, 40)),
        formal={n: draw(_pay) for n in names},
        rungs=rungs,
        setback=draw(st.integers(0, 2)),
    )


@settings(max_examples=20, deadline=None)
@given(sc=random_scenarios(), seed=st.integers(0, 2**32))
def test_backends_agree_on_random_scenarios(sc: Scenario, seed: int) -> None:
    """The compiled kernel, the plain-Python kernel and the numpy oracle agree for any valid scenario."""
    for protocol in ("formal", "piecemeal"):
        a = simulate(sc, protocol, 97, seed=seed, backend="numba", record=True)
        b = oracle_simulate(sc, protocol, 97, seed=seed, record=True)
        c = simulate(sc, protocol, 97, seed=seed, backend="python", record=True)
        assert a == b and a == c
        assert c.trajectories is not None and np.array_equal(
            a.trajectories.trust, c.trajectories.trust
        )
        assert a.trajectories is not None and b.trajectories is not None
        assert np.array_equal(a.trajectories.trust, b.trajectories.trust)
        assert np.array_equal(a.trajectories.rung, b.trajectories.rung)
        assert 0.0 <= a.share_trapped <= 1.0 - a.share_bound + 1e-12
        assert np.all((a.trajectories.trust >= 0.0) & (a.trajectories.trust <= 1.0))


@pytest.mark.parametrize("backend", BACKENDS)
def test_asymmetric_actors_formal_by_hand(backend: str) -> None:
    """Different k and initial trust: a tiny independent loop over docs/model.md sections 3-5 and 8.

    Symmetric treaty 6, -2, 2, 0 (a = R - T = 4), so Delta_i(tau) = 4 tau - (1 - tau)(2 + 4 k_i);
    beta = inf and eps = 0 make every round deterministic.
    """
    H, lam, mu = 12, 0.15, 0.3
    ks, taus = [0.3, 0.8], [0.5, 0.45]
    sc = make_scenario(k=tuple(ks), tau0=tuple(taus), lam=lam, mu=mu, horizon=H)
    pay = {(True, True): 6.0, (True, False): -2.0, (False, True): 2.0, (False, False): 0.0}
    tau, total, mutual, bound_at = list(taus), [0.0, 0.0], 0, None
    for t in range(1, H + 1):
        c = [tau[i] * 4 - (1 - tau[i]) * (2 + 4 * ks[i]) >= -1e-9 for i in range(2)]
        for i in range(2):
            total[i] += pay[(c[i], c[1 - i])]
            tau[i] = tau[i] + lam * (1 - tau[i]) if c[1 - i] else tau[i] * (1 - mu)
        mutual += not (c[0] or c[1])
        if c[0] and c[1]:
            bound_at = t
            total = [x + 6.0 * (H - t) for x in total]
            break
    out = simulate(sc, "formal", reps=8, seed=0, backend=backend)
    assert out.share_bound == (0.0 if bound_at is None else 1.0)
    assert out.time_to_bind_median == bound_at
    assert out.mean_payoff_absolute == pytest.approx(total, rel=1e-12)
    assert out.mean_final_trust == pytest.approx(tau, rel=1e-12)
    assert out.mean_mutual_defection == mutual


def test_trajectories_of_cells_with_different_horizons_and_ladders() -> None:
    """Recorded paths of a cell do not depend on the other cells of the call (or the back end)."""
    base = Scenario.load("krickovic2016", ["actors.*.decision_precision=3", "scenario.horizon=50"])
    cells = [
        base,
        base.with_values({"scenario.horizon": 20}),
        base.with_values({"scenario.horizon": 7, "protocols.piecemeal.ladder": ["buffer_zone"]}),
    ]
    for backend in BACKENDS:
        together = simulate_cells(cells, "piecemeal", 300, 3, record=True, backend=backend)
        for sc, out in zip(cells, together, strict=True):
            alone = simulate(sc, "piecemeal", 300, 3, record=True, backend="numba")
            assert out == alone and out.horizon == sc.horizon
            assert out.trajectories is not None and alone.trajectories is not None
            assert out.trajectories.trust.shape == (300, sc.horizon + 1, 2)
            for f in ("trust", "rung", "bound"):
                assert np.array_equal(getattr(out.trajectories, f), getattr(alone.trajectories, f))


def test_backends_are_one_kernel() -> None:
    """``BACKENDS`` names the compiled and the plain-Python runs of the one kernel source."""
    from binding_sim.dynamics.engine import BACKENDS as names

    assert names == ("auto", "numba", "python")
    sc = Scenario.load("krickovic2016", ["actors.*.decision_precision=2", "scenario.horizon=20"])
    plain = simulate(sc, "piecemeal", 64, seed=9, backend="python")
    assert same(plain, simulate(sc, "piecemeal", 64, seed=9, backend="numba"))
    assert same(plain, simulate(sc, "piecemeal", 64, seed=9, backend="auto"))
    with pytest.raises(BindingSimError, match="numpy"):
        simulate(sc, "piecemeal", 64, seed=9, backend="numpy")
