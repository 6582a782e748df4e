"""Forward-looking decisions in the engine and in sweeps (docs/model.md sections 13.4, 13.5, 13.9).

Independent values: check 1 of section 13.9 (``delta = 0`` is the myopic
engine, bit for bit); the round-1 binding threshold of the formal treaty
against ``tests/forward_reference.py``'s own one-dimensional value
iteration; the two back ends against each other; solve counts in a sweep;
and a gate decision that the myopic margin and the forward margin decide
differently.
"""

from __future__ import annotations

from pathlib import Path

import forward_reference
import numpy as np
import pytest

from binding_sim.config.experiment import Experiment
from binding_sim.config.scenario import Scenario
from binding_sim.dynamics import forward, tables
from binding_sim.dynamics.continuation import continuation
from binding_sim.dynamics.engine import compile_cells, simulate
from binding_sim.dynamics.protocols import BIND
from binding_sim.dynamics.valuegrid import ForwardSolution
from binding_sim.limits import MemoryLimitError
from binding_sim.model.margins import margin_value
from binding_sim.sweep import run_sweep
from binding_sim.sweep.store import SOLUTIONS

# the setting of docs/model.md section 13.9: krickovic2016's formal treaty,
# k = 1, lambda = 0.1, mu = 0.5, epsilon = 0.05, phi = 0, beta = inf, absorbing
CHECKS = [
    "actors.*.relative_gains=1",
    "trust.building_rate=0.1",
    "trust.erosion_rate=0.5",
    "actors.*.incident_rate=0.05",
    "trust.recovery_rate=0",
    "actors.*.decision_precision=inf",
]
TYPES = ["trust.model=bayesian", "actors.*.trustworthy_prob=0.8", "actors.*.greed=2"]


def load(*sets: str) -> Scenario:
    return Scenario.load("krickovic2016", list(sets))


def same_trajectories(a: object, b: object) -> bool:
    ta, tb = a.trajectories, b.trajectories  # type: ignore[attr-defined]
    return all(np.array_equal(getattr(ta, f), getattr(tb, f)) for f in ("trust", "rung", "bound"))


# ----------------------------------------------------------------------------- check 1
@pytest.mark.parametrize("protocol", ["formal", "piecemeal"])
@pytest.mark.parametrize("model", ["linear", "bayesian"])
@pytest.mark.parametrize("beta", ["inf", "2"])
def test_delta_zero_forward_is_the_myopic_engine(
    protocol: str, model: str, beta: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Check 1 of docs/model.md section 13.9: at delta = 0 every output is the myopic one, bit for bit."""

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the solver must not run at delta = 0")

    monkeypatch.setattr(forward, "solve", never)
    sets = ["scenario.discount_factor=0", f"actors.*.decision_precision={beta}"]
    if protocol == "formal":  # both accept the treaty: incidents in round 1 (at beta = inf too)
        sets.append("actors.*.initial_trust=0.62")
    if model == "bayesian":
        sets += [*TYPES, "trust.recovery_rate=0.02", "actors.*.empathy=0.5"]
    myopic = load(*sets)
    ahead = load(*sets, "decisions.rule=forward")
    assert ahead.decisions.rule == "forward" and myopic.decisions.rule == "myopic"
    assert not compile_cells([ahead], protocol, solve=True).forward
    a = simulate(myopic, protocol, 600, seed=13, horizon=60, record=True)
    b = simulate(ahead, protocol, 600, seed=13, horizon=60, record=True)
    assert a == b
    assert same_trajectories(a, b)
    assert a.mean_incidents > 0  # incidents happened, so the comparison covers them


# ----------------------------------------------------------------------------- the threshold
@pytest.mark.parametrize("delta", [0.5, 0.9])
def test_round_one_binding_at_the_forward_threshold(delta: float) -> None:
    """Both bind in round 1 iff both trusts are >= tau*_delta (the 1-D reference's threshold).

    Binding needs both to comply, and at beta = inf each complies iff its
    forward margin is >= 0, that is iff its trust is >= tau*_delta (docs/model.md
    section 13.6; an incident cannot stop round-1 binding). Below, both
    defect: each then perceives a defection and its trust falls to
    tau (1 - mu).
    """
    ref = forward_reference.solve(delta, n_grid=4001)
    expected = {0.5: 0.430535, 0.9: 0.106542}[delta]
    assert ref.tau_star == pytest.approx(expected, abs=2e-5)
    for shift, bound in ((0.01, True), (-0.01, False)):
        tau0 = ref.tau_star + shift
        sc = load(
            *CHECKS,
            "decisions.rule=forward",
            f"scenario.discount_factor={delta}",
            f"actors.*.initial_trust={tau0!r}",
        )
        out = simulate(sc, "formal", 500, seed=7, horizon=3, record=True)
        assert out.bound_by_round[0] == (1.0 if bound else 0.0)
        tr = out.trajectories
        assert bool(np.all(tr.bound[:, 1])) is bound
        if not bound:  # both defected in round 1: both perceived it
            assert np.all(tr.trust[:, 1, :] == tau0 * 0.5)
        # the myopic engine refuses the treaty at both starts (tau* = 0.6)
        myopic = simulate(
            load(*CHECKS, f"actors.*.initial_trust={tau0!r}"), "formal", 50, 7, horizon=3
        )
        assert myopic.share_bound == 0.0


# ----------------------------------------------------------------------------- back ends
def hand_solution(values: np.ndarray, delta: float) -> ForwardSolution:
    """A ForwardSolution holding ``values`` (built by a test, not by the solver)."""
    S, n = values.shape[2], values.shape[-1]
    return ForwardSolution(
        values=values,
        tabled=np.zeros((S, n, n), np.int64),
        delta=delta,
        iterations=0,
        residual=0.0,
        outer_rounds=1,
        seconds=0.0,
        key="by-hand",
    )


def test_backends_bit_identical_with_forward_decisions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The numba kernel and the same source as plain Python agree bit for bit (rule forward).

    Formal: the solver's own solution. Piecemeal: an arbitrary value function
    on the grid (seeded), so that every branch of the kernel's forward path
    (gate over several offers, both types, bayesian reading, turnover,
    empathy, finite precision, the trapped rule) runs whatever the solver does.
    """
    sets = [
        *TYPES,
        "decisions.rule=forward",
        "decisions.grid_points=15",
        "scenario.discount_factor=0.9",
        "actors.*.decision_precision=2",
        "actors.*.empathy=0.5",
        "trust.recovery_rate=0.02",
    ]
    sc = load(*sets)
    a = simulate(sc, "formal", 300, seed=5, horizon=40, record=True, backend="numba")
    b = simulate(sc, "formal", 300, seed=5, horizon=40, record=True, backend="python")
    assert a == b
    assert same_trajectories(a, b)
    S = len(compile_cells([sc], "piecemeal").programs[0].states)
    values = np.random.default_rng(8).uniform(0.0, 30.0, (2, 2, S, 15, 15))
    monkeypatch.setattr(forward, "solve", lambda *args, **kw: hand_solution(values, 0.9))
    plain = [s for s in sets if s not in TYPES]  # linear trust, no types
    for variant in (sets, [*plain, "actors.*.decision_precision=inf"]):
        ahead = load(*variant)
        a = simulate(ahead, "piecemeal", 300, seed=5, horizon=40, record=True, backend="numba")
        b = simulate(ahead, "piecemeal", 300, seed=5, horizon=40, record=True, backend="python")
        assert a == b
        assert same_trajectories(a, b)
        myopic = load(*(s for s in variant if s != "decisions.rule=forward"))
        assert a != simulate(myopic, "piecemeal", 300, seed=5, horizon=40)  # the term mattered


def test_forward_changes_decisions_where_the_margin_says_so() -> None:
    """A forward cell differs from the myopic one (the continuation term is really added)."""
    base = [*CHECKS, "scenario.discount_factor=0.9", "actors.*.initial_trust=0.3"]
    myopic = simulate(load(*base), "formal", 200, seed=3, horizon=5)
    ahead = simulate(load(*base, "decisions.rule=forward"), "formal", 200, seed=3, horizon=5)
    assert myopic.share_bound == 0.0
    assert ahead.share_bound == 1.0 and ahead.time_to_bind_median == 1.0


# ----------------------------------------------------------------------------- the gate
def test_piecemeal_gate_uses_forward_margins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bayesian trust with types, piecemeal: the gate and the decisions use Delta + delta D.

    A value function constant in trust, ``V0 = 55`` in state 0 and ``V1 =
    56`` in every later state, makes ``D`` a closed form (section 13.4):
    the next state depends only on the actual moves, so on an offer moving
    to state 1 ``D = tau (V1 - V0)``, and on the treaty (binding worth ``R_F
    / (1 - delta) = 60``) ``D = tau (60 - V0)``. At ``tau_0 = 0.35``,
    ``delta = 0.9`` and ``k = 1`` (``kappa = 0.65``), by hand:

    - the treaty: ``Delta_F = 0.35 (6 - 4.6) + 0.65 (-4.6) = -2.5``, forward
      ``-2.5 + 0.315 * 5 = -0.925``: refused, as myopically;
    - md_transparency: ``Delta = 0.35 (1 - 0.46) + 0.65 (-0.46) = -0.11``
      (refused myopically: every round idle), forward
      ``-0.11 + 0.315 = 0.205``: tabled for every replicate;
    - a greedy type (``g = 4``, scope 0.2) decides on
      ``-0.11 - 0.35 * 4 * 0.2 + 0.315 = -0.075``: defects.

    So after one round the rung is implemented exactly where both actors are
    trustworthy.
    """
    sets = [
        "trust.model=bayesian",
        "actors.*.trustworthy_prob=0.8",
        "actors.*.greed=4",
        "actors.*.initial_trust=0.35",
        "scenario.discount_factor=0.9",
    ]
    myopic = load(*sets)
    ahead = load(*sets, "decisions.rule=forward", "decisions.grid_points=11")
    tab = compile_cells([myopic], "piecemeal").arrays
    assert tab.on_comply[0, 0, 0] == BIND and tab.on_comply[0, 0, 1] == 1  # treaty, then the rung
    for q, by_hand in ((0, -2.5), (1, -0.11)):
        for i in range(2):
            assert float(margin_value(*tab.coef[0, 0, q, i], 0.35)) == pytest.approx(
                by_hand, abs=1e-12
            )
    S = tab.n_offers.shape[1]
    values = np.full((2, 2, S, 11, 11), 56.0)
    values[:, :, 0] = 55.0
    monkeypatch.setattr(forward, "solve", lambda *args, **kw: hand_solution(values, 0.9))
    ftab = compile_cells([ahead], "piecemeal", solve=True).arrays
    for i in range(2):  # the continuation term by the solver's own function, at the closed form
        for q, d_hand in ((0, 0.35 * 5.0), (1, 0.35 * 1.0)):
            got = continuation(ftab, values, 0, 0, q, i, 0, 0.35, 0.35, 0.9)
            assert got == pytest.approx(d_hand, abs=1e-12)
    a = simulate(myopic, "piecemeal", 400, seed=11, horizon=1)
    b = simulate(ahead, "piecemeal", 400, seed=11, horizon=1)
    assert a.mean_idle == 1.0 and a.mean_rungs == 0.0  # refused: nothing on the table
    assert b.mean_idle == 0.0 and b.share_bound == 0.0  # the rung, not the treaty, for everyone
    assert 0.0 < b.share_both_trustworthy < 1.0
    assert b.mean_rungs == pytest.approx(b.share_both_trustworthy, abs=1e-12)


def test_piecemeal_with_the_solver_completes() -> None:
    """A small piecemeal run with the solver's own solution completes and differs from the myopic one."""
    sets = ["decisions.grid_points=51", "scenario.discount_factor=0.95"]
    ahead = simulate(load(*sets, "decisions.rule=forward"), "piecemeal", 300, seed=2, horizon=60)
    myopic = simulate(load(*sets), "piecemeal", 300, seed=2, horizon=60)
    assert ahead != myopic
    assert ahead.share_bound > myopic.share_bound


# ----------------------------------------------------------------------------- tables
def test_tables_hold_each_solution_padded() -> None:
    """compile_cells: forward flags, delta, n_grid and the padded values of each forward cell."""
    small = load(
        *CHECKS,
        "decisions.rule=forward",
        "decisions.grid_points=11",
        "scenario.discount_factor=0.5",
    )
    large = load(
        *CHECKS,
        "decisions.rule=forward",
        "decisions.grid_points=21",
        "scenario.discount_factor=0.5",
    )
    myopic = load(*CHECKS)
    ct = compile_cells([small, myopic, large], "formal", solve=True)
    a = ct.arrays
    assert a.forward.tolist() == [True, False, True]
    assert a.n_grid.tolist() == [11, 0, 21]
    assert a.delta.tolist() == [0.5, 0.95, 0.5]
    assert a.values.shape[-2:] == (21, 21)
    for c, sc in ((0, small), (2, large)):
        sol = forward.solve(sc, "formal")
        n = sol.grid_points
        assert ct.solutions[c] is sol
        assert np.array_equal(a.values[c, :, :, : sol.values.shape[2], :n, :n], sol.values)
    assert ct.solutions[1] is None
    assert not np.any(a.values[1])
    plain = compile_cells([myopic], "formal", solve=True).arrays
    assert not compile_cells([small], "formal").forward  # solve=False: the myopic tables
    assert plain.values.shape == (1, 1, 1, 1, 1, 1)


def test_values_memory_is_checked_before_solving(monkeypatch: pytest.MonkeyPatch) -> None:
    """A values table larger than memory allows is refused in one line naming decisions.grid_points."""
    monkeypatch.setattr("binding_sim.limits.available_memory", lambda: 10**6)

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("nothing may be solved before the memory check")

    monkeypatch.setattr(forward, "solve", never)
    sc = load(
        *CHECKS,
        "decisions.rule=forward",
        "decisions.grid_points=401",
        "scenario.discount_factor=0.5",
    )
    with pytest.raises(MemoryLimitError) as err:
        compile_cells([sc], "formal", solve=True)
    text = str(err.value)
    assert "decisions.grid_points = 401" in text and "\n" not in text
    assert tables.values_bytes(1, 1, 401) == 8 * 4 * 401 * 401


# ----------------------------------------------------------------------------- sweeps
def forward_experiment(tmp_path: Path) -> Experiment:
    raw = {
        "experiment": {
            "name": "forward_sweep",
            "scenario": "krickovic2016",
            "protocols": ["formal"],
            "reps": 40,
            "seed": 3,
            "set": {"decisions.rule": "forward", "decisions.grid_points": 21},
        },
        "design": {
            "kind": "grid",
            "grid": {
                "actors.*.initial_trust": [0.3, 0.5],
                "scenario.discount_factor": [0.5, 0.9],
                # equal in content for the solver (the horizon only ends a run)
                "scenario.horizon": [20, 30],
            },
        },
    }
    return Experiment.from_dict(raw, source=str(tmp_path / "forward_sweep.toml"))


def test_sweep_solves_each_distinct_cell_once_and_resume_solves_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """8 cells, 4 distinct solver problems: 4 solves; a resumed sweep reads them from disk."""
    calls: list[str] = []
    real = forward._solve

    def counted(scenario: Scenario, protocol: str, key: str) -> object:
        calls.append(key)
        return real(scenario, protocol, key)

    monkeypatch.setattr(forward, "_solve", counted)
    forward.clear_cache()
    exp = forward_experiment(tmp_path)
    assert exp.n_cells == 8
    out = tmp_path / "out"
    first = run_sweep(exp, out=out, workers=1, batch_size=1)
    assert len(calls) == 4 and len(set(calls)) == 4
    cached = sorted(p.name for p in (out / SOLUTIONS).glob("*.npz"))
    assert cached == sorted(f"{k}.npz" for k in calls)
    assert first.results.shape[0] == 8

    # a resumed sweep (two cells' parts lost, memory cleared) solves nothing
    calls.clear()
    forward.clear_cache()
    parts = sorted((out / "parts").glob("part-*.parquet"))
    for p in parts[:2]:
        p.unlink()
    again = run_sweep(exp, out=out, workers=1, batch_size=1, resume=True)
    assert calls == []
    assert again.results.equals(first.results)
    # a finished sweep resumed: nothing to run, nothing solved
    run_sweep(exp, out=out, workers=1, resume=True)
    assert calls == []
    # --force recomputes: the solutions go with the rest
    forward.clear_cache()
    run_sweep(exp, out=out, workers=1, batch_size=4, force=True)
    assert len(calls) == 4


def test_sweep_batch_size_and_memory_count_solutions(tmp_path: Path) -> None:
    """A forward experiment's batches hold at most MAX_BATCH_SOLUTION_BYTES of solutions."""
    from binding_sim.sweep.batching import MAX_BATCH_SOLUTION_BYTES, auto_batch_size
    from binding_sim.sweep.memory import batch_bytes

    cell = tables.values_bytes(1, 4, 201)
    assert auto_batch_size(10_000, 2, 100, 50, 1, cell) == MAX_BATCH_SOLUTION_BYTES // cell
    assert auto_batch_size(10_000, 2, 100, 50, 1, 0) == auto_batch_size(10_000, 2, 100, 50, 1)
    assert batch_bytes(10, 100, 50, 1, cell) - batch_bytes(10, 100, 50, 1) == 2 * 10 * cell


@pytest.mark.parametrize("tau0", [0.55, 0.65])
def test_revocable_formal_forward_is_the_myopic_engine(tau0: float) -> None:
    """Check 7 of docs/model.md section 13.9 in the engine: with revocable binding D_i = 0.

    The treaty is on the table bound or not, so an actor's move changes
    nothing it will face (section 13.6): the forward margin is the myopic
    one, and a run at delta = 0.9 is the myopic run, bit for bit (below
    and above tau* = 0.6, with treaties made and broken).
    """
    sets = [
        "protocols.binding=revocable",
        "scenario.discount_factor=0.9",
        "decisions.grid_points=51",
        f"actors.*.initial_trust={tau0}",
    ]
    myopic = simulate(load(*sets), "formal", 500, seed=3, horizon=50, record=True)
    ahead = simulate(
        load(*sets, "decisions.rule=forward"), "formal", 500, seed=3, horizon=50, record=True
    )
    assert ahead == myopic
    assert same_trajectories(ahead, myopic)
    if tau0 > 0.6:
        assert myopic.share_ever_bound == 1.0 and myopic.mean_broken_treaties > 0


def test_no_incident_path_follows_forward_decisions() -> None:
    """At delta = 0.9 the treaty's forward threshold is 0.1065 < tau_0 = 0.5: bound after round 1."""
    from binding_sim.dynamics.engine import no_incident_path

    base = Scenario.load("krickovic2016", ["scenario.horizon=5"])
    fwd = base.with_values(
        {"decisions.rule": "forward", "scenario.discount_factor": 0.9, "decisions.grid_points": 51}
    )
    assert not no_incident_path(base, "formal").bound[0, 1]  # myopic: 0.5 < tau* = 0.6
    assert no_incident_path(fwd, "formal").bound[0, 1]
