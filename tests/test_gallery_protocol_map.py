"""The gallery sentence of ``protocol_map`` says what its CSV shows.

Every number of the README sentence is recomputed from the committed
``figures/protocol_map.csv`` (shares as whole percentages, welfare to one
decimal), and where each protocol binds is checked against closed forms
derived here by hand, independently of the analysis module: with
best-responding actors an actor accepts a symmetric game at trust ``tau``
iff ``tau >= b / (a + b)`` with ``a = R + theta s - T`` and
``b = (P - S) + k (T - S)`` (docs/model.md section 3.2), the formal treaty
binds in round 1 iff both accept it at the start and never otherwise
(section 9.3), and the piecemeal ladder can start iff both accept its first
rung (section 5.3).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from binding_sim.plot.figures import read_figure_csv
from binding_sim.plot.protocol_map import binding_regions

ROOT = Path(__file__).resolve().parents[1]
README = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
SENTENCE = (
    "With best-responding actors the formal treaty binds, in round 1, exactly where both "
    "actors accept it at the start (`tau_0 >= tau*_F(k)`) and never elsewhere; the piecemeal "
    "ladder binds in more than half of the runs wherever its first rung is accepted at the "
    "start, a band below the treaty's threshold in which it binds in 75% to 93% of runs, by "
    "round 6 at the latest (median). The 2016 preset sits in that band: the ladder binds in "
    "83% of runs, by round 4, at a welfare of 90.8 (binding in round 1 is worth 120), where "
    "the formal treaty binds in none and is worth 0. In the 2010 setting with the 2016 ladder "
    "added, the ladder binds in 80% to 95% of runs wherever the treaty alone fails and its "
    "first rung is accepted (without any common threat at Russia's `k = 1`, 82% by round 4); "
    "at the 2010 preset (`theta = 3`) both bind in round 1. No cell has the formal treaty "
    "binding without the ladder, which tables the treaty first whenever both accept it."
)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    data, meta, draw = read_figure_csv(ROOT / "figures" / "protocol_map.csv")
    assert draw == "binding_sim.plot.protocol_map:protocol_map_figure"
    assert meta["quick"] is False
    assert meta["maps"] == ["krickovic2016", "exporting_security2010_ladder"]
    assert meta["presets"] == ["krickovic2016", "exporting_security2010"]
    return data


def _map(data: pd.DataFrame, name: str) -> pd.DataFrame:
    return data[data["map"] == name]


def _pct(x: float) -> int:
    return round(100 * float(x))


def _accepts(tau: np.ndarray, R: float, S: float, T: float, P: float, k, theta_s=0.0):
    """Best response at trust ``tau`` (docs/model.md section 3.2): ``tau >= b / (a + b)``."""
    a = R + theta_s - T
    b = (P - S) + k * (T - S)
    return tau * a - (1 - tau) * b >= -1e-12


def _away(margin: np.ndarray) -> np.ndarray:
    return np.abs(margin) > 1e-6


def test_sentence_is_in_the_readme() -> None:
    assert SENTENCE in README


def test_2016_map_against_the_thresholds(table: pd.DataFrame) -> None:
    rows = _map(table, "krickovic2016")
    assert set(rows["x_key"]) == {"actors.*.relative_gains"}
    assert set(rows["y_key"]) == {"actors.*.initial_trust"}
    cells = binding_regions(rows)
    k, tau = cells["x"].to_numpy(), cells["y"].to_numpy()
    formal = _accepts(tau, 6, -2, 2, 0, k)  # the treaty, both actors alike
    rung = _accepts(tau, 1, -0.2, 0.2, 0, k)  # md_transparency, the first rung
    clear = _away(tau * 4 - (1 - tau) * (2 + 4 * k)) & _away(
        tau * 0.8 - (1 - tau) * (0.2 + 0.4 * k)
    )
    assert clear.sum() > 0.9 * len(cells)
    assert ((cells["formal"] > 0.5) == formal)[clear].all()
    assert ((cells["piecemeal"] > 0.5) == (rung | formal))[clear].all()
    # formal: all or nothing, and in round 1
    f = rows[rows["protocol"] == "formal"]
    assert set(f["share_bound"]) == {0.0, 1.0}
    assert set(f["time_to_bind_median"].dropna()) == {1.0}
    band = cells[(cells["region"] == "piecemeal")]
    assert band["x"].nunique() > 10
    assert (_pct(band["piecemeal"].min()), _pct(band["piecemeal"].max())) == (75, 93)
    pm = rows[(rows["protocol"] == "piecemeal") & (rows["share_bound"] > 0.5)]
    assert pm["time_to_bind_median"].max() == 6


def test_2016_preset_cell(table: pd.DataFrame) -> None:
    rows = _map(table, "krickovic2016")
    at = rows[np.isclose(rows["x"], 1.0) & np.isclose(rows["y"], 0.5)].set_index("protocol")
    assert _pct(at.loc["piecemeal", "share_bound"]) == 83
    assert at.loc["piecemeal", "time_to_bind_median"] == 4
    assert round(float(at.loc["piecemeal", "welfare"]), 1) == 90.8
    assert at.loc["formal", "share_bound"] == 0.0 and at.loc["formal", "welfare"] == 0.0
    # binding in round 1 pays R_F = 6 every round, discounted by 0.95 over 200 rounds
    first_best = 6.0 * (1 - 0.95**200) / (1 - 0.95)
    assert round(first_best) == 120
    assert (rows["welfare"] <= first_best + 1e-6).all()
    # welfare is the mean of the two actors' discounted relative-gains payoffs
    mean = (rows["welfare_NATO"] + rows["welfare_Russia"]) / 2
    assert np.allclose(rows["welfare"], mean)


def test_2010_map_against_the_thresholds(table: pd.DataFrame) -> None:
    rows = _map(table, "exporting_security2010_ladder")
    assert set(rows["x_key"]) == {"scenario.common_threat"}
    assert set(rows["y_key"]) == {"actors.Russia.relative_gains"}
    cells = binding_regions(rows)
    theta, k = cells["x"].to_numpy(), cells["y"].to_numpy()
    # NATO (k = 0.5, tau_0 = 0.6) accepts the treaty and the first rung at every theta >= 0;
    assert _accepts(np.array(0.6), 6, -2, 2, 0, 0.5).all()
    assert _accepts(np.array(0.6), 1, -0.2, 0.2, 0, 0.5).all()
    # Russia (tau_0 = 0.5) accepts a game iff a >= b: the treaty iff theta >= 4k - 2 (scope 1),
    # md_transparency iff 0.8 + 0.2 theta >= 0.2 + 0.4k, i.e. theta >= 2k - 3 (scope 0.2)
    formal = _accepts(np.full_like(k, 0.5), 6, -2, 2, 0, k, theta_s=theta)
    rung = _accepts(np.full_like(k, 0.5), 1, -0.2, 0.2, 0, k, theta_s=0.2 * theta)
    assert (formal == (theta >= 4 * k - 2 - 1e-9)).all()
    assert (rung == (theta >= 2 * k - 3 - 1e-9)).all()
    clear = _away(theta - (4 * k - 2)) & _away(theta - (2 * k - 3))
    assert ((cells["formal"] > 0.5) == formal)[clear].all()
    assert ((cells["piecemeal"] > 0.5) == (rung | formal))[clear].all()
    band = cells[cells["region"] == "piecemeal"]
    assert (_pct(band["piecemeal"].min()), _pct(band["piecemeal"].max())) == (80, 95)
    at = rows[np.isclose(rows["x"], 0.0) & np.isclose(rows["y"], 1.0)].set_index("protocol")
    assert at.loc["formal", "share_bound"] == 0.0
    assert _pct(at.loc["piecemeal", "share_bound"]) == 82
    assert at.loc["piecemeal", "time_to_bind_median"] == 4
    preset = rows[np.isclose(rows["x"], 3.0) & np.isclose(rows["y"], 1.0)].set_index("protocol")
    assert (preset["share_bound"] == 1.0).all()
    assert (preset["time_to_bind_median"] == 1.0).all()


def test_no_cell_binds_formal_only(table: pd.DataFrame) -> None:
    for name in ("krickovic2016", "exporting_security2010_ladder"):
        assert "formal" not in set(binding_regions(_map(table, name))["region"])


def test_presets_are_marked_where_they_sit() -> None:
    _, meta, _ = read_figure_csv(ROOT / "figures" / "protocol_map.csv")
    # krickovic2016: k = 1, tau_0 = 0.5; exporting_security2010: theta = 3, Russia's k = 1
    assert meta["points"] == {
        "krickovic2016:x": 1.0,
        "krickovic2016:y": 0.5,
        "exporting_security2010_ladder:x": 3.0,
        "exporting_security2010_ladder:y": 1.0,
    }


def test_binding_regions_by_hand() -> None:
    rows = pd.DataFrame(
        {
            "x": [0, 0, 1, 1, 0, 0, 1, 1],
            "y": [0, 0, 0, 0, 1, 1, 1, 1],
            "protocol": ["formal", "piecemeal"] * 4,
            "share_bound": [0.6, 0.9, 0.5, 0.51, 0.7, 0.2, 0.1, 0.0],
        }
    )
    got = binding_regions(rows).set_index(["x", "y"])["region"].to_dict()
    assert got == {(0, 0): "both", (1, 0): "piecemeal", (0, 1): "formal", (1, 1): "neither"}
