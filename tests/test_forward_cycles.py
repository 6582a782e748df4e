"""Proposal maps that cycle (docs/model.md section 13.5): an error by default, or their union.

On krickovic2016's ladder at delta = 0.9 and 51 grid points the proposal map
has no fixed point: at (tau_A, tau_B) = (0.1, 0.2) the first rung is
accepted by A (forward margin +0.116) when it is *not* tabled at the mirror
state (0.2, 0.1), and refused (-0.260) when it is, and the mirror state
flips in step, so the two maps alternate for ever.
"""

from __future__ import annotations

import numpy as np
import pytest

from binding_sim.config.scenario import Scenario
from binding_sim.dynamics import forward
from binding_sim.dynamics.forward import ForwardSolverError, union_of_cycle

BASE = ["decisions.rule=forward", "decisions.grid_points=51", "scenario.discount_factor=0.9"]


def test_union_of_cycle_takes_the_first_offer_any_map_tables() -> None:
    a = np.array([[[-1, 0, 1], [1, -1, -1]]])
    b = np.array([[[0, 1, -1], [-1, -1, 2]]])
    union, flips = union_of_cycle([a, b])
    assert union.tolist() == [[[0, 0, 1], [1, -1, 2]]]
    assert flips == 5  # every state but one differs between the two maps
    same, none = union_of_cycle([a, a.copy()])
    assert np.array_equal(same, a) and none == 0


@pytest.mark.slow
def test_a_cycling_map_is_an_error_by_default_and_names_the_states() -> None:
    sc = Scenario.load("krickovic2016", [*BASE, "decisions.fixed_point_max=12"])
    forward.clear_cache()
    with pytest.raises(ForwardSolverError) as err:
        forward.solve(sc, "piecemeal")
    text = str(err.value)
    assert "\n" not in text and "decisions.fixed_point_max = 12" in text
    assert "(s=0, tau_A=0.1, tau_B=0.2)" in text and "(s=0, tau_A=0.2, tau_B=0.1)" in text
    assert 'decisions.cycles = "union"' in text


@pytest.mark.slow
def test_union_solves_under_both_maps_and_reports_the_flipping_states() -> None:
    sc = Scenario.load("krickovic2016", [*BASE, "decisions.cycles=union"])
    forward.clear_cache()
    sol = forward.solve(sc, "piecemeal")
    assert sol.cycle_states == 2  # the mirror pair (0.1, 0.2) and (0.2, 0.1)
    # the union tables the first rung (priority 0) at both states of the pair
    assert sol.tabled[0, 5, 10] == 0 and sol.tabled[0, 10, 5] == 0
    assert sc.analyze()["forward"]["protocols"]["piecemeal"]["solver"]["cycle_states"] == 2


def test_rung_thresholds_tend_to_the_myopic_ones_as_delta_falls() -> None:
    """At delta near 0 each rung's forward threshold is section 3.2's b / (a + b)."""
    sc = Scenario.load(
        "krickovic2016",
        ["decisions.rule=forward", "decisions.grid_points=51", "scenario.discount_factor=1e-6"],
    )
    rungs = sc.analyze()["forward"]["protocols"]["piecemeal"]["rungs"]
    # md_transparency (1, -0.2, 0.2, 0) at k = 1: a = 0.8, b = 0.2 + 0.4 = 0.6 -> 3/7
    assert rungs["md_transparency"]["NATO"] == pytest.approx(3 / 7, abs=1e-4)
    for name, row in rungs.items():
        arr = sc.arrangements[name].payoffs[0]
        R, S, T, P = arr.R, arr.S, arr.T, arr.P
        a, b = R - T, (P - S) + 1.0 * (T - S)
        assert row["NATO"] == pytest.approx(b / (a + b), abs=1e-4), name
