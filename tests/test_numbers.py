"""Numbers are checked: probabilities and trust in [0, 1], no silent NaN or inf.

Property tests over generated scenarios (:func:`fuzz_strategies.valid_scenarios`,
plus extreme corners of every range) run the engine with both back ends and
trajectories recorded, under ``RuntimeWarning`` as an error, and check every
invariant that the model (docs/model.md) states or implies:

* trust (every actor, replicate and round) is in [0, 1] (section 4: each
  update is a convex combination when ``lambda * w <= 1``, ``mu``, ``phi`` in [0, 1]);
* shares (bound, trapped, the binding-time curve, the Wilson interval) are
  probabilities, the curve is non-decreasing and ends at the share bound;
* counts are bounded by the horizon (incidents per actor, mutual-defection
  and idle rounds), rungs by the ladder's length;
* every aggregate is finite (``time_to_bind`` may be None: nothing bound).

And the engine refuses to emit a non-finite aggregate: statistics holding
NaN or inf make :func:`binding_sim.dynamics.outcomes.summarize` raise.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from fuzz_strategies import valid_scenarios
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle_numpy import linear_update as oracle_linear_update

from binding_sim.config.scenario import Scenario
from binding_sim.dynamics import trust as trust_mod
from binding_sim.dynamics.engine import simulate
from binding_sim.dynamics.outcomes import BlockStats, summarize, wilson_interval
from binding_sim.errors import BindingSimError

CI = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
REPS = 48


def check_outcome(sc: Scenario, protocol: str, backend: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        out = simulate(sc, protocol, REPS, seed=5, record=True, backend=backend)
    H = sc.horizon
    tr = out.trajectories
    assert tr is not None
    assert np.all(np.isfinite(tr.trust))
    assert tr.trust.min() >= 0.0 and tr.trust.max() <= 1.0, (tr.trust.min(), tr.trust.max())
    assert np.array_equal(tr.trust[:, 0, 0], np.full(REPS, sc.actors[0].initial_trust))
    # bound is absorbing
    assert np.all(np.diff(tr.bound.astype(int), axis=1) >= 0)
    # probabilities
    for p in (out.share_bound, out.share_trapped, *out.share_bound_ci):
        assert 0.0 <= p <= 1.0
    lo, hi = out.share_bound_ci
    assert lo <= out.share_bound <= hi
    curve = np.asarray(out.bound_by_round)
    assert curve.shape == (H,)
    assert np.all((curve >= 0) & (curve <= 1)) and np.all(np.diff(curve) >= 0)
    assert curve[-1] == pytest.approx(out.share_bound, abs=0)
    assert out.share_bound == pytest.approx(tr.bound[:, -1].mean(), abs=0)
    # counts
    assert np.all((out.mean_incidents_by_actor >= 0) & (out.mean_incidents_by_actor <= H))
    assert 0 <= out.mean_mutual_defection + out.mean_idle <= H
    n_rungs = len(sc.ladder or ()) if protocol == "piecemeal" else 0
    assert 0 <= out.mean_rungs <= n_rungs
    assert np.all((out.mean_final_trust >= 0) & (out.mean_final_trust <= 1))
    # docs/model.md section 12.4: a conditional share is None exactly when nobody is in its group
    undefined = {
        "share_bound_trustworthy_pair": out.share_both_trustworthy == 0.0,
        "share_bound_with_greedy": out.share_both_trustworthy == 1.0,
    }
    for name, value in out.columns().items():
        if name.startswith("time_to_bind"):
            assert value is None or 1 <= value <= H
        elif name in undefined:
            assert (value is None) == undefined[name], (name, value)
            assert value is None or 0.0 <= value <= 1.0
        else:
            assert value is not None and math.isfinite(value), (name, value)


def _protocols(sc: Scenario) -> list[str]:
    return ["formal", "piecemeal"] if sc.ladder else ["formal"]


@CI
@given(valid_scenarios(max_rungs=3, max_horizon=25), st.sampled_from(["python", "numba"]))
def test_generated_scenarios_keep_every_number_in_range(raw: dict[str, Any], backend: str) -> None:
    sc = Scenario.from_dict(raw)
    for protocol in _protocols(sc):
        check_outcome(sc, protocol, backend)


_EXTREMES = {
    "actors.*.relative_gains": [0.0, 1e6],
    "actors.*.decision_precision": [0.0, 1e-300, 1e300, math.inf],
    "actors.*.initial_trust": [0.0, 5e-324, 1.0],
    "actors.*.incident_rate": [0.0, 1.0],
    "trust.building_rate": [0.0, 1.0],
    "trust.erosion_rate": [0.0, 1.0],
    "trust.recovery_rate": [0.0, 1.0],
    "scenario.common_threat": [0.0, 1e12],
    "arrangements.formal.payoffs.R": [-1e12, 1e12],
    "arrangements.formal.payoffs.T": [-1e12, 1e12],
    "arrangements.md_transparency.payoffs.S": [-1e12, 1e12],
    "arrangements.md_transparency.effects.transparency_gain": [0.0, 1.0],
    "arrangements.interceptor_caps.effects.cap_factor": [5e-324, 1.0],
    "scenario.discount_factor": [0.0, 1.0],
}


@CI
@given(
    st.fixed_dictionaries({}, optional={k: st.sampled_from(v) for k, v in _EXTREMES.items()}),
    st.sampled_from(["python", "numba"]),
)
def test_extreme_corners_keep_every_number_in_range(values: dict[str, Any], backend: str) -> None:
    sc = Scenario.load("krickovic2016").with_values({"scenario.horizon": 20, **values})
    for protocol in _protocols(sc):
        check_outcome(sc, protocol, backend)


def test_trust_weight_at_the_building_limit_keeps_trust_at_most_one() -> None:
    """The loader allows ``lambda * w`` up to ``1 + 1e-12`` (float ties): trust must stay <= 1."""
    sc = Scenario.load("krickovic2016").with_values(
        {
            "trust.building_rate": 1.0,
            "arrangements.md_transparency.trust_weight": 1.0 + 5e-13,
            "actors.*.incident_rate": 0.0,
            "scenario.horizon": 10,
        }
    )
    for backend in ("python", "numba"):
        check_outcome(sc, "piecemeal", backend)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    tau=st.floats(0, 1),
    seen=st.booleans(),
    on_table=st.booleans(),
    lam_w=st.floats(0, 1),
    mu=st.floats(0, 1),
    phi=st.floats(0, 1),
    tau0=st.floats(0, 1),
)
def test_trust_update_is_a_convex_combination(
    tau: float, seen: bool, on_table: bool, lam_w: float, mu: float, phi: float, tau0: float
) -> None:
    """docs/model.md section 4: every step moves trust toward 1, toward 0 or toward tau_0."""
    vec = float(oracle_linear_update(tau, seen, on_table, lam_w, mu, phi, tau0))
    sca = trust_mod.linear_update_scalar(tau, seen, on_table, lam_w, mu, phi, tau0)
    assert vec == sca
    assert 0.0 <= vec <= 1.0
    # the step never overshoots its target
    if on_table and seen:
        assert tau <= vec or phi > 0
    if not on_table and phi == 0:
        assert vec == tau


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.integers(1, 10**12).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_is_a_probability_interval(case: tuple[int, int]) -> None:
    k, n = case
    lo, hi = wilson_interval(k, n)
    assert 0.0 <= lo <= k / n <= hi <= 1.0


def _stats(**change: Any) -> BlockStats:
    base = BlockStats(
        reps=4,
        horizon=3,
        bind_hist=np.array([1, 2, 1, 0], dtype=np.int64),
        n_bound=3,
        sum_broken=0,
        n_trapped=1,
        sum_incidents=np.array([2, 3], dtype=np.int64),
        sum_rungs=2,
        sum_mutual_defection=1,
        sum_idle=0,
        sum_final_trust=np.array([2.0, 3.0]),
        sum_payoffs=np.ones((4, 2)),
        n_both_trustworthy=4,
        n_bound_both_trustworthy=3,
        sum_exploited=np.array([1, 0], dtype=np.int64),
        sum_belief_error=np.array([2.0, 1.0]),
    )
    for k, v in change.items():
        setattr(base, k, v)
    return base


def test_summarize_of_finite_statistics_is_finite() -> None:
    out = summarize(_stats(), "formal", ("A", "B"))
    assert out.share_bound == 0.75  # 3 of 4 bound (hand count of bind_hist[1:])
    assert out.time_to_bind_median == 1.0  # rounds 1, 1, 2


@pytest.mark.parametrize(
    "change",
    [
        {"sum_payoffs": np.array([[np.nan, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])},
        {"sum_payoffs": np.array([[0.0, 0.0], [0.0, np.inf], [0.0, 0.0], [0.0, 0.0]])},
        {"sum_final_trust": np.array([np.nan, 1.0])},
        {"sum_final_trust": np.array([1.0, -np.inf])},
    ],
)
def test_engine_refuses_to_emit_non_finite_aggregates(change: dict[str, Any]) -> None:
    with pytest.raises(BindingSimError, match="non-finite"):
        summarize(_stats(**change), "formal", ("A", "B"))
