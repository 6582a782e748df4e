"""Gallery sentences of the figures without a test file of their own, checked against the CSVs.

Every number the README states about ``trust_rate_sweep``, ``trajectories``,
``phase_diagram``, ``spiral``, ``catch22_map`` and ``strategy_evolution`` is
recomputed from the committed ``figures/NAME.csv``, and each qualitative word
("more often and sooner", "collapses", "earlier", "tops the ranking") is
checked as the inequality it stands for. Trust paths are checked against the
update rule of docs/model.md section 4 computed here by hand, and the
Catch-22 bands against ``tau* = b / (a + b)`` of section 3.2.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from binding_sim.plot.figures import read_figure_csv

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "figures"
README = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())


def _csv(name: str) -> tuple[pd.DataFrame, dict]:
    data, meta, _ = read_figure_csv(FIGURES / f"{name}.csv")
    assert meta["quick"] is False
    return data, meta


def _says(text: str) -> None:
    assert " ".join(text.split()) in README


def test_trust_rate_sweep_sentence() -> None:
    data, _ = _csv("trust_rate_sweep")
    pm = data[data["protocol"] == "piecemeal"].sort_values("trust.building_rate")
    share = pm["share_bound"].to_numpy(float)
    assert (round(100 * share.min()), round(100 * share.max())) == (44, 90)
    assert (np.diff(share) >= 0).all()  # more often the faster trust builds
    rounds = pm["time_to_bind_median"].to_numpy(float)
    assert (np.diff(rounds) <= 0).all() and rounds[0] > rounds[-1]  # and sooner
    _says(
        "The piecemeal ladder binds in 44% to 90% of runs, more often and sooner the "
        "faster trust builds."
    )


def test_trajectories_sentence() -> None:
    data, meta = _csv("trajectories")
    assert meta["thresholds"]["$\\tau^*_F$"] == pytest.approx(0.6)
    for actor in meta["actors"]:
        formal = data[(data["protocol"] == "formal") & (data["actor"] == actor)]
        formal = formal.set_index("round")
        # every refused offer is a perceived defection: tau <- tau (1 - mu), mu = 0.5
        for t in (1, 5, 10):
            assert formal.loc[t, "q90"] == pytest.approx(0.5 * 0.5**t)
        assert formal.loc[10, "q90"] < 0.001
        pm = data[(data["protocol"] == "piecemeal") & (data["actor"] == actor)].set_index("round")
        # median path without incidents: tau <- tau + 0.1 (1 - tau) every round (lambda = 0.1)
        tau = 0.5
        for t in (1, 2, 3):
            tau += 0.1 * (1 - tau)
            assert pm.loc[t, "q50"] == pytest.approx(tau)
        assert pm.loc[2, "q50"] < 0.6 <= pm.loc[3, "q50"]  # past tau*_F within three rounds
        # it binds in round 4: trust moves once more, then is frozen
        frozen = pm.loc[4:, "q50"].to_numpy(float)
        assert frozen == pytest.approx(np.full(frozen.shape, tau + 0.1 * (1 - tau)))
        assert pm.loc[50, "q10"] < 0.001
    _says(
        "Under the formal protocol trust collapses within ten rounds (each refused offer "
        "halves it, to below 0.001 by round 10); under the piecemeal ladder the median run "
        "climbs past the treaty's threshold 0.6 within three rounds and binds, while the "
        "10-90% band shows the minority that an incident drives into the mistrust trap (by "
        "round 50 the 10% quantile is below 0.001)."
    )


def test_phase_diagram_sentence() -> None:
    data, _ = _csv("phase_diagram")
    eps = data["actors.*.incident_rate"].to_numpy(float)
    lam = data["trust.building_rate"].to_numpy(float)
    # lambda*(epsilon) by hand (docs/model.md section 9.4): mu = 0.05, tau*_F = 0.6, w = 1
    lam_star = eps * 0.05 * 0.6 / ((1 - eps) * 0.4)
    assert np.allclose(data["lambda_star"], lam_star)
    ratio = lam / lam_star
    share = data["share_bound"].to_numpy(float)
    assert share[ratio < 0.5].max() <= 0.0025
    assert share[ratio > 2].min() >= 0.99
    assert (ratio < 0.5).sum() > 20 and (ratio > 2).sum() > 20
    assert np.all(np.diff(np.sort(np.unique(lam_star))) > 0)  # rises with the incident rate
    _says(
        "across the analytic `lambda*(epsilon)` curve (at most 0.0025 below half of "
        "`lambda*`, at least 0.99 above twice it)"
    )


def test_spiral_sentence() -> None:
    data, _ = _csv("spiral")
    eps, mu, phi = "actors.*.incident_rate", "trust.erosion_rate", "trust.recovery_rate"
    mean = data.groupby(phi)["share_trapped"].mean()
    assert [round(float(mean[p]), 2) for p in (0.0, 0.2, 0.5)] == [0.33, 0.32, 0.26]
    corner = data[np.isclose(data[eps], data[eps].max()) & np.isclose(data[mu], data[mu].max())]
    assert len(corner) == 3 and set(corner["share_trapped"].round(2)) == {0.75}
    assert corner["share_trapped"].nunique() == 1  # not at all: the same at every phi
    assert np.isclose(data["share_trapped"].max(), corner["share_trapped"].iloc[0])
    _says(
        "(the share trapped, averaged over the map, is 0.33 without recovery, 0.32 at "
        "`phi = 0.2` and 0.26 at `phi = 0.5`), and not at all with the most frequent "
        "incidents and the strongest erosion (0.75 at every `phi`)"
    )


def test_catch22_preset_sits_in_the_piecemeal_band() -> None:
    data, meta = _csv("catch22_map")
    k, tau = meta["point"]
    assert (k, tau) == (1.0, 0.5)
    # at k = 1: tau*_F = 6 / 10 = 0.6 and the first rung's tau* = 0.6 / 1.4 = 0.429
    assert (0.6 / 1.4) <= tau < 0.6
    x, y = meta["x"], meta["y"]
    near = data.iloc[((data[x] - k).abs() + (data[y] - tau).abs()).argsort()[:1]]
    assert near["region"].iloc[0] == "piecemeal_only"
    _says("thresholds (light blue), where the 2016 essay's preset sits")


def test_strategy_evolution_sentence() -> None:
    data, _ = _csv("strategy_evolution")
    first_full: dict[str, float] = {}
    for arrangement, rows in data.groupby("arrangement"):
        k_pd = float(rows["k_pd"].iloc[0])
        winners = []
        for k, cell in rows.groupby("relative_gains"):
            top = cell.loc[cell["share"].idxmax()]
            if cell["reciprocating_share"].iloc[0] == pytest.approx(1.0):
                first_full.setdefault(str(arrangement), float(k))
                if not winners or winners[-1] != top["player"]:
                    winners.append(top["player"])
        # reciprocators take the whole population before the game becomes a PD: WSLS, then Grim
        assert first_full[str(arrangement)] < k_pd
        assert winners == ["wsls", "grim"]
        high = rows[rows["relative_gains"] == rows["relative_gains"].max()]
        assert high.loc[high["rank"] == 1, "player"].tolist() == ["alld"]  # tops the ranking
        assert high.loc[high["share"].idxmax(), "player"] == "grim"  # wins the evolution
    assert first_full["formal"] < first_full["md_transparency"]  # earlier for the treaty
    _says(
        "reciprocators take the whole population (WSLS, then Grim), earlier for the "
        "high-stakes formal treaty than for the transparency rung; at high `k` AllD tops the "
        "tournament ranking yet Grim wins the evolution."
    )
