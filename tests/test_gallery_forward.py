"""The gallery sentences of the forward-looking figures say what their CSVs show (docs/model.md section 13).

Each number the README states about ``shadow_of_future`` is recomputed here
from the committed CSV, and the thresholds are checked against the
independent one-dimensional value iteration of ``tests/forward_reference.py``
(the figure's solver runs on 51 grid points, so within 2e-3).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from forward_reference import solve as reference

from binding_sim.plot.figures import read_figure_csv

ROOT = Path(__file__).resolve().parents[1]
README = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())


@pytest.fixture(scope="module")
def shadow() -> tuple[pd.DataFrame, dict]:
    data, meta, draw = read_figure_csv(ROOT / "figures" / "shadow_of_future.csv")
    assert draw == "binding_sim.plot.forward:shadow_of_future_figure"
    assert meta["quick"] is False
    return data, meta


def _series(data: pd.DataFrame, quantity: str, protocol: str, binding: str) -> pd.Series:
    rows = data[
        (data["quantity"] == quantity)
        & (data["protocol"] == protocol)
        & (data["binding"] == binding)
    ]
    return rows.set_index("discount_factor")["value"].astype(float).sort_index()


def test_shadow_of_future_thresholds(shadow: tuple[pd.DataFrame, dict]) -> None:
    data, meta = shadow
    assert (
        "the formal treaty's threshold falls from 0.6 (myopic) to 0.055 at `delta = 0.95` "
        "and below the initial trust of 0.5 from `delta = 0.3515`"
    ) in README
    absorbing = _series(data, "tau_star", "formal", "absorbing")
    assert absorbing[0.0] == pytest.approx(0.6, abs=1e-12)  # b / (a + b), section 3.2
    assert round(absorbing[0.95], 3) == 0.055
    assert absorbing.is_monotonic_decreasing
    for delta in (0.5, 0.9, 0.95):  # against the independent 1-D value iteration
        ref = reference(delta, n_grid=2001).tau_star
        assert absorbing[delta] == pytest.approx(ref, abs=2e-3)
    assert meta["initial_trust"] == 0.5 and meta["delta_critical"] == 0.3515
    assert meta["delta_critical"] == pytest.approx(0.35154, abs=1e-4)  # check 5 of section 13.9
    assert "With revocable binding the threshold stays at 0.6 at every discount factor" in README
    revocable = _series(data, "tau_star", "formal", "revocable")
    assert revocable.to_numpy() == pytest.approx(0.6, abs=1e-9)  # check 7: D = 0


def test_shadow_of_future_share_bound(shadow: tuple[pd.DataFrame, dict]) -> None:
    data, _ = shadow
    assert "so the one-off treaty binds in every run from `delta = 0.4` on" in README
    formal = _series(data, "share_bound", "formal", "absorbing")
    assert (formal[formal.index >= 0.4] == 1.0).all() and (formal[formal.index < 0.4] == 0).all()
    assert "and the treaty never binds" in README
    assert (_series(data, "share_ever_bound", "formal", "revocable") == 0.0).all()
    ever = _series(data, "share_ever_bound", "piecemeal", "revocable")
    end = _series(data, "share_bound", "piecemeal", "revocable")
    assert "binds at some point in 82% to 99% of runs under revocable binding" in README
    assert (round(100 * ever.min()), round(100 * ever.max())) == (82, 99)
    assert "but broken treaties leave only 13.1% to 34.5% bound at the horizon" in README
    assert (round(100 * end.min(), 1), round(100 * end.max(), 1)) == (13.1, 34.5)
    assert "(100% from `delta = 0.3` when binding is absorbing)" in README
    piecemeal = _series(data, "share_bound", "piecemeal", "absorbing")
    assert (piecemeal[piecemeal.index >= 0.3] == 1.0).all() and piecemeal[0.2] < 1.0


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    data, meta, draw = read_figure_csv(ROOT / "figures" / "starting_small.csv")
    assert draw == "binding_sim.plot.forward:starting_small_figure"
    assert meta["quick"] is False and meta["scenario"] == "kydd_reassurance"
    return data


def _design(data: pd.DataFrame, series: str, design: str) -> pd.DataFrame:
    return data[(data["series"] == series) & (data["design"] == design)].sort_values("position")


def test_starting_small_sentence(small: pd.DataFrame) -> None:
    text = README
    assert (
        "finds small stakes that fall along the ladder (scales 0.21 then 0.12 at the preset's "
        "`beta = 5`, 0.51 then 0.24 at `beta = 2`)"
    ) in text
    for series, expected in (
        ("myopic, beta = 5 (preset)", (0.21, 0.12)),
        ("myopic, beta = 2", (0.51, 0.24)),
    ):
        best = _design(small, series, "optimal")
        reached = best[best["reached"].astype(bool)]
        assert tuple(round(float(x), 2) for x in reached["scale"]) == expected
        assert reached["scale"].is_monotonic_decreasing and (reached["scale"] < 1).all()
    assert (
        "they raise the share bound from 0.207 with the written stakes to 0.496 (0.362 to 0.473 "
        "at `beta = 2`), though the best common scale for all rungs already reaches 0.470 "
        "(0.444), within two standard errors"
    ) in text
    for series, written, optimal, uniform in (
        ("myopic, beta = 5 (preset)", 0.207, 0.496, 0.470),
        ("myopic, beta = 2", 0.362, 0.473, 0.444),
    ):
        got = {d: _design(small, series, d).iloc[0] for d in ("as written", "optimal", "uniform")}
        assert round(float(got["as written"]["objective"]), 3) == written
        assert round(float(got["optimal"]["objective"]), 3) == optimal
        assert round(float(got["uniform"]["objective"]), 3) == uniform
        gap = float(got["optimal"]["objective"]) - float(got["uniform"]["objective"])
        assert 0 <= gap < 2 * float(got["optimal"]["objective_se"])
    # at best response acceptance does not depend on scale (docs/model.md section 13.8)
    assert "(`beta = inf`) the share bound is 0.420 whatever the stakes" in text
    flat = small[small["series"] == "myopic, beta = inf"]
    assert flat["objective"].nunique() == 1 and round(float(flat["objective"].iloc[0]), 3) == 0.42
