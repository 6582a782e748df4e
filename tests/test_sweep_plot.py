"""``binding-sim plot`` and :func:`binding_sim.sweep_plot` on a tiny real sweep.

The sweep (``tests/tiny_sweep.py``: 3 trust-building rates x 2 incident
rates, both protocols, 20 replicates) runs once per module. Every value the
tests expect is read independently from the sweep's own files with pandas
(``results.parquet`` and ``results.csv``), or computed by hand (the Wilson
interval from the share bound and the replicates); the PDF's fonts are read
from its bytes.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from test_pdf_fonts import assert_truetype
from tiny_sweep import PARAMS, PROTOCOLS, REPS, VALUES, run_tiny_sweep

import binding_sim
from binding_sim.cli import main
from binding_sim.errors import BindingSimError
from binding_sim.plot.sweep_figure import sweep_plot, sweep_plot_table
from binding_sim.sweep import read_results

RATE, INCIDENTS = PARAMS
N_CELLS = len(VALUES[RATE]) * len(VALUES[INCIDENTS])


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_tiny_sweep(tmp_path_factory.mktemp("plot_sweep"))


@pytest.fixture(scope="module")
def table(sweep_dir: Path) -> pd.DataFrame:
    """The sweep's results, read with pandas alone (not through the package)."""
    return pd.read_parquet(sweep_dir / "results.parquet")


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path)


def _one_line_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("binding-sim: error: "), err
    assert "Traceback" not in err
    return lines[0]


# ------------------------------------------------------------------ files and values
def test_cli_writes_pdf_png_csv_inside_the_sweep_folder(
    sweep_dir: Path, table: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["plot", str(sweep_dir), "--y", "share_bound", "--x", RATE, "--col", INCIDENTS]
    assert main(argv) == 0
    printed = [Path(line) for line in capsys.readouterr().out.split()]
    assert [p.suffix for p in printed] == [".pdf", ".png", ".csv"]
    for path in printed:
        assert path.is_file() and path.stat().st_size > 0
        assert path.parent == sweep_dir / "plots"  # never the committed figures/ folder
        assert path.name.startswith(f"share_bound_vs_{RATE}")
    assert printed[1].read_bytes().startswith(b"\x89PNG")
    assert_truetype(printed[0])
    drawn = _read_csv(printed[2])
    # one row per cell x protocol: the protocol went to hue by default
    assert len(drawn) == N_CELLS * len(PROTOCOLS)
    assert list(drawn.columns) == [
        "cell",
        "protocol",
        RATE,
        INCIDENTS,
        "share_bound",
        "share_bound_lo",
        "share_bound_hi",
    ]
    expected = table[list(drawn.columns)].reset_index(drop=True)
    pd.testing.assert_frame_equal(drawn, expected, check_exact=True, check_dtype=False)


def test_csv_values_equal_the_sweeps_own_csv(sweep_dir: Path, tmp_path: Path) -> None:
    drawn = sweep_plot(
        sweep_dir,
        y="time_to_bind_median",
        x=RATE,
        hue=INCIDENTS,
        protocol="piecemeal",
        out=tmp_path / "ttb",
    )
    plt.close(drawn.figure)
    got = _read_csv(tmp_path / "ttb.csv")
    own = _read_csv(sweep_dir / "results.csv")
    own = own[own["protocol"] == "piecemeal"].reset_index(drop=True)
    assert set(got["protocol"]) == {"piecemeal"}
    assert len(got) == N_CELLS
    for column in ("cell", RATE, INCIDENTS, "time_to_bind_median"):
        assert got[column].equals(own[column]), column
    # the median's band is its quartiles
    assert got["time_to_bind_q25"].equals(own["time_to_bind_q25"])
    assert got["time_to_bind_q75"].equals(own["time_to_bind_q75"])


def test_share_bound_band_is_the_wilson_interval(sweep_dir: Path, tmp_path: Path) -> None:
    drawn = sweep_plot(sweep_dir, y="share_bound", x=RATE, col=INCIDENTS, out=tmp_path / "sb")
    plt.close(drawn.figure)
    got = _read_csv(tmp_path / "sb.csv")
    assert {"share_bound_lo", "share_bound_hi"} <= set(got.columns)
    z = 1.959963984540054
    for p, lo, hi in got[["share_bound", "share_bound_lo", "share_bound_hi"]].itertuples(
        index=False
    ):
        k = round(p * REPS)  # bound replicates
        # Wilson (1927), by hand
        centre = (p + z * z / (2 * REPS)) / (1 + z * z / REPS)
        half = z * math.sqrt(p * (1 - p) / REPS + z * z / (4 * REPS**2)) / (1 + z * z / REPS)
        assert lo == pytest.approx(0.0 if k == 0 else centre - half, abs=1e-12)
        assert hi == pytest.approx(1.0 if k == REPS else centre + half, abs=1e-12)
        assert lo <= p <= hi


def test_a_metric_without_interval_has_no_band_columns(sweep_dir: Path, tmp_path: Path) -> None:
    drawn = sweep_plot(sweep_dir, y="mean_rungs", x=RATE, col=INCIDENTS, out=tmp_path / "r.png")
    plt.close(drawn.figure)
    assert [p.name for p in drawn.paths] == ["r.pdf", "r.png", "r.csv"]  # suffix dropped
    assert list(_read_csv(tmp_path / "r.csv").columns) == [
        "cell",
        "protocol",
        RATE,
        INCIDENTS,
        "mean_rungs",
    ]
    assert drawn.spec.band is None


def test_the_lines_drawn_are_the_tables_values(sweep_dir: Path, table: pd.DataFrame) -> None:
    """Each panel (an incident rate) holds one line per protocol through that protocol's
    share bound, in trust-building-rate order."""
    drawn = sweep_plot(read_results(sweep_dir), y="share_bound", x=RATE, col=INCIDENTS, out=None)
    fig = drawn.figure
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == len(VALUES[INCIDENTS])
    for ax, rate in zip(axes, VALUES[INCIDENTS], strict=True):
        assert ax.get_title() == f"{INCIDENTS} = {rate:g}"
        lines = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
        assert len(lines) == len(PROTOCOLS)
        for line, protocol in zip(lines, PROTOCOLS, strict=True):
            rows = table[(table["protocol"] == protocol) & (table[INCIDENTS] == rate)]
            rows = rows.sort_values(RATE)
            np.testing.assert_array_equal(line.get_xdata(), rows[RATE].to_numpy())
            np.testing.assert_array_equal(line.get_ydata(), rows["share_bound"].to_numpy())
    plt.close(fig)


def test_python_front_door(sweep_dir: Path, tmp_path: Path) -> None:
    assert binding_sim.sweep_plot is sweep_plot
    from binding_sim.plot import sweep_plot as from_plot

    assert from_plot is sweep_plot
    drawn = sweep_plot(
        sweep_dir, y="share_bound", x="protocol", hue=INCIDENTS, col=RATE, out=tmp_path / "v1.2"
    )
    plt.close(drawn.figure)
    assert [p.name for p in drawn.paths] == ["v1.2.pdf", "v1.2.png", "v1.2.csv"]
    assert_truetype(drawn.paths[0])


# ------------------------------------------------------------------ errors
def test_an_unmapped_varying_parameter_is_named(
    sweep_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _one_line_error(["plot", str(sweep_dir), "--y", "share_bound", "--x", RATE], capsys)
    assert f"'{INCIDENTS}'" in line and "not mapped" in line
    assert RATE not in line.split("parameter", 1)[1].split("varies")[0]
    line = _one_line_error(
        ["plot", str(sweep_dir), "--y", "share_bound", "--x", "protocol"], capsys
    )
    assert f"'{RATE}'" in line and f"'{INCIDENTS}'" in line
    assert not (sweep_dir / "plots" / "share_bound_vs_protocol_by_protocol.pdf").exists()


def test_two_protocols_with_hue_taken_need_col_or_protocol(
    sweep_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["plot", str(sweep_dir), "--y", "share_bound", "--x", RATE, "--hue", INCIDENTS]
    line = _one_line_error(argv, capsys)
    assert "formal, piecemeal" in line and "--protocol" in line and "--col protocol" in line
    assert main([*argv, "--col", "protocol", "--out", str(sweep_dir / "x1")]) == 0
    assert main([*argv, "--protocol", "formal", "--out", str(sweep_dir / "x2")]) == 0


@pytest.mark.parametrize(
    ("option", "value", "needle"),
    [
        ("--y", "share_bond", "did you mean 'share_bound'?"),
        ("--y", RATE, "a key, not a metric"),
        ("--y", "cell_seed", "mean_final_trust_NATO"),
        ("--x", "trust.building", "did you mean 'trust.building_rate'?"),
        ("--x", "scenario.horizon", "keys: trust.building_rate, actors.*.incident_rate, protocol"),
        ("--protocol", "Formal", "did you mean 'formal'?"),
    ],
)
def test_unknown_names_list_what_exists(
    sweep_dir: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, needle: str
) -> None:
    options = {"--y": "share_bound", "--x": RATE, "--col": INCIDENTS, option: value}
    argv = ["plot", str(sweep_dir), *(t for pair in options.items() for t in pair)]
    line = _one_line_error(argv, capsys)
    assert f"{option} {value!r}" in line and needle in line


def test_a_key_mapped_twice_is_refused(sweep_dir: Path, table: pd.DataFrame) -> None:
    with pytest.raises(BindingSimError, match="already mapped"):
        sweep_plot_table(table, y="share_bound", x=RATE, hue=RATE, col=INCIDENTS)


@pytest.mark.parametrize("kind", ["missing", "file", "unfinished"])
def test_not_a_finished_sweep_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    target = tmp_path / "nowhere"
    if kind == "file":
        target.write_text("not a sweep")
    elif kind == "unfinished":
        target.mkdir()
    line = _one_line_error(["plot", str(target), "--y", "share_bound", "--x", RATE], capsys)
    assert str(target) in line


def test_an_output_that_cannot_be_written_is_one_line(
    sweep_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    argv = ["plot", str(sweep_dir), "--y", "share_bound", "--x", RATE, "--col", INCIDENTS]
    line = _one_line_error([*argv, "--out", str(blocker / "inside")], capsys)
    assert "--out" in line
    assert "--out ''" in _one_line_error([*argv, "--out", ""], capsys)


def test_a_temporary_sweep_needs_out(table: pd.DataFrame) -> None:
    from binding_sim.sweep import SweepResult

    result = SweepResult(results=table, binding_time=table.iloc[:0], out=None)
    with pytest.raises(BindingSimError, match="pass out="):
        sweep_plot(result, y="share_bound", x=RATE, col=INCIDENTS)
