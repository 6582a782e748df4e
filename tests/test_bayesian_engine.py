"""Actor types and Bayesian trust in the engine (docs/model.md section 12), against hand algebra.

The checks of docs/model.md section 12.5 that need the engine (2 to 5), the
random-stream scheme of section 12.1 (types from ``SeedSequence(seed,
spawn_key=(b, 1))``), hand-computed runs with types under both trust models,
the compiled kernel against the same source as plain Python with types on,
and the section 12.4 outcomes in JSON and sweep tables.

Expected values are derived here: closed forms, per-replicate hand
computations from the raw random streams (numpy, written out again, not the
engine's functions), and binomial sampling bounds. The numpy oracle of
``tests/oracle_numpy.py`` has no types (it accepts only scenarios with every
actor trustworthy), so types are checked by these tests instead.

Sampling tolerances: a share estimated from ``n`` replicates is compared with
its exact value within 4 standard errors, ``4 sqrt(p (1 - p) / n)``
(probability of a false failure below 1e-4 per comparison).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies_hypothesis import scenario_dicts

from binding_sim.config.scenario import Scenario, preset_path
from binding_sim.dynamics.engine import simulate, simulate_cells
from binding_sim.errors import ConfigError
from binding_sim.rng import BLOCK_SIZE, block_generator, type_generator
from binding_sim.sweep import read_results, run_sweep

FORMAL = {"R": 6.0, "S": -2.0, "T": 2.0, "P": 0.0}


def formal_only(
    *,
    model: str = "bayesian",
    k: float = 1.0,
    tau0: tuple[float, float] = (0.5, 0.5),
    eps: tuple[float, float] = (0.0, 0.0),
    beta: tuple[float, float] = (math.inf, math.inf),
    p: tuple[float, float] = (1.0, 1.0),
    greed: tuple[float, float] = (0.0, 0.0),
    empathy: tuple[float, float] = (1.0, 1.0),
    phi: float = 0.0,
    horizon: int = 10,
    offer: str = "every_round",
) -> Scenario:
    """The 2016 treaty alone (``a = R - T = 4``, ``b = (P - S) + k (T - S) = 2 + 4 k``)."""
    raw: dict[str, Any] = {
        "scenario": {"name": "types", "horizon": horizon},
        "trust": {"model": model, "recovery_rate": phi},
        "actors": {
            name: {
                "relative_gains": k,
                "initial_trust": tau0[i],
                "incident_rate": eps[i],
                "decision_precision": beta[i],
                "trustworthy_prob": p[i],
                "greed": greed[i],
                "empathy": empathy[i],
            }
            for i, name in enumerate(("NATO", "Russia"))
        },
        "arrangements": {"formal": {"payoffs": dict(FORMAL)}},
        "protocols": {"formal": {"offer": offer}},
    }
    return Scenario.from_dict(raw, source="<test>")


def screening(**extra: Any) -> Scenario:
    """docs/model.md section 12.5, check 4: krickovic2016, bayesian, greed 5, eps 0, beta inf, p 0.7."""
    values = {
        "trust.model": "bayesian",
        "actors.*.greed": 5.0,
        "actors.*.incident_rate": 0.0,
        "actors.*.decision_precision": math.inf,
        "actors.*.trustworthy_prob": 0.7,
    }
    values.update(extra)
    return Scenario.load("krickovic2016").with_values(values)


def within(estimate: float, exact: float, n: int, sds: float = 4.0) -> bool:
    """``estimate`` is within ``sds`` binomial standard errors of the share ``exact``."""
    return abs(estimate - exact) <= sds * math.sqrt(exact * (1.0 - exact) / n)


def hand_types(seed: int, n: int, p: tuple[float, float]) -> np.ndarray:
    """Initial types of the first ``n <= 8192`` replicates, from the block-0 type stream by hand."""
    draws = np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(0, 1)))
    ).random((2, n))
    return draws < np.array(p)[:, None]


# ------------------------------------------------------------------ docs/model.md 12.1: the stream
def test_type_stream_is_the_second_block_stream() -> None:
    for seed, b in ((0, 0), (42, 3), (2**40, 17)):
        a = type_generator(seed, b).random(5)
        want = np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(b, 1)))
        ).random(5)
        assert np.array_equal(a, want)
        assert not np.array_equal(a, block_generator(seed, b).random(5))


# ------------------------------------------------------------------ check 2: pooling
@pytest.mark.parametrize("protocol", ["formal", "piecemeal"])
def test_check_2_without_greed_beliefs_never_move(protocol: str) -> None:
    """greed = 0: both types decide alike, ``L_S = L_G``, so no belief ever moves (any noise)."""
    sc = Scenario.load("krickovic2016").with_values(
        {
            "trust.model": "bayesian",
            "actors.*.greed": 0.0,
            "actors.*.trustworthy_prob": 0.4,
            "actors.*.decision_precision": 2.0,
            "actors.*.incident_rate": 0.2,
            "actors.NATO.empathy": 0.3,
            "actors.NATO.initial_trust": 0.65,
            "scenario.horizon": 40,
        }
    )
    out = simulate(sc, protocol, 600, seed=11, record=True)
    assert out.trajectories is not None
    trust = out.trajectories.trust
    assert np.all(trust[:, :, 0] == 0.65) and np.all(trust[:, :, 1] == 0.5)
    # the run was not idle: moves were made and misread, yet nothing was learned
    assert out.mean_incidents > 0 and out.mean_idle < 40


def test_check_2_a_treaty_both_types_refuse_teaches_nothing() -> None:
    """beta = inf, tau_0 = 0.3 < tau*_F = 0.6 and greed 5 > g* = 4: both types refuse F.

    Under the bayesian model no belief moves; under the linear model each
    refusal is a perceived defection and trust erodes by (1 - mu) a round.
    """
    kw: dict[str, Any] = {"tau0": (0.3, 0.3), "p": (0.5, 0.5), "greed": (5.0, 5.0)}
    bayes = simulate(formal_only(**kw), "formal", 500, seed=2, record=True)
    assert bayes.trajectories is not None
    assert np.all(bayes.trajectories.trust == 0.3)
    assert bayes.share_bound == 0.0 and bayes.mean_mutual_defection == 10.0
    linear = simulate(formal_only(model="linear", **kw), "formal", 500, seed=2)
    assert linear.mean_final_trust.tolist() == pytest.approx([0.3 * 0.5**10] * 2, rel=1e-12)


# ------------------------------------------------------------------ check 3: martingale
def test_check_3_belief_is_a_martingale() -> None:
    """Calibrated priors (tau_0i = p_j), empathy 1, no turnover, finite precision, incidents.

    After round 1 the mean belief equals tau_0i within 4 standard errors of
    the sample mean over 10^6 replicates (the standard error from the
    replicates' own spread).
    """
    p = (0.7, 0.4)
    sc = formal_only(
        tau0=(p[1], p[0]),
        p=p,
        eps=(0.1, 0.25),
        beta=(2.0, 4.0),
        greed=(1.5, 3.0),
        k=0.5,
        horizon=1,
    )
    n = 10**6
    out = simulate(sc, "formal", n, seed=12, record=True)
    assert out.trajectories is not None
    after = out.trajectories.trust[:, 1, :]
    for i, prior in enumerate((p[1], p[0])):
        sd = float(after[:, i].std(ddof=1))
        assert sd > 0.01  # beliefs did move
        se = sd / math.sqrt(n)
        assert abs(float(after[:, i].mean()) - prior) <= 4 * se
        assert out.mean_final_trust[i] == pytest.approx(float(after[:, i].mean()), rel=1e-12)


# ------------------------------------------------------------------ check 4: screening
def test_check_4_deterministic_screening() -> None:
    """A trustworthy pair complies on md_transparency, beliefs become 1, F binds in round 2.

    A pair with a greedy actor (g = 5 above every g*) never binds: share bound
    = P(both trustworthy) = 0.7^2 = 0.49. Beliefs end exactly right (error 0);
    a trustworthy actor facing a greedy one is exploited once (round 1):
    0.7 x 0.3 = 0.21 rounds on average.
    """
    n = 40_000
    out = simulate(screening(), "piecemeal", n, seed=4)
    assert within(out.share_bound, 0.49, n)
    assert out.share_bound == out.share_both_trustworthy
    assert out.share_bound_trustworthy_pair == 1.0
    assert out.share_bound_with_greedy == 0.0
    assert out.share_spiral == 0.0
    assert (out.time_to_bind_q25, out.time_to_bind_median, out.time_to_bind_q75) == (2, 2, 2)
    assert out.bound_by_round[0] == 0.0 and out.bound_by_round[1] == out.share_bound
    assert out.mean_belief_error.tolist() == [0.0, 0.0]
    for i in range(2):
        assert within(out.mean_exploited_rounds[i], 0.21, n)


def test_check_4_by_hand_replicate_by_replicate() -> None:
    """Each replicate's path from its types, drawn by hand from the type stream.

    Trustworthy pair: beliefs 0.5 -> 1, the first rung implemented, bound in
    round 2. Trustworthy A, greedy B: A complies, B defects; A's belief -> 0,
    B's -> 1; nothing is ever tabled again (A rejects every offer at belief
    0). Both greedy: both defect, both beliefs -> 0, idle from round 2.
    """
    n, seed, H = 3000, 9, 6
    out = simulate(screening(**{"scenario.horizon": H}), "piecemeal", n, seed, record=True)
    tr = out.trajectories
    assert tr is not None
    typ = hand_types(seed, n, (0.7, 0.7))
    for j in range(n):
        a, b = typ[:, j]
        path = tr.trust[j]
        assert path[0].tolist() == [0.5, 0.5]
        if a and b:
            assert path[1:].tolist() == [[1.0, 1.0]] * H
            assert tr.rung[j].tolist() == [0] + [1] * H
            assert tr.bound[j].tolist() == [False, False] + [True] * (H - 1)
        else:
            # each believes what the other showed: a complier is trustworthy, a defector greedy
            assert path[1:].tolist() == [[float(b), float(a)]] * H
            assert tr.rung[j].tolist() == [0] * (H + 1)
            assert not tr.bound[j].any()
    both = typ[0] & typ[1]
    assert out.share_both_trustworthy == both.mean()
    assert out.mean_idle == pytest.approx((~both).mean() * (H - 1), rel=1e-12)
    assert out.mean_exploited_rounds.tolist() == pytest.approx(
        [(typ[0] & ~typ[1]).mean(), (typ[1] & ~typ[0]).mean()], rel=1e-12
    )


# ------------------------------------------------------------------ check 5: incidents
def test_check_5_share_bound_in_round_2_with_incidents() -> None:
    """p = 1, eps = 0.05, tau_0 = 0.5: both must perceive the round-1 compliance: 0.95^2 = 0.9025.

    A perceived compliance gives belief 1 (greedy types never comply); an
    incident gives 0.5 x 0.05 / (0.5 x 0.05 + 0.5) = 1/21 < tau*_F, and the
    treaty is not tabled in round 2.
    """
    n = 40_000
    sc = screening(
        **{
            "actors.*.trustworthy_prob": 1.0,
            "actors.*.incident_rate": 0.05,
            "actors.*.initial_trust": 0.5,
            "scenario.horizon": 3,
        }
    )
    out = simulate(sc, "piecemeal", n, seed=5)
    assert out.bound_by_round[0] == 0.0
    assert within(out.bound_by_round[1], 0.95**2, n)
    assert out.share_both_trustworthy == 1.0 and out.share_bound_with_greedy is None


# ------------------------------------------------------------------ hand-computed runs
def _sigma(beta: float, margin: np.ndarray | float) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-beta * np.asarray(margin))))


def test_round_one_by_hand_with_types_precision_incidents_and_empathy() -> None:
    """Every replicate's round-1 belief from the raw streams, computed by hand.

    Formal treaty on the table (every_round), symmetric payoffs 6, -2, 2, 0 at
    k = 1: ``Delta(tau) = 4 tau - 6 (1 - tau)``; the greedy type's margin is
    ``Delta(tau) - tau g`` (scope 1). Actor i of type x complies iff
    ``u_i < 1 / (1 + exp(-beta_i Delta_x(tau_0i)))``; i misreads a compliance
    iff ``u_{2+i} < epsilon_i``. i models the other's probabilities as
    ``e_i sigma(tau_0j) + (1 - e_i) sigma(1)`` and applies Bayes' rule.
    """
    n, seed = 4000, 21
    tau0, eps, beta = (0.6, 0.55), (0.1, 0.2), (5.0, 3.0)
    greed, p, emp = (2.0, 3.0), (0.6, 0.7), (0.5, 1.0)
    sc = formal_only(tau0=tau0, eps=eps, beta=beta, greed=greed, p=p, empathy=emp, horizon=1)
    out = simulate(sc, "formal", n, seed, record=True)
    assert out.trajectories is not None
    typ = hand_types(seed, n, p)
    u = block_generator(seed, 0).random((4, n))

    def delta(tau: float) -> float:
        return 4.0 * tau - 6.0 * (1.0 - tau)

    def probs(i: int, tau: float) -> tuple[float, float]:
        return float(_sigma(beta[i], delta(tau))), float(
            _sigma(beta[i], delta(tau) - tau * greed[i])
        )

    comply = []
    for i in range(2):
        ps, pg = probs(i, tau0[i])
        comply.append(u[i] < np.where(typ[i], ps, pg))
    for i in range(2):
        o = 1 - i
        incident = comply[o] & (u[2 + i] < eps[i])
        perceived = comply[o] & ~incident
        at_s, at_g = probs(o, tau0[o])
        full_s, full_g = probs(o, 1.0)
        ss = emp[i] * at_s + (1 - emp[i]) * full_s
        sg = emp[i] * at_g + (1 - emp[i]) * full_g
        ls = np.where(perceived, ss * (1 - eps[i]), ss * eps[i] + 1 - ss)
        lg = np.where(perceived, sg * (1 - eps[i]), sg * eps[i] + 1 - sg)
        want = tau0[i] * ls / (tau0[i] * ls + (1 - tau0[i]) * lg)
        got = out.trajectories.trust[:, 1, i]
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
        exploited = comply[i] & ~comply[o]
        assert out.mean_exploited_rounds[i] == exploited.mean()
    # each belief took both values (after a perceived compliance and after a defection)
    for i in range(2):
        assert len(np.unique(out.trajectories.trust[:, 1, i])) == 2


def test_greed_under_the_linear_model() -> None:
    """Types exist for any trust model (docs/model.md section 12.1): linear trust, beta = inf.

    At tau_0 = 0.7 the trustworthy type accepts F (Delta = 1); the greedy type's
    margin is 1 - 0.7 g: g = 5 (above g* = 4) refuses, so only trustworthy
    pairs bind, in round 1; g = 1 (below g*) accepts, so every pair binds.
    """
    n = 20_000
    kw: dict[str, Any] = {"model": "linear", "tau0": (0.7, 0.7), "p": (0.8, 0.6)}
    high = simulate(formal_only(greed=(5.0, 5.0), **kw), "formal", n, seed=3)
    assert high.share_bound == high.share_both_trustworthy
    assert within(high.share_both_trustworthy, 0.8 * 0.6, n)
    assert high.share_bound_trustworthy_pair == 1.0 and high.share_bound_with_greedy == 0.0
    assert high.time_to_bind_q75 == 1.0
    low = simulate(formal_only(greed=(1.0, 1.0), **kw), "formal", n, seed=3)
    assert low.share_bound == 1.0 and low.share_bound_with_greedy == 1.0
    assert low.share_both_trustworthy == high.share_both_trustworthy  # the same type draws


# ------------------------------------------------------------------ turnover (docs/model.md 12.3)
def _replay_types(
    seed: int, n: int, p: tuple[float, float], phi: float, rounds: np.ndarray
) -> np.ndarray:
    """Types after ``rounds[j]`` rounds of turnover, replayed by hand from the type stream.

    Initial ``random((2, n))``, then per round ``random((2, 2, n))``: actor i
    redrawn iff ``u1 < phi``, trustworthy iff ``u2 < p_i``.
    """
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(0, 1))))
    typ = rng.random((2, n)) < np.array(p)[:, None]
    for t in range(1, int(rounds.max()) + 1):
        w = rng.random((2, 2, n))
        live = rounds >= t
        for i in range(2):
            redraw = live & (w[i, 0] < phi)
            typ[i] = np.where(redraw, w[i, 1] < p[i], typ[i])
    return typ


def test_turnover_redraws_types_and_predicts_beliefs() -> None:
    """Nothing is ever tabled (when_accepted, both refuse F): beliefs follow only the prediction.

    Types are redrawn every round by the stream scheme of docs/model.md
    section 12.1; the belief error is ``|tau_H - 1{other trustworthy}|`` with
    ``tau_t = (1 - phi) tau_{t-1} + phi tau_0``.
    """
    n, seed, H, phi, p = 5000, 31, 7, 0.3, (0.3, 0.8)
    sc = formal_only(
        tau0=(0.2, 0.4), p=p, phi=phi, greed=(5.0, 5.0), horizon=H, offer="when_accepted"
    )
    out = simulate(sc, "formal", n, seed)
    assert out.mean_idle == H
    typ = _replay_types(seed, n, p, phi, np.full(n, H))
    assert out.share_both_trustworthy == (typ[0] & typ[1]).mean()
    for i, prior in enumerate((0.2, 0.4)):
        tau = prior
        for _ in range(H):
            tau = (1 - phi) * tau + phi * prior
        error = np.abs(tau - typ[1 - i]).mean()
        assert out.mean_belief_error[i] == pytest.approx(error, rel=1e-12)
        assert out.mean_final_trust[i] == pytest.approx(prior, rel=1e-12)


def test_bound_replicates_freeze_their_types() -> None:
    """Greed 0 and a treaty accepted at the start: every replicate binds in round 1.

    Its final types are those after round 1's turnover, whether the block
    stops drawing after round 1 (alone) or goes on for a cell that never
    binds (a second cell in the same call).
    """
    n, seed, phi, p = 3000, 8, 0.5, (0.5, 0.5)
    binds = formal_only(tau0=(0.8, 0.8), p=p, phi=phi, horizon=20)
    never = formal_only(tau0=(0.1, 0.1), p=p, phi=phi, horizon=20)
    alone = simulate(binds, "formal", n, seed)
    assert alone.share_bound == 1.0 and alone.time_to_bind_q75 == 1.0
    together = simulate_cells([never, binds], "formal", n, seed)
    assert together[1] == alone
    typ = _replay_types(seed, n, p, phi, np.ones(n, int))
    assert alone.share_both_trustworthy == (typ[0] & typ[1]).mean()
    typ_never = _replay_types(seed, n, p, phi, np.full(n, 20))
    assert together[0].share_both_trustworthy == (typ_never[0] & typ_never[1]).mean()


def test_a_cell_does_not_depend_on_turnover_draws_of_others() -> None:
    """Common random numbers: a linear cell with types is the same with or without a turnover cell."""
    linear = formal_only(model="linear", tau0=(0.6, 0.6), p=(0.7, 0.7), greed=(2.0, 2.0))
    turning = formal_only(p=(0.5, 0.5), phi=0.2, beta=(3.0, 3.0), eps=(0.1, 0.1))
    alone = simulate(linear, "formal", BLOCK_SIZE + 500, seed=6)
    both = simulate_cells([turning, linear], "formal", BLOCK_SIZE + 500, seed=6)
    assert both[1] == alone
    # a cell of sections 1-11 (no types, linear) alone runs the kernel without the type
    # steps; beside a cell with types it runs the full kernel: the same numbers
    plain = Scenario.load("krickovic2016", ["actors.*.decision_precision=3"])
    typed = plain.with_values({"trust.model": "bayesian", "actors.*.trustworthy_prob": 0.5})
    for protocol in ("formal", "piecemeal"):
        alone = simulate(plain, protocol, 700, seed=6, horizon=60)
        beside = simulate_cells([plain, typed], protocol, 700, seed=6, horizon=60)
        assert beside[0] == alone


# ------------------------------------------------------------------ two back ends, types on
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw=scenario_dicts(max_rungs=2),
    seed=st.integers(0, 2**32),
    model=st.sampled_from(["linear", "bayesian"]),
    p=st.tuples(*[st.integers(0, 4).map(lambda x: x / 4)] * 2),
    greed=st.tuples(*[st.sampled_from([0.0, 0.5, 2.0, 6.0])] * 2),
    empathy=st.tuples(*[st.integers(0, 2).map(lambda x: x / 2)] * 2),
)
def test_compiled_and_plain_python_kernel_agree_with_types(
    raw: dict[str, Any],
    seed: int,
    model: str,
    p: tuple[float, float],
    greed: tuple[float, float],
    empathy: tuple[float, float],
) -> None:
    raw["trust"]["model"] = model
    for i, body in enumerate(raw["actors"].values()):
        body.update(trustworthy_prob=p[i], greed=greed[i], empathy=empathy[i])
    sc = Scenario.from_dict(raw)
    for protocol in ["formal", "piecemeal"] if sc.ladder else ["formal"]:
        kw: dict[str, Any] = {"horizon": min(sc.horizon, 25), "record": True}
        a = simulate(sc, protocol, 23, seed, backend="numba", **kw)
        b = simulate(sc, protocol, 23, seed, backend="python", **kw)
        assert a == b
        assert a.trajectories is not None and b.trajectories is not None
        assert np.array_equal(a.trajectories.trust, b.trajectories.trust)


# ------------------------------------------------------------------ outputs (docs/model.md 12.4)
def test_conditional_shares_are_null_without_a_denominator() -> None:
    out = simulate(Scenario.load("krickovic2016"), "piecemeal", 300, seed=1, horizon=20)
    assert out.share_both_trustworthy == 1.0 and out.share_bound_with_greedy is None
    d = json.loads(json.dumps(out.to_dict()))
    assert d["share_bound_with_greedy"] is None
    assert d["share_bound_trustworthy_pair"] == out.share_bound
    assert d["share_spiral"] == pytest.approx(1.0 - out.share_bound, abs=1e-15)
    assert set(d["mean_exploited_rounds"]) == {"NATO", "Russia"}
    assert d["mean_belief_error"]["NATO"] == pytest.approx(1.0 - d["mean_final_trust"]["NATO"])
    cols = out.columns()
    assert cols["share_bound_with_greedy"] is None
    for name in ("NATO", "Russia"):
        assert f"mean_exploited_rounds_{name}" in cols and f"mean_belief_error_{name}" in cols


SWEEP = """
[experiment]
name = "types"
scenario = "bayesian.toml"
protocols = ["piecemeal"]
reps = 200
horizon = 12
seed = 7
set = { "actors.*.greed" = 5.0, "actors.*.incident_rate" = 0.0 }

[design]
kind = "grid"
grid = { "actors.*.trustworthy_prob" = [1.0, 0.7] }
"""


def test_sweep_tables_carry_the_type_columns(tmp_path: Path) -> None:
    """results.csv has the section 12.4 columns; an undefined share is an empty cell (NaN)."""
    # trust.model selects structure: it comes from the scenario file, not from `set`
    text = preset_path("krickovic2016").read_text(encoding="utf-8")
    assert 'model = "linear"' in text
    text = text.replace('model = "linear"', 'model = "bayesian"', 1)
    (tmp_path / "bayesian.toml").write_text(text, encoding="utf-8")
    assert Scenario.load(tmp_path / "bayesian.toml").trust_model == "bayesian"
    path = tmp_path / "types.toml"
    path.write_text(SWEEP, encoding="utf-8")
    run_sweep(path, out=tmp_path / "out", workers=1)
    csv = pd.read_csv(tmp_path / "out" / "results.csv")
    assert read_results(tmp_path / "out").results.shape == csv.shape
    for col in (
        "share_both_trustworthy",
        "share_bound_trustworthy_pair",
        "share_bound_with_greedy",
        "share_spiral",
        "mean_exploited_rounds_NATO",
        "mean_exploited_rounds_Russia",
        "mean_belief_error_NATO",
        "mean_belief_error_Russia",
    ):
        assert col in csv.columns, col
    everyone, screened = csv.to_dict("records")
    assert everyone["share_both_trustworthy"] == 1.0
    assert math.isnan(everyone["share_bound_with_greedy"])
    assert screened["share_bound_with_greedy"] == 0.0
    assert screened["share_bound"] == screened["share_both_trustworthy"]


# ------------------------------------------------------------------ the keys (docs/model.md 12.1-12.2)
@pytest.mark.parametrize(
    ("override", "needle"),
    [
        (
            "actors.*.trustworthy_prob=1.5",
            "actors.NATO.trustworthy_prob = 1.5: must be a number in [0, 1]",
        ),
        ("actors.Russia.greed=-1", "actors.Russia.greed = -1: must be a number in [0, 1e+12]"),
        ("actors.*.empathy=nan", "actors.NATO.empathy = nan: must be a number in [0, 1]; NaN"),
        ("trust.model=bayes", "trust.model = 'bayes': must be one of 'linear', 'bayesian'"),
    ],
)
def test_type_keys_are_validated_like_every_key(override: str, needle: str) -> None:
    with pytest.raises(ConfigError) as err:
        Scenario.load("krickovic2016", [override])
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_type_keys_defaults_overrides_and_files(tmp_path: Path) -> None:
    sc = Scenario.load("krickovic2016")
    assert [(a.trustworthy_prob, a.greed, a.empathy) for a in sc.actors] == [(1.0, 0.0, 1.0)] * 2
    assert sc.trust_model == "linear"
    text = preset_path("krickovic2016").read_text(encoding="utf-8")
    text = text.replace(
        "[actors.Russia]\n", "[actors.Russia]\ngreed = 2.5\ntrustworthy_prob = 0.6\n"
    )
    path = tmp_path / "greedy.toml"
    path.write_text(text, encoding="utf-8")
    loaded = Scenario.load(path, ["actors.*.empathy=0.25", "trust.model=bayesian"])
    russia = loaded.actors[1]
    assert (russia.greed, russia.trustworthy_prob, russia.empathy) == (2.5, 0.6, 0.25)
    assert loaded.actors[0].greed == 0.0 and loaded.trust_model == "bayesian"
    # the resolved scenario carries the keys and loads back the same
    assert Scenario.from_dict(loaded.to_dict()).actors == loaded.actors


def test_compiled_type_formulas_give_the_plain_bits() -> None:
    """The formulas the kernel compiles for types (callees compiled with them) equal plain Python."""
    from binding_sim.dynamics import kernel, trust
    from binding_sim.model import beliefs, decisions, types

    kernel.kernel_functions("numba")  # compiles the formulas and binds them in the kernel
    jit = {name: getattr(kernel, name) for name in kernel._FORMULAS}
    assert all(hasattr(f, "py_func") for f in jit.values())
    rng = np.random.default_rng(3)
    for beta, margin, tau, g, s, e, q, phi in rng.random((300, 8)) * [9, 4, 1, 6, 1, 1, 1, 1]:
        margin -= 2.0
        for infinite in (False, True):
            want = decisions.logit_choice(beta, margin, infinite)
            assert jit["logit_choice"](beta, margin, infinite) == want
        assert jit["greedy_margin"](margin, tau, g, s) == types.greedy_margin(margin, tau, g, s)
        assert jit["empathic_probability"](e, q, phi) == beliefs.empathic_probability(e, q, phi)
        for seen in (True, False):
            assert jit["bayes_update"](tau, e, q, phi, seen) == beliefs.bayes_update(
                tau, e, q, phi, seen
            )
            for table in (True, False):
                args = (tau, seen, table, e, q, phi * 0.2, phi, 0.5)
                assert jit["bayesian_update_scalar"](*args) == trust.bayesian_update_scalar(*args)
