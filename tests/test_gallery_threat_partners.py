"""The gallery sentences of ``threat_channels`` and ``partners`` say what their CSVs show.

Each number the README and docs/figures.md state about the two figures is
recomputed here from the committed ``figures/NAME.csv``, and the sentence
holding it is checked to be in the README, so text and data cannot drift
apart. The values themselves are checked against docs/model.md section 15.5
in ``tests/test_threat_channels.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from binding_sim.plot.figures import read_figure_csv

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
X = "actors.Russia.initial_trust"
RHO = "scenario.threat_dilution"
PANEL = "scenario"
TREATY, GUARANTEE = "exporting_security2010", "exporting_security2010_guarantee"


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def threat() -> pd.DataFrame:
    data, meta, draw = read_figure_csv(ROOT / "figures" / "threat_channels.csv")
    assert draw == "binding_sim.plot.threat:threat_channels_figure"
    assert meta["quick"] is False and meta["scenario"] == TREATY
    return data


@pytest.fixture(scope="module")
def partners() -> tuple[pd.DataFrame, dict]:
    data, meta, draw = read_figure_csv(ROOT / "figures" / "partners.csv")
    assert draw == "binding_sim.plot.partners:partners_figure"
    assert meta["quick"] is False
    return data, meta


def _theta(data: pd.DataFrame, panel: str, rho: float, tau: float) -> float:
    row = data[(data[PANEL] == panel) & np.isclose(data[RHO], rho) & np.isclose(data[X], tau)]
    assert len(row) == 1, (panel, rho, tau)
    return float(row["theta_star"].iloc[0])


def _responder_theta(tau: float, rho: float) -> float:
    """docs/model.md 15.2 for the guarantee's responder: A0 = R_N - T_N = 1, a1 = s = 1,
    K = k (1 - tau) L = 4 (1 - tau) (Russia's k = 1, L = (T_N - S_M) - (R_N - R_M) = 4):
    the positive root of Q = rho theta^2 + (1 + rho) theta + (1 - K); NATO accepts at 0."""
    K = 4.0 * (1.0 - tau)
    if K <= 1.0:
        return 0.0
    if rho == 0.0:
        return K - 1.0
    b, c = 1.0 + rho, 1.0 - K
    return (-b + np.sqrt(b * b - 4.0 * rho * c)) / (2.0 * rho)


def test_threat_channels_sentence(threat: pd.DataFrame) -> None:
    text = _flat(README)
    assert (
        "at Russia's initial trust 0.1, `theta*` is 50 with the liberal channel alone "
        "and 16.1 with `rho = 1` (2 and 0.56 at the preset's 0.5; none is needed from 0.6)"
    ) in text
    assert round(_theta(threat, TREATY, 0.0, 0.1), 6) == 50.0
    assert round(_theta(threat, TREATY, 1.0, 0.1), 1) == 16.1
    assert round(_theta(threat, TREATY, 0.0, 0.5), 6) == 2.0
    assert round(_theta(threat, TREATY, 1.0, 0.5), 2) == 0.56
    # "none is needed from 0.6": theta* = 0 exactly from tau_0 = 0.6 on, and only there
    left = threat[threat[PANEL] == TREATY]
    zero = left[left["theta_star"] == 0.0]
    assert zero.groupby(RHO)[X].min().round(9).eq(0.6).all()
    assert (left[left[X] >= 0.6 - 1e-12]["theta_star"] == 0.0).all()
    # the realist channel needs less than the liberal one wherever trust is below 0.6
    for rho in (0.5, 1.0, 2.0):
        low = left[(left[X] > 0.0) & (left[X] < 0.6 - 1e-12)]
        lib = low[low[RHO] == 0.0].set_index(X)["theta_star"]
        rea = low[low[RHO] == rho].set_index(X)["theta_star"]
        assert (rea < lib).all()
    assert (
        "No threat of either kind moves a fully distrustful Russia to the bilateral treaty (left)."
    ) in text
    assert all(np.isnan(_theta(threat, TREATY, rho, 0.0)) for rho in (0.0, 0.5, 1.0, 2.0))
    # the unilateral guarantee (right): every value against the closed form of 15.2
    assert (
        "NATO's unilateral guarantee (right, `exporting_security2010_guarantee`: Russia responds "
        "having seen the extension, so it earns the liberal term in full) needs less where trust "
        "is low: 1 with the liberal channel alone and 0.41 with `rho = 1` at Russia's 0.5, and "
        "even at trust 0 only 3 and 1. It needs less than the treaty below Russia's trust 0.52 "
        "and more from 0.56 to 0.75 at every `rho`, where Russia would still hedge; none is "
        "needed from 0.75 (analysis only)."
    ) in text
    right = threat[threat[PANEL] == GUARANTEE]
    for tau, rho, got in right[[X, RHO, "theta_star"]].itertuples(index=False):
        assert got == pytest.approx(_responder_theta(tau, rho), rel=1e-7, abs=1e-12)
    assert round(_theta(threat, GUARANTEE, 0.0, 0.5), 6) == 1.0
    assert round(_theta(threat, GUARANTEE, 1.0, 0.5), 2) == 0.41
    assert round(_theta(threat, GUARANTEE, 0.0, 0.0), 6) == 3.0
    assert round(_theta(threat, GUARANTEE, 1.0, 0.0), 6) == 1.0
    zero = right[right["theta_star"] == 0.0]
    assert zero.groupby(RHO)[X].min().round(9).eq(0.75).all()
    assert (right[right[X] >= 0.75 - 1e-12]["theta_star"] == 0.0).all()
    # less than the treaty below 0.52 (where the treaty has no theta*, any finite one is less),
    # more from 0.56 up to 0.75, at every rho
    both = left.merge(right, on=[RHO, X], suffixes=("_treaty", "_guarantee"))
    g, t = both["theta_star_guarantee"], both["theta_star_treaty"]
    below = both[X] < 0.52
    assert ((g[below] < t[below]) | t[below].isna()).all()
    middle = (both[X] >= 0.56 - 1e-12) & (both[X] < 0.75 - 1e-12)
    assert (g[middle] > t[middle]).all()
    assert list(pd.unique(threat[PANEL])) == [TREATY, GUARANTEE]


def test_partners_sentence(partners: tuple[pd.DataFrame, dict]) -> None:
    data, meta = partners
    text = _flat(README)
    assert (
        "Without any common threat, the 2010 essay's three non-voting partners (`N = 5`) "
        "lower Russia's treaty threshold `tau*_N` from 0.60 to 0.40, below its initial trust "
        "of 0.5, and raise the relative-gains sensitivity it tolerates from 0.5 to 8, above "
        "its `k = 1`: the partners alone make the treaty acceptable"
    ) in text
    assert meta["theta"] == 0.0 and meta["n_partners"] == 3 and len(meta["partners"]) == 3
    russia = data[data["actor"] == "Russia"].set_index("N")
    assert round(russia.loc[2, "tau_star"], 2) == 0.60
    assert round(russia.loc[5, "tau_star"], 2) == 0.40
    assert russia.loc[5, "tau_star"] < russia.loc[5, "initial_trust"] == 0.5
    assert russia.loc[2, "k_star"] == pytest.approx(0.5, rel=1e-7)
    assert russia.loc[5, "k_star"] == pytest.approx(8.0, rel=1e-7)
    assert russia.loc[5, "relative_gains"] == 1.0
    assert bool(russia.loc[5, "accepted_at_start"]) and not bool(
        russia.loc[2, "accepted_at_start"]
    )
    assert "`tau*_N` falls toward `(P - S)/(R - T + P - S) = 1/3` (0.36 at `N = 10`" in text
    assert data["tau_star_limit"].iloc[0] == pytest.approx(1 / 3, rel=1e-7)
    assert round(russia.loc[10, "tau_star"], 2) == 0.36
    assert russia["tau_star"].is_monotonic_decreasing
    assert (russia["tau_star"] > data["tau_star_limit"].iloc[0]).all()


def test_figures_md_lists_both(threat: pd.DataFrame) -> None:
    md = (ROOT / "docs" / "figures.md").read_text(encoding="utf-8")
    assert "| `threat_channels` |" in md and "| `partners` |" in md
    assert "grid 2 scenarios x 4 x 201" in md and len(threat) == 2 * 4 * 201
