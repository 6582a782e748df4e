"""The gallery sentence of ``power_shift`` says what its CSV shows (docs/model.md section 14).

Each number the README states about the figure is recomputed here from the
committed ``figures/power_shift.csv``, and the sentence holding it is
checked to be in the README, so text and data cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from binding_sim.plot.figures import read_figure_csv

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def power() -> pd.DataFrame:
    data, meta, draw = read_figure_csv(ROOT / "figures" / "power_shift.csv")
    assert draw == "binding_sim.plot.power:power_shift_figure"
    assert meta["quick"] is False
    return data


def test_power_shift_sentence(power: pd.DataFrame) -> None:
    text = " ".join(README.split())
    assert (
        "up to 49% of replicates end at war under the formal treaty (`eta = 0.5`, `C = 16`), "
        "against at most 5% under piecemeal binding"
    ) in text
    formal = power[power["protocol"] == "formal"]
    top = formal.loc[formal["share_war"].idxmax()]
    assert round(100 * float(top["share_war"])) == 49
    assert float(top["conversion_rate"]) == 0.5 and float(top["war_cost"]) == 16.0
    piecemeal = power[power["protocol"] == "piecemeal"]
    assert round(100 * float(piecemeal["share_war"].max())) == 5


def test_power_shift_marks_the_critical_cost(power: pd.DataFrame) -> None:
    # C* = G / (1 - delta) (1 - k*_F / K0), K0 = eta G delta / (1 - delta) / 4, k*_F = 1/2
    for eta, rows in power.groupby("conversion_rate"):
        k0 = float(eta) * 0.95 / 0.05 / 4
        expected = max(0.0, 20.0 * (1 - 0.5 / k0))
        assert rows["critical_war_cost"].to_numpy() == pytest.approx(expected, abs=1e-6)
