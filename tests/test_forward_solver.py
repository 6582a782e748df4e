"""The forward-looking solver against independent values (docs/model.md sections 13.4 to 13.6, 13.9).

Every expected value is derived here without the solver: the one-dimensional
value iteration of ``tests/forward_reference.py``, the root of the exact case's
equation by ``brentq``, the closed-form bounds of section 13.6, or a property
of the Bellman operator (a ``delta``-contraction).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from forward_reference import solve as reference
from scipy.optimize import brentq

from binding_sim.config.scenario import Scenario
from binding_sim.dynamics import forward
from binding_sim.dynamics.protocols import compile_program
from binding_sim.dynamics.valuegrid import interpolate
from binding_sim.errors import BindingSimError

BASE = [
    "decisions.rule=forward",
    "actors.*.relative_gains=1",
    "trust.building_rate=0.1",
    "trust.erosion_rate=0.5",
    "actors.*.incident_rate=0.05",
    "trust.recovery_rate=0",
]
"""Section 13.9's setting: krickovic2016's formal treaty, k = 1, lambda 0.1, mu 0.5, eps 0.05, phi 0."""


def scenario(delta: float, *extra: str) -> Scenario:
    return Scenario.load("krickovic2016", [*BASE, f"scenario.discount_factor={delta}", *extra])


# ----------------------------------------------------------------------------- check 3
@pytest.mark.parametrize(
    ("delta", "published"), [(0.5, 0.430535), (0.9, 0.106542), (0.95, 0.055347)]
)
def test_forward_threshold_matches_the_one_dimensional_reference(
    delta: float, published: float
) -> None:
    ref = reference(delta, n_grid=8001)
    assert ref.tau_star == pytest.approx(published, abs=1e-6)
    got = forward.forward_threshold(scenario(delta), "formal", 0)
    assert got is not None
    assert got == pytest.approx(ref.tau_star, abs=2e-6)
    # section 13.6's bounds; at k = 1 section 3's a = 4, b = 6 (Delta = 10 tau - 6), R = 6
    a, b, R = 4.0, 6.0, 6.0
    assert b / (a + b + delta * R / (1 - delta)) <= got <= b / (a + b)


def test_forward_threshold_is_non_increasing_in_delta_and_myopic_at_zero() -> None:
    # delta = 0: the myopic threshold b / (a + b) = 0.6 (section 3), no solver
    values = [0.6] + [
        forward.forward_threshold(scenario(d), "formal", 0) for d in (0.5, 0.9, 0.95)
    ]
    assert all(v is not None for v in values)
    assert all(x >= y for x, y in itertools.pairwise(values))


def test_continuation_at_the_threshold() -> None:
    # W(tau*) = (1 - q) V(tau* + lambda (1 - tau*)) + q V(tau* (1 - mu)) = 4.127704 at delta 0.5
    sc = scenario(0.5)
    sol = forward.solve(sc, "formal")
    t = forward.forward_threshold(sc, "formal", 0)
    assert t is not None
    V = sol.values[0, 0, 0]
    tau_b = sc.actors[1].initial_trust
    W = 0.95 * interpolate(V, t + 0.1 * (1 - t), tau_b) + 0.05 * interpolate(V, t * 0.5, tau_b)
    assert W == pytest.approx(4.127704, abs=1e-4)
    assert W == pytest.approx(reference(0.5, n_grid=8001).continuation_at_tau_star, abs=1e-4)


# ----------------------------------------------------------------------------- check 4
def exact_root(
    delta: float, k: float = 1.0, R: float = 6.0, S: float = -2.0, T: float = 2.0
) -> float:
    """The root of tau R / (1 - delta) + (1 - tau) S'(tau) = tau T'(tau) / (1 - delta tau) (section 13.6)."""

    def f(t: float) -> float:
        s_ = S - k * (1 - t) * (T - S)
        t_ = T + k * (1 - t) * (T - S)
        return t * R / (1 - delta) + (1 - t) * s_ - t * t_ / (1 - delta * t)

    return float(brentq(f, 1e-9, 1.0, xtol=1e-14))


@pytest.mark.parametrize(
    ("delta", "published"), [(0.0, 0.6), (0.5, 0.40287374), (0.9, 0.09452201)]
)
def test_exact_case(delta: float, published: float) -> None:
    root = exact_root(delta)
    assert root == pytest.approx(published, abs=1e-8)
    if delta == 0.0:
        return
    sc = scenario(
        delta, "trust.building_rate=0", "trust.erosion_rate=1", "actors.*.incident_rate=0"
    )
    got = forward.forward_threshold(sc, "formal", 0)
    assert got is not None
    assert got == pytest.approx(root, abs=1e-3)


# ----------------------------------------------------------------------------- check 5
def reference_k_star(delta: float, n_grid: int = 2001) -> float:
    """k at which the 1-D reference's threshold is tau_0 = 0.5 (bisection over k)."""
    lo, hi = 0.0, 40.0
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        if reference(delta, n_grid=n_grid, k=mid, tol=1e-10).tau_star <= 0.5:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@pytest.mark.slow
@pytest.mark.parametrize(("delta", "published"), [(0.5, 1.37208), (0.9, 6.7351), (0.95, 13.14587)])
def test_critical_sensitivity(delta: float, published: float) -> None:
    ref = reference_k_star(delta)
    assert ref == pytest.approx(published, abs=1e-3)
    got = forward.forward_k_star(scenario(delta), 0)
    assert got == pytest.approx(ref, abs=1e-3)


def test_critical_sensitivity_fast() -> None:
    # delta = 0.5 only (the others are marked slow)
    got = forward.forward_k_star(scenario(0.5), 0)
    assert got == pytest.approx(reference_k_star(0.5, n_grid=801), abs=1e-3)


@pytest.mark.parametrize(("delta", "accepted"), [(0.35, False), (0.36, True)])
def test_accepted_at_start_iff_delta_above_critical(delta: float, accepted: bool) -> None:
    # k = 1, tau_0 = 0.5: the reference's threshold crosses 0.5 at delta = 0.35154
    assert (reference(delta, n_grid=2001).tau_star <= 0.5) is accepted
    assert forward.accepted_at_start(scenario(delta), "formal") is accepted


# ----------------------------------------------------------------------------- check 2
@pytest.mark.parametrize("protocol", ["formal", "piecemeal"])
@pytest.mark.parametrize("model", ["linear", "bayesian"])
@pytest.mark.parametrize("beta", ["inf", "2"])
def test_bellman_operator_is_a_delta_contraction(protocol: str, model: str, beta: str) -> None:
    sc = scenario(
        0.8,
        f"trust.model={model}",
        f"actors.*.decision_precision={beta}",
        "decisions.grid_points=11",
        "actors.*.trustworthy_prob=0.7",
        "actors.*.greed=1.5",
        *(["trust.recovery_rate=0.1"] if model == "bayesian" else []),
    )
    rng = np.random.default_rng(20260)
    for problem in forward.actor_problems(sc, protocol):
        shape = (2, *problem.shape)
        for _ in range(5):
            U = rng.normal(0.0, 10.0, shape)
            V = U + rng.normal(0.0, rng.uniform(0.01, 5.0), shape)
            lhs = np.max(np.abs(problem.apply(U) - problem.apply(V)))
            assert lhs <= 0.8 * np.max(np.abs(U - V)) + 1e-9


def test_logit_values_lie_within_ln2_over_beta_of_the_best_response_values() -> None:
    beta, delta = 2.0, 0.8
    sharp = forward.solve(scenario(delta, "decisions.grid_points=51"), "formal").values
    soft = forward.solve(
        scenario(delta, "decisions.grid_points=51", f"actors.*.decision_precision={beta}"),
        "formal",
    ).values
    diff = soft - sharp
    assert np.all(diff >= -1e-9)
    assert np.all(diff <= math.log(2.0) / (beta * (1.0 - delta)) + 1e-9)


# ----------------------------------------------------------------------------- check 7
def _revocable_program() -> bool:
    sc = scenario(0.5, "protocols.binding=revocable")
    return len(compile_program(sc, "formal").states) > 1


@pytest.mark.skipif(
    not _revocable_program(), reason="revocable binding's bound states are not built yet"
)
@pytest.mark.parametrize("delta", [0.5, 0.9, 0.95])
def test_revocable_binding_leaves_the_myopic_threshold(delta: float) -> None:
    sc = scenario(delta, "protocols.binding=revocable")
    sol = forward.solve(sc, "formal")
    tab = forward._tables(sc, "formal")
    for t in np.linspace(0.0, 1.0, 17):
        fwd = forward.forward_margin(sol, tab, 0, 0, 0, float(t), 0.5)
        assert fwd == pytest.approx(10.0 * t - 6.0, abs=1e-9)  # Delta = 10 tau - 6 at k = 1
    assert forward.forward_threshold(sc, "formal", 0) == pytest.approx(0.6, abs=1e-9)


# ----------------------------------------------------------------------------- errors, cache
def test_unconverged_solve_is_a_one_line_error_naming_the_key() -> None:
    sc = scenario(0.9, "decisions.max_iterations=1", "decisions.grid_points=11")
    with pytest.raises(forward.ForwardSolverError) as info:
        forward.solve(sc, "formal")
    text = str(info.value)
    assert "\n" not in text
    assert "decisions.max_iterations = 1" in text
    assert "residual" in text


def test_delta_zero_is_refused() -> None:
    with pytest.raises(BindingSimError, match="discount_factor"):
        forward.solve(scenario(0.0, "decisions.grid_points=11"), "formal")


def test_cache_returns_the_same_solution_for_equal_content() -> None:
    a = forward.solve(scenario(0.6, "decisions.grid_points=11"), "formal")
    renamed = scenario(
        0.6, "decisions.grid_points=11", "scenario.name=other", "scenario.horizon=7"
    )
    assert forward.solve(renamed, "formal") is a
    other = forward.solve(scenario(0.61, "decisions.grid_points=11"), "formal")
    assert other is not a
    assert other.key != a.key
    assert not a.values.flags.writeable


def test_disk_cache_round_trip_and_corrupt_file(tmp_path, monkeypatch) -> None:
    sc = scenario(0.7, "decisions.grid_points=11")
    first = forward.solve(sc, "formal", cache_dir=tmp_path)
    path = tmp_path / f"{first.key}.npz"
    assert path.is_file()
    forward.clear_cache()

    def refuse(*args, **kwargs):
        raise AssertionError("solved again although the disk cache holds the solution")

    with monkeypatch.context() as m:
        m.setattr(forward, "_solve", refuse)
        again = forward.solve(sc, "formal", cache_dir=tmp_path)
    assert np.array_equal(again.values, first.values)
    assert np.array_equal(again.tabled, first.tabled)
    assert (again.iterations, again.outer_rounds, again.key) == (
        first.iterations,
        first.outer_rounds,
        first.key,
    )
    forward.clear_cache()
    path.write_bytes(b"not an npz file")
    third = forward.solve(sc, "formal", cache_dir=tmp_path)
    assert np.array_equal(third.values, first.values)


@pytest.mark.parametrize("protocol", ["formal", "piecemeal"])
def test_compiled_and_plain_python_loops_agree(protocol: str, monkeypatch) -> None:
    sc = scenario(
        0.8,
        "trust.model=bayesian",
        "trust.recovery_rate=0.1",
        "actors.*.trustworthy_prob=0.7",
        "actors.*.greed=1.5",
        "actors.*.empathy=0.5",
        "decisions.grid_points=11",
    )
    compiled = forward.actor_problems(sc, protocol)
    monkeypatch.setattr(forward, "_FUNCTIONS", forward._python_loops())
    plain = forward.actor_problems(sc, protocol)
    for a, b in zip(compiled, plain, strict=True):
        assert (a.comply != b.comply).nnz == 0
        assert (a.defect != b.defect).nnz == 0
        assert np.array_equal(a.rewards, b.rewards)
        assert np.array_equal(a.const_comply, b.const_comply)
        assert np.array_equal(a.idle, b.idle)


def test_continuation_equals_the_difference_of_the_matrix_rows() -> None:
    # D_i at grid points two ways: the scalar continuation, and the solver's matrices
    sc = scenario(
        0.8, "trust.model=bayesian", "trust.recovery_rate=0.1", "decisions.grid_points=11"
    )
    sol = forward.solve(sc, "formal")
    tab = forward._tables(sc, "formal")
    problems = forward.actor_problems(sc, "formal", np.asarray(sol.tabled))
    for i, problem in enumerate(problems):
        flat = sol.values[i].reshape(2, -1).T @ problem.mix.T
        D = (problem.comply @ flat + problem.const_comply[:, None]) - (
            problem.defect @ flat + problem.const_defect[:, None]
        )
        for a, b in [(0, 0), (3, 7), (10, 4), (6, 10)]:
            for x in range(2):
                got = forward.cont.continuation(
                    tab, sol.values, 0, 0, 0, i, x, a / 10, b / 10, sol.delta
                )
                assert got == pytest.approx(D[a * 11 + b, x], abs=1e-9)
