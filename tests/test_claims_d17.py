"""Sentences of README, docs and preset comments checked against the committed figure CSVs.

Each test recomputes the number a sentence rests on, by hand or from the CSV
of ``figures/``, and checks the sentence says what the numbers say: the
strategy_evolution plateau is AllC's (GTFT is AllC in an assurance game),
dropping a rung changes the piecemeal share bound not at all, the formal
treaty fails on the round-1 inequality ``tau_0 < tau*_F``, the Stag Hunt
spans all three Catch-22 regions (and its label sits at the class boundary),
a rung's acceptability is its threshold (scale-free), and
``exporting_security2010`` binds in round 1 whatever its inert values.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from binding_sim.config.scenario import Scenario
from binding_sim.dynamics.engine import simulate
from binding_sim.plot.figures import read_figure_csv

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "figures"
README = (ROOT / "README.md").read_text(encoding="utf-8")
PRESETS = ROOT / "binding_sim" / "config" / "presets"


def _tau_star(R: float, S: float, T: float, P: float, k: float, theta_s: float = 0.0) -> float:
    """docs/model.md section 3 at best response: tau* = b / (a + b)."""
    a = R + theta_s - T
    b = (P - S) + k * (T - S)
    return b / (a + b)


def _flat(text: str) -> str:
    return " ".join(text.split())


# ------------------------------------------------------------------ strategy_evolution
def test_strategy_evolution_low_k_plateau_is_allc() -> None:
    data = pd.read_csv(FIGURES / "strategy_evolution.csv", comment="#")
    for arrangement, (R, S, T) in {
        "formal": (6, -2, 2),
        "md_transparency": (1, -0.2, 0.2),
    }.items():
        rows = data[data["arrangement"] == arrangement]
        # k_PD by hand (symmetric payoffs, trust 0.5): k = (R - T) / ((T - S)(1 - tau))
        k_pd = (R - T) / ((T - S) * 0.5)
        assert rows["k_pd"].iloc[0] == pytest.approx(k_pd)
        low = rows[rows["relative_gains"] < k_pd]
        for _, cell in low.groupby("relative_gains"):
            score = cell.set_index("player")["mean_score"]
            assert score["gtft"] == pytest.approx(score["allc"], abs=1e-12)  # GTFT plays AllC
            plateau = cell[cell["share"] > 1e-6]
            if set(plateau["player"]) == {"allc", "gtft"}:
                # the 0.5 "reciprocating share" is GTFT's, i.e. AllC: no reciprocity survives
                assert cell["reciprocating_share"].iloc[0] == pytest.approx(0.5)
        assert any(
            set(c[c["share"] > 1e-6]["player"]) == {"allc", "gtft"}
            for _, c in low.groupby("relative_gains")
        )
    text = _flat(README)
    assert "unconditional cooperation survives alongside reciprocity" not in text
    assert "GTFT is AllC there" in text


def test_strategy_evolution_axis_label_says_gtft_is_allc() -> None:
    data, meta, draw = read_figure_csv(FIGURES / "strategy_evolution.csv")
    from binding_sim.plot.figures import draw_function

    fig = draw_function(draw)(data, meta)
    labels = [ax.get_ylabel() for ax in fig.axes]
    plt.close(fig)
    assert any("GTFT = AllC" in label for label in labels)
    assert not any(label.startswith("long-run share of reciprocators") for label in labels)


# ------------------------------------------------------------------ piecemeal_instruments
def test_dropping_caps_or_buffer_zone_changes_nothing() -> None:
    data = pd.read_csv(FIGURES / "piecemeal_instruments.csv", comment="#")
    ladders = data[data["group"] == "ladder"].set_index("label")["share_bound"]
    full = ladders["full ladder"]
    assert ladders["without interceptor_caps"] == full
    assert ladders["without buffer_zone"] == full
    assert f"{full:.3f}" in README
    text = _flat(README)
    assert "from the ladder changes nothing here" in text
    assert "changes little" not in text


# ------------------------------------------------------------------ trust_rate_sweep
def test_formal_fails_on_the_round_one_inequality() -> None:
    scenario = Scenario.load("krickovic2016")
    tau_f = _tau_star(6, -2, 2, 0, k=1.0)  # a = 4, b = 2 + 4 = 6
    assert tau_f == pytest.approx(0.6)
    assert 0.5 < tau_f
    for actor in scenario.actor_names:
        assert float(scenario.analyze()["arrangements"]["formal"]["tau_star"][actor]) == (
            pytest.approx(tau_f)
        )
    data = pd.read_csv(FIGURES / "trust_rate_sweep.csv", comment="#")
    assert (data[data["protocol"] == "formal"]["share_bound"] == 0).all()
    text = _flat(README)
    assert "trust only erodes" not in text
    assert "round-1 inequality" in text and "`tau*_F = 0.6`" in text


# ------------------------------------------------------------------ catch22_map
def test_stag_hunt_spans_every_region_and_its_label_sits_at_the_boundary() -> None:
    data, meta, draw = read_figure_csv(FIGURES / "catch22_map.csv")
    regions = set(data[data["class_A"] == "stag_hunt"]["region"])
    assert regions == {"formal", "piecemeal_only", "neither"}
    from binding_sim.plot.figures import draw_function

    fig = draw_function(draw)(data, meta)
    ax = fig.axes[0]
    labels = {
        t.get_text(): t for t in ax.texts if "Stag Hunt" in t.get_text() or "PD" in t.get_text()
    }
    plt.close(fig)
    stag = next(t for name, t in labels.items() if "Stag Hunt" in name)
    assert "\u2191" in stag.get_text()  # points up, into the area above the boundary
    x, y = stag.xy  # the anchor: a Stag Hunt cell next to a cell of another class
    xs = np.sort(data[meta["x"]].unique())
    ys = np.sort(data[meta["y"]].unique())
    step_x, step_y = xs[1] - xs[0], ys[1] - ys[0]
    near = data[
        (abs(data[meta["x"]] - x) <= step_x * 1.01) & (abs(data[meta["y"]] - y) <= step_y * 1.01)
    ]
    assert set(near["class_A"]) > {"stag_hunt"}
    text = _flat(README)
    assert "the Stag Hunt covers the whole area above it, across all three regions" in text


# ------------------------------------------------------------------ preset comments
def test_rung_comments_credit_the_threshold_not_the_scale() -> None:
    text = (PRESETS / "krickovic2016.toml").read_text(encoding="utf-8")
    assert "acceptable at low trust (tau*" not in text
    tau = _tau_star(1.0, -0.2, 0.2, 0.0, k=1.0)
    assert tau == pytest.approx(_tau_star(10.0, -2.0, 2.0, 0.0, k=1.0))  # scale-free
    assert f"tau* = {tau:.3f} < tau_0 = 0.5" in text
    assert "not their scale" in text or "not on\n# their scale" in text
    assert _tau_star(1.0, -0.3, 0.3, 0.0, k=1.0) == pytest.approx(0.5625)


def test_exporting_security_binds_in_round_one_whatever_its_inert_values() -> None:
    text = (PRESETS / "exporting_security2010.toml").read_text(encoding="utf-8")
    assert "inert" in text
    # by hand: a = 6 + 3 - 2 = 7, b = 2 + k * 4; NATO k = 0.5, Russia k = 1
    assert _tau_star(6, -2, 2, 0, k=0.5, theta_s=3.0) == pytest.approx(4 / 11)
    assert _tau_star(6, -2, 2, 0, k=1.0, theta_s=3.0) == pytest.approx(6 / 13)
    assert f"tau* = {4 / 11:.3f} for NATO, {6 / 13:.3f} for Russia" in _flat(text)
    preset = Scenario.load("exporting_security2010")
    changed = preset.with_values(
        {
            "trust.building_rate": 0.01,
            "trust.erosion_rate": 0.9,
            "trust.recovery_rate": 0.2,
            "actors.*.incident_rate": 0.3,
        }
    )
    for scenario, horizon in ((preset, None), (changed, 7)):
        out = simulate(scenario, "formal", 200, 5, horizon=horizon)
        assert out.values["share_bound"] == 1.0
        assert out.values["time_to_bind_median"] == 1
