"""Paper figures: every experiment in --quick mode, replot from CSV, Catch-22 map.

The whole-suite fixture runs ``binding-sim figures --quick`` once into a
temporary directory (about 20 s on 2 idle cores); the other tests read its
output or exercise small pieces.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import QuadMesh
from matplotlib.lines import Line2D

from binding_sim.cli import main
from binding_sim.config.scenario import Scenario
from binding_sim.errors import BindingSimError
from binding_sim.plot import style
from binding_sim.plot.catch22 import catch22_table, region_map
from binding_sim.plot.curves import band_line, series_lines
from binding_sim.plot.figures import (
    QUICK_AXIS,
    discover,
    load_script,
    publish,
    read_figure_csv,
    replot,
    run_figures,
    script_main,
    thin_design,
)
from binding_sim.plot.heatmap import cell_edges, heatmap

EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"
REQUIRED = {
    "catch22_map",
    "trust_rate_sweep",
    "binding_time",
    "phase_diagram",
    "trajectories",
    "piecemeal_instruments",
    "common_threat",
    "spiral",
    "welfare",
    "threat_channels",
    "partners",
    "protocol_map",
}


@pytest.fixture(scope="session")
def quick_figures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``binding-sim figures --quick`` once per test run, shared by the xdist workers."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's directory, common to every worker
    out = base / "quick_figures"
    with open(base / "quick_figures.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "done").is_file():
            out.mkdir(exist_ok=True)
            with open(out / "log.txt", "w") as log:
                run_figures(EXPERIMENTS, out, quick=True, stream=log)
            (out / "done").touch()
    return out


def test_required_experiments_exist() -> None:
    names = set(discover(EXPERIMENTS))
    assert REQUIRED <= names
    for name in REQUIRED - {"catch22_map"}:
        assert (EXPERIMENTS / f"{name}.toml").is_file(), name


def test_every_experiment_writes_pdf_png_csv(quick_figures: Path) -> None:
    for name in discover(EXPERIMENTS):
        for ext in ("pdf", "png", "csv"):
            path = quick_figures / f"{name}.{ext}"
            assert path.is_file() and path.stat().st_size > 0, path
        assert (quick_figures / f"{name}.pdf").read_bytes().startswith(b"%PDF")
        assert (quick_figures / f"{name}.png").read_bytes().startswith(b"\x89PNG")
        data, meta, draw = read_figure_csv(quick_figures / f"{name}.csv")
        assert len(data) > 0 and ":" in draw
        assert meta.get("quick") is True


def test_pngs_have_journal_widths(quick_figures: Path) -> None:
    """3.5 in or 7.2 in at 300 dpi: 1050 or 2160 pixels wide."""
    for name in discover(EXPERIMENTS):
        img = plt.imread(quick_figures / f"{name}.png")
        assert img.shape[1] in (1050, 2160), (name, img.shape)


def test_replot_from_csv_alone(quick_figures: Path, tmp_path: Path) -> None:
    for name in discover(EXPERIMENTS):
        shutil.copy(quick_figures / f"{name}.csv", tmp_path / f"{name}.csv")
    for name in discover(EXPERIMENTS):
        assert main(["replot", name, "--figures", str(tmp_path)]) == 0
        for ext in ("pdf", "png"):
            assert (tmp_path / f"{name}.{ext}").stat().st_size > 0
        # publish draws from the CSV as read back, so the redrawn figure is the same image
        same = (tmp_path / f"{name}.png").read_bytes() == (
            quick_figures / f"{name}.png"
        ).read_bytes()
        assert same, name
    assert sorted(p.suffix for p in tmp_path.iterdir()) == sorted(
        [".csv", ".pdf", ".png"] * len(discover(EXPERIMENTS))
    )


def _analyze(k: float, tau0: float, capsys: pytest.CaptureFixture[str]) -> dict:
    args = ["analyze", "krickovic2016", "--json"]
    args += [
        "--set",
        f"actors.*.relative_gains={k!r}",
        "--set",
        f"actors.*.initial_trust={tau0!r}",
    ]
    capsys.readouterr()
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_catch22_regions_agree_with_analyze(
    quick_figures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, meta, _ = read_figure_csv(quick_figures / "catch22_map.csv")
    x, y = meta["x"], meta["y"]
    first = meta["first_rung"]
    rng = np.random.default_rng(5)
    picks = []
    for region in ("formal", "piecemeal_only", "neither"):
        rows = data[data["region"] == region]
        assert len(rows) > 0, region
        picks += [
            rows.iloc[int(i)] for i in rng.choice(len(rows), size=min(3, len(rows)), replace=False)
        ]
    for row in picks:
        res = _analyze(float(row[x]), float(row[y]), capsys)
        formal = res["catch22"]["formal_accepted_at_start"]
        rung = res["arrangements"][first]["accepted_at_start"]
        expected = "formal" if formal else ("piecemeal_only" if rung else "neither")
        assert row["region"] == expected, (row[x], row[y])
        classes = res["arrangements"]["formal"]["class"]
        assert row["class_A"] == classes["NATO"] and row["class_B"] == classes["Russia"]


def test_catch22_table_matches_closed_forms() -> None:
    """krickovic2016 (F = 6, -2, 2, 0; first rung 1, -0.2, 0.2, 0), symmetric actors.

    ``Delta = tau a - (1 - tau) b`` gives ``tau* = b / (a + b)``: formal
    ``(2 + 4k) / (6 + 4k)``, first rung ``(0.2 + 0.4k) / (1 + 0.4k)``. The
    transformed treaty has ``R' = 6``, ``T' = 2 + 4 kappa``: Stag Hunt for
    ``kappa < 1``, Prisoner's Dilemma for ``kappa > 1``.
    """
    sc = Scenario.load("krickovic2016")
    ks = np.linspace(0.05, 2.95, 17)
    taus = np.linspace(0.02, 0.98, 23)
    df = catch22_table(sc, "actors.*.relative_gains", ks, "actors.*.initial_trust", taus)
    k = df["actors.*.relative_gains"].to_numpy()
    t = df["actors.*.initial_trust"].to_numpy()
    tf = (2 + 4 * k) / (6 + 4 * k)
    tr = (0.2 + 0.4 * k) / (1 + 0.4 * k)
    kap = k * (1 - t)
    clear = (np.abs(t - tf) > 1e-6) & (np.abs(t - tr) > 1e-6) & (np.abs(kap - 1) > 1e-6)
    expected = np.where(t >= tf, "formal", np.where(t >= tr, "piecemeal_only", "neither"))
    assert (df["region"].to_numpy()[clear] == expected[clear]).all()
    cls = np.where(kap < 1, "stag_hunt", "prisoners_dilemma")
    assert (df["class_A"].to_numpy()[clear] == cls[clear]).all()
    assert (df["class_B"].to_numpy()[clear] == cls[clear]).all()
    assert set(expected[clear]) == {"formal", "piecemeal_only", "neither"}


def test_catch22_unknown_key_is_one_line_error() -> None:
    sc = Scenario.load("krickovic2016")
    with pytest.raises(BindingSimError, match=r"trust\.building_rate"):
        catch22_table(sc, "trust.building_rate", [0.1], "actors.*.initial_trust", [0.5])


def test_lambda_star_matches_model_example() -> None:
    """docs/model.md section 9 item 4: epsilon = mu = 0.05, tau*_F = 0.6, w = 1 -> lambda* = 0.00395."""
    mod = load_script(EXPERIMENTS / "phase_diagram.py")
    lam = float(mod.lambda_star(np.array(0.05), 0.05, 1.0, 0.6))
    assert lam == pytest.approx(0.05 * 0.05 * 0.6 / (0.95 * 0.4))
    assert round(lam, 5) == 0.00395
    # tau_eq at lambda* equals tau*_F
    e, mu = 0.05, 0.05
    tau_eq = (1 - e) * lam / ((1 - e) * lam + e * mu)
    assert tau_eq == pytest.approx(0.6)


def test_thin_design_caps_axes_and_keeps_ends() -> None:
    raw = {
        "experiment": {"scenario": "krickovic2016"},
        "design": {
            "kind": "grid",
            "grid": {
                "a": {"start": 0.0, "stop": 1.0, "num": 30},
                "b": list(range(10)),
                "c": [1, 2],
            },
        },
    }
    thin = thin_design(raw)
    grid = thin["design"]["grid"]
    assert grid["a"]["num"] == QUICK_AXIS
    assert grid["b"][0] == 0 and grid["b"][-1] == 9 and len(grid["b"]) == QUICK_AXIS
    assert grid["c"] == [1, 2]
    assert raw["design"]["grid"]["a"]["num"] == 30  # the input is not changed


def _demo_draw(data: pd.DataFrame, meta: dict) -> plt.Figure:
    fig, ax = style.figure("single")
    band_line(data["x"], data["y"], data["lo"], data["hi"], ax=ax)
    ax.set_title(meta["title"])
    return fig


def test_publish_round_trip(tmp_path: Path) -> None:
    data = pd.DataFrame(
        {"x": [0.1, 0.2], "y": [0.25, 0.5], "lo": [0.2, 0.4], "hi": [0.3, 0.6], "g": ["a", "b"]}
    )
    paths = publish("demo", data, _demo_draw, tmp_path, {"title": "t", "seed": 3, "inf": np.inf})
    assert [p.name for p in paths] == ["demo.csv", "demo.pdf", "demo.png"]
    back, meta, draw = read_figure_csv(tmp_path / "demo.csv")
    pd.testing.assert_frame_equal(back, data)
    assert meta == {"title": "t", "seed": 3, "inf": "inf"}
    assert draw == f"{__name__}:_demo_draw"
    assert pd.read_csv(tmp_path / "demo.csv", comment="#").shape == (2, 5)


def test_publish_refuses_unimportable_draw(tmp_path: Path) -> None:
    with pytest.raises(BindingSimError, match="module-level"):
        publish("demo", pd.DataFrame({"x": [1]}), lambda d, m: None, tmp_path)


def test_plot_functions_draw_on_given_axes_without_resizing() -> None:
    with style.use():
        fig, ax = plt.subplots(figsize=(5.0, 4.0))
        line = band_line([0, 1, 2], [0.1, 0.2, 0.3], [0.0, 0.1, 0.2], [0.2, 0.3, 0.4], ax=ax)
        assert isinstance(line, Line2D) and line.axes is ax
        tidy = pd.DataFrame({"x": [0, 1, 0, 1], "y": [1, 2, 3, 4], "g": ["a", "a", "b", "b"]})
        lines = series_lines(tidy, "x", "y", by="g", ax=ax)
        assert [ln.get_label() for ln in lines] == ["a", "b"]
        grid = pd.DataFrame({"x": [1, 2, 1, 2], "y": [0, 0, 1, 1], "v": [0.1, 0.2, 0.3, 0.4]})
        fig2, ax2 = plt.subplots(figsize=(4.0, 3.0))
        mesh = heatmap(grid, "x", "y", "v", ax=ax2)
        assert isinstance(mesh, QuadMesh)
        table = catch22_table(
            Scenario.load("krickovic2016"),
            "actors.*.relative_gains",
            np.linspace(0, 2, 5),
            "actors.*.initial_trust",
            np.linspace(0, 1, 5),
        )
        fig3, ax3 = plt.subplots(figsize=(3.0, 3.0))
        region_map(table, "actors.*.relative_gains", "actors.*.initial_trust", ax=ax3)
    assert tuple(fig.get_size_inches()) == (5.0, 4.0)
    assert tuple(fig2.get_size_inches()) == (4.0, 3.0)
    assert tuple(fig3.get_size_inches()) == (3.0, 3.0)
    plt.close("all")


def test_cell_edges_midpoints() -> None:
    assert np.allclose(cell_edges(np.array([1.0, 2.0, 4.0])), [0.5, 1.5, 3.0, 5.0])
    assert np.allclose(cell_edges(np.array([1.0, 100.0]), log=True), [0.1, 10.0, 1000.0])


def test_series_styles_differ_in_greyscale() -> None:
    """Every pair of the first six series differs in line style or marker, not only colour."""
    styles = [style.series_style(i) for i in range(6)]
    for i in range(6):
        for j in range(i + 1, 6):
            a, b = styles[i], styles[j]
            assert a["linestyle"] != b["linestyle"] or a["marker"] != b["marker"]
    assert style.protocol_style("formal") != style.protocol_style("piecemeal")


def test_replot_unknown_figure_is_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replot", "nope", "--figures", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "nope" in err


def test_replot_csv_without_header_is_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "plain.csv").write_text("x,y\n1,2\n")
    assert main(["replot", "plain", "--figures", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "draw" in err


def test_figures_unknown_only_is_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "figures",
            "--experiments",
            str(EXPERIMENTS),
            "--out",
            str(tmp_path),
            "--only",
            "catch22_mapp",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "catch22_map" in err
    assert main(["figures", "--experiments", str(tmp_path / "none")]) == 2


def test_a_failing_figure_does_not_stop_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exp = tmp_path / "exp"
    exp.mkdir()
    (exp / "broken.py").write_text(
        "def main(quick=False, out_dir=None):\n    raise RuntimeError('boom')\n"
    )
    shutil.copy(EXPERIMENTS / "catch22_map.py", exp)
    shutil.copy(EXPERIMENTS / "catch22_map.toml", exp)
    code = main(["figures", "--quick", "--experiments", str(exp), "--out", str(tmp_path / "out")])
    assert code == 1
    assert (tmp_path / "out" / "catch22_map.png").is_file()
    assert "broken" in capsys.readouterr().err


def test_experiment_script_command_line(tmp_path: Path) -> None:
    mod = load_script(EXPERIMENTS / "catch22_map.py")
    assert script_main(mod.main, ["--quick", "--out", str(tmp_path)]) == 0
    assert {p.suffix for p in tmp_path.iterdir()} == {".csv", ".pdf", ".png"}
    replot("catch22_map", tmp_path)
