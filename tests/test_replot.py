"""``binding-sim replot``: a figure CSV never runs code, and an edited one is a one-line error.

Attacks on the ``# draw = module:function`` header (a standard-library
function, a module whose import has side effects, path-like names, a
function of the package that is not a draw function) must be refused without
importing or calling anything; a hypothesis property checks that no header
text imports a module. Tampered tables (a renamed column, only the header,
``meta`` not a JSON object, huge numbers, NaN, ``inf``) must be refused
with one line naming the file, the column and what was expected, and nothing
is drawn. A user's own figure replots only with ``--experiments DIR``.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binding_sim.cli import main
from binding_sim.errors import BindingSimError
from binding_sim.plot import figures as figures_module
from binding_sim.plot.figures import draw_function, publish, read_figure_header, replot
from binding_sim.plot.registry import Column, check_figure_data, draw_functions, figure_data

FIGURES = Path(__file__).resolve().parent.parent / "figures"
WELFARE = FIGURES / "welfare.csv"
WELFARE_X = "actors.*.decision_precision"  # the welfare figure's meta.x column


def _with_header(src: Path, dst: Path, **lines: str) -> Path:
    """Copy a figure CSV replacing its ``# KEY = ...`` header lines."""
    out = []
    for line in src.read_text(encoding="utf-8").splitlines(True):
        for key, value in lines.items():
            if line.startswith(f"# {key} = "):
                line = f"# {key} = {value}\n"
        out.append(line)
    dst.write_text("".join(out), encoding="utf-8")
    return dst


def _one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("binding-sim: error: "), err
    return err


# ------------------------------------------------------------------------ attacks
def test_stdlib_function_in_header_is_never_called(capsys, monkeypatch, tmp_path) -> None:
    calls: list[object] = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    for header in ("os:system", "subprocess:getoutput", "builtins:exec", "shutil:rmtree"):
        csv = _with_header(WELFARE, tmp_path / "w.csv", draw=header, meta='"touch /tmp/pwned"')
        err = _one_line_error(capsys, ["replot", str(csv)])
        assert str(csv) in err
        assert calls == []
        assert not (tmp_path / "w.pdf").exists()
    # a meta that is a table, and a header that names a stdlib function: still refused
    csv = _with_header(WELFARE, tmp_path / "w.csv", draw="os:system")
    err = _one_line_error(capsys, ["replot", str(csv)])
    assert "'os:system': not a draw function of binding_sim" in err and calls == []


def test_module_with_import_side_effects_is_never_imported(capsys, monkeypatch, tmp_path) -> None:
    marker = tmp_path / "imported.txt"
    pkg = tmp_path / "site"
    pkg.mkdir()
    (pkg / "sidefx_mod.py").write_text(
        f"open({str(marker)!r}, 'w').write('ran')\ndef draw(data, meta):\n    return None\n"
    )
    monkeypatch.syspath_prepend(str(pkg))
    csv = _with_header(WELFARE, tmp_path / "w.csv", draw="sidefx_mod:draw")
    err = _one_line_error(capsys, ["replot", str(csv)])
    assert "sidefx_mod:draw" in err
    assert not marker.exists() and "sidefx_mod" not in sys.modules
    # the same module placed in an experiments folder under another figure's name
    exp = tmp_path / "exp"
    exp.mkdir()
    shutil.copy(pkg / "sidefx_mod.py", exp / "sidefx_mod.py")
    csv = _with_header(WELFARE, tmp_path / "w.csv", draw="binding_sim_experiments.sidefx_mod:draw")
    _one_line_error(capsys, ["replot", str(csv), "--experiments", str(exp)])
    assert not marker.exists(), "a script other than the figure's own was loaded"


@pytest.mark.parametrize(
    "header",
    [
        "../../evil:draw",
        "/tmp/evil.py:draw",
        "binding_sim_experiments.../../evil:draw",
        "binding_sim_experiments./tmp/evil:draw",
        "evil.py:draw",
        "binding_sim.plot.welfare:welfare_figure:extra",
        "binding_sim.plot.welfare",
        "",
    ],
)
def test_path_like_names_are_refused(capsys, tmp_path, header: str) -> None:
    exp = tmp_path / "exp"
    exp.mkdir()
    csv = _with_header(WELFARE, tmp_path / "w.csv", draw=header)
    for extra in ([], ["--experiments", str(exp)]):
        _one_line_error(capsys, ["replot", str(csv), *extra])
    assert not (tmp_path / "w.pdf").exists()


def test_path_like_figure_name_finds_no_script(capsys, tmp_path) -> None:
    exp = tmp_path / "exp"
    exp.mkdir()
    marker = tmp_path / "ran.txt"
    (tmp_path / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    csv = _with_header(WELFARE, tmp_path / "w.csv", draw="binding_sim_experiments.../evil:main")
    csv.write_text(
        csv.read_text().replace("# binding_sim figure welfare", "# binding_sim figure ../evil")
    )
    err = _one_line_error(capsys, ["replot", str(csv), "--experiments", str(exp)])
    assert "experiment scripts" in err and not marker.exists()


@pytest.mark.parametrize(
    "header",
    [
        "binding_sim.plot.style:save",
        "binding_sim.plot.style:figure",
        "binding_sim.cli:main",
        "binding_sim.plot.figures:run_figures",
        "binding_sim.plot.binding:share_bound_lines",  # draws, but is not a figure's draw function
        "binding_sim.plot.registry:draw_functions",
    ],
)
def test_package_function_that_is_not_a_draw_function(capsys, tmp_path, header: str) -> None:
    csv = _with_header(WELFARE, tmp_path / "w.csv", draw=header)
    err = _one_line_error(capsys, ["replot", str(csv)])
    assert f"{header!r}: not a draw function of binding_sim" in err
    assert "binding_sim.plot.welfare:welfare_figure" in err  # what is allowed


def test_registry_holds_exactly_the_figure_draw_functions() -> None:
    """Every committed figure's header is in the allow-list, and the list holds nothing else."""
    headers = {read_figure_header(p)[2] for p in FIGURES.glob("*.csv")}
    assert set(draw_functions()) == headers
    for fn in draw_functions().values():
        assert fn.figure_spec.columns  # every registered draw function declares its table


_HEADER_TEXT = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda m, f: f"{m}:{f}",
        st.sampled_from([*sorted(sys.modules), "antigravity", "this", "idlelib", "tkinter"]),
        st.text(max_size=15),
    ),
    st.sampled_from(sorted(draw_functions())).map(lambda h: h + "x"),
)


@pytest.fixture(scope="module")
def script_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An experiments folder with one script, ``fig.py``."""
    folder = tmp_path_factory.mktemp("scripts")
    (folder / "fig.py").write_text("def main(quick=False, out_dir=None):\n    return []\n")
    return folder


@settings(max_examples=300, deadline=None)
@given(
    header=_HEADER_TEXT,
    name=st.one_of(st.text(max_size=20), st.just("fig")),
    with_folder=st.booleans(),
)
def test_no_header_text_causes_an_import(
    header: str, name: str, with_folder: bool, script_folder: Path
) -> None:
    """Whatever the header says, resolving it imports nothing and loads no script.

    With an experiments folder named by the user, the only script that may be
    loaded is the figure's own (``binding_sim_experiments.fig:...`` for figure
    ``fig``), which this generator does not produce.
    """
    draw_functions()  # the allow-list is loaded once, from the package's own modules
    before = set(sys.modules)
    imported: list[str] = []
    real_import = importlib.import_module
    real_load = figures_module.load_script

    def record(mod: str, package: str | None = None) -> object:
        imported.append(mod)
        return real_import(mod, package)

    def no_script(path: object) -> object:
        imported.append(f"script {path}")
        return real_load(path)  # pragma: no cover - reached only if the property fails

    importlib.import_module = record  # type: ignore[assignment]
    figures_module.load_script = no_script  # type: ignore[assignment]
    try:
        fn = draw_function(header, script_folder if with_folder else None, name)
        assert fn is draw_functions()[header]  # only an exact allow-list entry resolves
    except BindingSimError as exc:
        assert "\n" not in str(exc)
    finally:
        importlib.import_module = real_import
        figures_module.load_script = real_load
    assert imported == []
    assert set(sys.modules) == before


# ------------------------------------------------------------------- tampered tables
def _replot_error(capsys, csv: Path) -> str:
    err = _one_line_error(capsys, ["replot", str(csv)])
    assert str(csv) in err
    assert not csv.with_suffix(".pdf").exists() and not csv.with_suffix(".png").exists()
    return err


def _rewrite_table(src: Path, dst: Path, edit) -> Path:
    text = src.read_text(encoding="utf-8")
    head = [ln for ln in text.splitlines(True) if ln.startswith("#")]
    data = pd.read_csv(src, comment="#")
    data = edit(data)
    dst.write_text("".join(head) + data.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
    return dst


def test_renamed_column(capsys, tmp_path) -> None:
    csv = _rewrite_table(
        WELFARE, tmp_path / "w.csv", lambda d: d.rename(columns={"absolute": "abs"})
    )
    err = _replot_error(capsys, csv)
    assert "column 'absolute': missing" in err and "welfare_figure needs it" in err
    # the column named by meta.x renamed
    csv = _rewrite_table(
        WELFARE, tmp_path / "x.csv", lambda d: d.rename(columns={WELFARE_X: "beta"})
    )
    err = _replot_error(capsys, csv)
    assert f"meta.x = {WELFARE_X!r}: names no column of the table" in err


def test_only_the_header(capsys, tmp_path) -> None:
    text = WELFARE.read_text(encoding="utf-8").splitlines(True)
    (tmp_path / "h.csv").write_text("".join(text[:5]))  # the '#' lines and the column names
    err = _replot_error(capsys, tmp_path / "h.csv")
    assert "no data rows (only the header)" in err
    (tmp_path / "c.csv").write_text("".join(text[:4]))  # the '#' lines only
    err = _replot_error(capsys, tmp_path / "c.csv")
    assert "no table after the '#' header" in err


@pytest.mark.parametrize(
    ("meta", "needle"),
    [
        ("[1, 2]", "meta header = list: expected a JSON object"),
        ('"x"', "meta header = str: expected a JSON object"),
        ("null", "meta header = NoneType: expected a JSON object"),
        ("5", "meta header = int: expected a JSON object"),
        ('{"x": NaN}', "meta header is not JSON"),
        ("{", "meta header is not JSON"),
        ('{"x": 5}', "meta.x = 5: expected a non-empty string"),
        ('{"discount_factor": "high"}', "meta.discount_factor = 'high': expected a finite number"),
        ('{"first_best": 1e300}', "meta.first_best = 1e+300: expected a finite number"),
        (
            '{"actors": "NATO"}',
            "meta.actors = 'NATO': expected a list of 1 to 100 non-empty strings",
        ),
    ],
)
def test_meta_must_be_a_table_of_the_declared_types(
    capsys, tmp_path, meta: str, needle: str
) -> None:
    csv = _with_header(WELFARE, tmp_path / "w.csv", meta=meta)
    err = _replot_error(capsys, csv)
    assert needle in err, err


@pytest.mark.parametrize(
    ("column", "value", "needle"),
    [
        (
            "absolute",
            "1e300",
            "data row 3 holds 1e+300; expected a finite number in [-1e+15, 1e+15]",
        ),
        ("absolute", "1e400", "data row 3 holds inf; expected finite numbers"),
        ("absolute", "-inf", "data row 3 holds -inf; expected finite numbers"),
        ("absolute", "abc", "data row 3 holds 'abc'; expected a finite number"),
        ("absolute", "", "data row 3 is empty or NaN; expected a finite number"),
        (WELFARE_X, "nan", "data row 3 is empty or NaN"),
        ("actor", "", "data row 3 is empty; expected text"),
    ],
)
def test_bad_cells(capsys, tmp_path, column: str, value: str, needle: str) -> None:
    def edit(d: pd.DataFrame) -> pd.DataFrame:
        d[column] = d[column].astype(object)
        d.loc[2, column] = value
        return d

    err = _replot_error(capsys, _rewrite_table(WELFARE, tmp_path / "w.csv", edit))
    assert f"column {column!r}" in err and needle in err, err


def test_all_nan_is_refused_not_drawn(capsys, tmp_path) -> None:
    def blank(d: pd.DataFrame) -> pd.DataFrame:
        for c in (WELFARE_X, "share_bound", "absolute", "relative"):
            d[c] = float("nan")
        return d

    err = _replot_error(capsys, _rewrite_table(WELFARE, tmp_path / "w.csv", blank))
    assert "no finite number in any column; nothing to draw" in err


def test_probability_interval_and_grid_checks(capsys, tmp_path) -> None:
    src = FIGURES / "trust_rate_sweep.csv"
    csv = _rewrite_table(src, tmp_path / "t.csv", lambda d: d.assign(share_bound=1.5))
    assert "expected a probability in [0, 1]" in _replot_error(capsys, csv)

    def inverted(d: pd.DataFrame) -> pd.DataFrame:
        d.loc[0, "share_bound_lo"], d.loc[0, "share_bound_hi"] = 0.9, 0.1
        d.loc[0, "share_bound"] = 0.5
        return d

    err = _replot_error(capsys, _rewrite_table(src, tmp_path / "i.csv", inverted))
    assert "expected an interval around its value" in err
    src = FIGURES / "catch22_map.csv"
    one = _rewrite_table(
        src,
        tmp_path / "g.csv",
        lambda d: d[d["actors.*.initial_trust"] == d["actors.*.initial_trust"].min()],
    )
    err = _replot_error(capsys, one)
    assert "column 'actors.*.initial_trust': 1 distinct value(s)" in err


def test_committed_figures_pass_their_declarations() -> None:
    for path in FIGURES.glob("*.csv"):
        _text, meta, draw, _ = read_figure_header(path)
        data = pd.read_csv(path, comment="#")
        check_figure_data(str(path), data, meta, draw_functions()[draw].figure_spec, draw)


def test_huge_file_is_refused_before_reading(capsys, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr("binding_sim.limits.available_memory", lambda: 1000)
    csv = tmp_path / "w.csv"
    shutil.copy(WELFARE, csv)
    err = _replot_error(capsys, csv)
    assert "of memory" in err and "thin the table" in err


# ----------------------------------------------------------------- the user's own figures
_OWN = """
import pandas as pd
from os import system  # a stdlib function the header may try to reach through the script
from binding_sim.plot import style
from binding_sim.plot.figures import publish
from binding_sim.plot.registry import Column, figure_data


@figure_data(Column("x"), Column("y"))
def draw(data, meta):
    fig, ax = style.figure("single")
    ax.plot(data["x"], data["y"])
    return fig


def undeclared(data, meta):
    fig, ax = style.figure("single")
    return fig


def main(quick=False, out_dir=None):
    data = pd.DataFrame({"x": [0.0, 1.0], "y": [2.0, 3.0]})
    return publish("own", data, draw, out_dir, {})
"""


@pytest.fixture
def own_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    """An experiments folder with one user figure, and the CSV it wrote."""
    exp = tmp_path / "exp"
    exp.mkdir()
    (exp / "own.py").write_text(_OWN, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["figures", "--experiments", str(exp), "--out", str(out)]) == 0
    capsys.readouterr()
    for key in [k for k in sys.modules if k.startswith("binding_sim_experiments.")]:
        del sys.modules[key]  # a fresh process: the script is not loaded
    return exp, out / "own.csv"


def test_user_figure_replots_only_with_experiments(capsys, own_figure) -> None:
    exp, csv = own_figure
    assert read_figure_header(csv)[2] == "binding_sim_experiments.own:draw"
    (csv.parent / "own.pdf").unlink()
    err = _one_line_error(capsys, ["replot", str(csv)])
    assert "replots with --experiments DIR" in err
    assert main(["replot", str(csv), "--experiments", str(exp)]) == 0
    assert (csv.parent / "own.pdf").stat().st_size > 0
    assert capsys.readouterr().out.split() == [
        str(csv.parent / "own.pdf"),
        str(csv.parent / "own.png"),
    ]


@pytest.mark.parametrize(
    ("function", "needle"),
    [
        ("system", "is not a function defined in"),
        ("main", "does not declare the table it draws"),
        ("undeclared", "does not declare the table it draws"),
        ("pd", "is not a function defined in"),
        ("nope", "is not a function defined in"),
    ],
)
def test_user_script_exposes_only_declared_draw_functions(
    capsys, own_figure, function, needle
) -> None:
    exp, csv = own_figure
    edited = _with_header(
        csv, csv.parent / "edited.csv", draw=f"binding_sim_experiments.own:{function}"
    )
    edited.write_text(
        edited.read_text().replace("# binding_sim figure own", "# binding_sim figure own")
    )
    err = _one_line_error(capsys, ["replot", str(edited), "--experiments", str(exp)])
    assert needle in err


def test_user_figure_table_is_checked_against_its_declaration(capsys, own_figure) -> None:
    exp, csv = own_figure
    bad = _rewrite_table(csv, csv.parent / "own2.csv", lambda d: d.rename(columns={"y": "why"}))
    bad.write_text(bad.read_text())
    err = _one_line_error(capsys, ["replot", str(bad), "--experiments", str(exp)])
    assert "column 'y': missing" in err


def test_replot_output_folder_must_exist(capsys, tmp_path) -> None:
    shutil.copy(WELFARE, tmp_path / "w.csv")
    err = _one_line_error(
        capsys, ["replot", str(tmp_path / "w.csv"), "--out", str(tmp_path / "new")]
    )
    assert "not an existing folder" in err and not (tmp_path / "new").exists()
    err = _one_line_error(
        capsys, ["replot", str(tmp_path / "w.csv"), "--experiments", str(tmp_path / "none")]
    )
    assert "--experiments" in err and "not a directory" in err


def test_draw_errors_on_structurally_broken_tables_are_one_line(capsys, tmp_path) -> None:
    """A table that passes its declaration but cannot be drawn (groups of unequal length)."""
    src = FIGURES / "trajectories.csv"
    csv = _rewrite_table(src, tmp_path / "t.csv", lambda d: d.drop(index=[0, 1, 2]))
    err = _one_line_error(capsys, ["replot", str(csv)])
    assert str(csv) in err and "cannot be drawn by binding_sim.plot.trajectories" in err


def test_publish_checks_the_declaration(tmp_path) -> None:
    @figure_data(Column("x"), Column("y", "probability"))
    def draw(data, meta):  # pragma: no cover - never reached
        raise AssertionError

    draw.__module__ = __name__
    draw.__qualname__ = "declared_draw"
    globals()["declared_draw"] = draw
    with pytest.raises(
        BindingSimError, match=r"column 'y': data row 1 holds 2\.5; expected a probability"
    ):
        publish("p", pd.DataFrame({"x": [1.0], "y": [2.5]}), draw, tmp_path)
    assert json.loads((tmp_path / "p.csv").read_text().splitlines()[2][len("# meta = ") :]) == {}
    with pytest.raises(BindingSimError, match="not a draw function of binding_sim"):
        replot("p", tmp_path)  # a test module's function is not in the allow-list
