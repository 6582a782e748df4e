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


# ------------------------------------------------------------------ replaced figures (item 6)
def _binding_rounds(rows: pd.DataFrame, reps: int) -> np.ndarray:
    """Each bound replicate's binding round, rebuilt from the share bound by each round."""
    rows = rows.sort_values("round")
    bound = np.rint(rows["share_bound"].to_numpy(float) * reps).astype(int)
    assert (np.diff(bound) >= 0).all()  # a cumulative distribution
    new = np.diff(np.concatenate([[0], bound]))
    return np.repeat(rows["round"].to_numpy(int), new)


def test_binding_time_sentence() -> None:
    data, meta, draw = read_figure_csv(FIGURES / "binding_time.csv")
    assert draw == "binding_sim.plot.binding:binding_time_figure"
    assert meta["scenario"] == "kydd_reassurance" and meta["quick"] is False
    x, reps = meta["x"], int(meta["reps"])
    assert x == "actors.*.decision_precision"

    def at(protocol: str, beta: float) -> np.ndarray:
        rows = data[(data["protocol"] == protocol) & np.isclose(data[x], beta)]
        assert rows["round"].max() == meta["horizon"]
        return _binding_rounds(rows, reps)

    def pct(rounds: np.ndarray) -> int:
        return round(100 * len(rounds) / reps)

    def quartiles(rounds: np.ndarray) -> list[float]:
        return [float(q) for q in np.quantile(rounds, [0.25, 0.5, 0.75])]

    pm5, f5 = at("piecemeal", 5.0), at("formal", 5.0)
    assert (pct(pm5), quartiles(pm5)) == (21, [2.0, 6.0, 15.0])
    assert pct(f5) == 8 and np.median(f5) == 97
    pm2, f2 = at("piecemeal", 2.0), at("formal", 2.0)
    assert (pct(f2), pct(pm2)) == (55, 35)
    assert (np.median(f2), np.median(pm2)) == (11, 20)
    pm10, f10 = at("piecemeal", 10.0), at("formal", 10.0)
    assert pct(pm10) == 28 and quartiles(pm10) == [2.0, 2.0, 2.0] and len(f10) == 0
    # the times spread: the binding rounds of beta = 2 and 5 span most of the horizon
    assert max(pm2.max(), f5.max()) - min(pm2.min(), f5.min()) > 150
    text = _flat(README)
    assert (
        "At the preset's precision `beta = 5` the piecemeal ladder binds 21% of runs, half of "
        "those by round 6 (quartiles 2 and 15), and the formal treaty 8%, with a median binding "
        "round of 97; with noisier decisions (`beta = 2`) the treaty binds more often than the "
        "ladder (55% against 35%) and sooner (median round 11 against 20); with sharper ones "
        "(`beta = 10`) the ladder binds 28% of runs, with all three quartiles in round 2, and "
        "the treaty none."
    ) in text


def test_welfare_sentence() -> None:
    data, meta, _ = read_figure_csv(FIGURES / "welfare.csv")
    assert meta["scenario"] == "kydd_reassurance" and meta["quick"] is False
    x = meta["x"]
    # the value of binding in round 1: R_F = 6 a round, discounted by 0.95 over 200 rounds
    assert meta["first_best"] == pytest.approx(6 * (1 - 0.95**200) / 0.05)
    assert round(meta["first_best"]) == 120
    cell = data.groupby([x, "protocol"]).agg(
        share=("share_bound", "first"), worth=("absolute", "mean")
    )

    def get(beta: float, protocol: str, what: str) -> float:
        return float(cell.loc[(beta, protocol), what])

    for beta, shares, worths in (
        (3.0, (42, 37), (11.5, 28.2)),
        (3.5, (30, 20), (5.2, 17.4)),
    ):
        assert (
            round(100 * get(beta, "formal", "share")),
            round(100 * get(beta, "piecemeal", "share")),
        ) == shares
        assert (
            round(get(beta, "formal", "worth"), 1),
            round(get(beta, "piecemeal", "worth"), 1),
        ) == worths
    betas = sorted(data[x].unique())
    more = [b for b in betas if get(b, "formal", "worth") > get(b, "piecemeal", "worth")]
    assert more == [b for b in betas if b <= 2.5]
    assert (round(get(1.0, "formal", "worth"), 1), round(get(1.0, "piecemeal", "worth"), 1)) == (
        52.6,
        13.9,
    )
    assert all(get(b, "formal", "share") < 0.01 for b in betas if b >= 8)
    assert round(get(20.0, "piecemeal", "worth"), 1) == 43.1
    assert max(betas) == 20.0
    text = _flat(README)
    assert "at decision precision `beta` = 3 and 3.5 the formal treaty binds in more runs" in text
    assert (
        "(42% and 30% against 37% and 20%) yet is worth less (mean discounted payoff 11.5 and 5.2 against 28.2 and 17.4; binding in round 1 is worth 120)"
        in text
    )
    assert (
        "(`beta <= 2.5`; 52.6 against 13.9 at `beta = 1`), and from `beta = 8` it binds in fewer than 1% of runs while the ladder's worth rises to 43.1 at `beta = 20`."
        in text
    )


def test_common_threat_binds_in_round_one_whenever_it_binds() -> None:
    data = pd.read_csv(FIGURES / "common_threat.csv", comment="#")
    x = "scenario.common_threat"
    for k, rows in data.groupby("series"):
        # theta* by hand (docs/model.md section 7.3): Russia (tau_0 = 0.5) accepts iff a >= b,
        # 4 + theta >= 2 + 4k, so theta* = 4k - 2; NATO (k = 0.5, tau_0 = 0.6) accepts at theta = 0
        theta_star = 4 * float(k) - 2
        assert rows["theta_star"].iloc[0] == pytest.approx(theta_star)
        assert (rows[rows[x] < theta_star - 1e-9]["share_bound"] == 0).all()
        assert (rows[rows[x] >= theta_star - 1e-9]["share_bound"] == 1).all()
        bound = rows[rows["share_bound"] > 0]
        for col in ("time_to_bind_q25", "time_to_bind_median", "time_to_bind_q75"):
            assert (bound[col] == 1).all()
    assert sorted(data["series"].unique()) == [1.0, 1.25, 1.5]
    text = _flat(README)
    assert "(dotted lines: 2, 3 and 4 for Russia's `k` = 1, 1.25 and 1.5)" in text
    assert (
        "it binds in round 1 whenever it binds (every quartile of the binding round in the CSV is 1)"
        in text
    )


def test_piecemeal_instruments_sentence() -> None:
    data = pd.read_csv(FIGURES / "piecemeal_instruments.csv", comment="#")
    ladders = data[data["group"] == "ladder"].set_index("label")["share_bound"]
    assert ladders["without md_transparency"] == 0
    # without md_transparency the first rung is interceptor_caps: tau* = 0.5625 > tau_0 = 0.5
    assert _tau_star(1.0, -0.3, 0.3, 0.0, k=1.0) == pytest.approx(0.5625)
    gain = data[data["group"] == "transparency_gain"].set_index("value")["share_bound"]
    assert gain.is_monotonic_increasing
    assert (round(gain[0.0], 2), round(gain[1.0], 2)) == (0.52, 0.81)
    caps = data[data["group"] == "cap_factor"].set_index("value")["share_bound"]
    assert {round(v, 2) for v in caps[caps.index <= 0.4 + 1e-9]} == {0.73}
    assert (caps[caps.index >= 0.5 - 1e-9] == ladders["full ladder"]).all()
    # caps lower the treaty's threshold (docs/model.md section 7.4): tau*_F(c) = 6c / (6 + 4c)
    taus = [_tau_star(6, -2 * c, 2 * c, 0, k=1.0) for c in (0.4, 0.5)]
    assert taus == pytest.approx([2.4 / 7.6, 3 / 8])
    text = _flat(README)
    assert "(share bound 0), while dropping the caps or the buffer zone" in text
    assert "(from 0.52 without any transparency gain to 0.81 with full gain, panel a)" in text
    assert "(0.73 for `c <= 0.4` against 0.653 from the preset's `c = 0.5` up, panel b)" in text
