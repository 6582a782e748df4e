"""The paper figures: run experiment scripts, write PDF/PNG/CSV, redraw from CSV.

A figure ``NAME`` is a script ``experiments/NAME.py`` (usually with its
experiment file ``experiments/NAME.toml``, docs/model.md section 10 and the experiment
files of ``docs/sweeps.md``) whose function ``main(quick=False,
out_dir=None)`` computes a tidy :class:`pandas.DataFrame` and hands it to
:func:`publish` together with a *draw function* from :mod:`binding_sim.plot`.
:func:`publish` writes three files into the output directory:

- ``NAME.csv``: the tidy data the figure was drawn from, preceded by ``#``
  comment lines naming the draw function and the figure's metadata (JSON),
  so that ``pandas.read_csv(path, comment="#")`` reads the table and
  :func:`replot` redraws the figure from the CSV alone;
- ``NAME.pdf`` (vector) and ``NAME.png`` (300 dpi), in the journal style of
  :mod:`binding_sim.plot.style`.

:func:`run_figures` (``binding-sim figures``) discovers every script in the
experiments directory, imports it in-process, runs it and prints one progress
line per figure with its wall-clock time. Adding a figure therefore means
adding ``experiments/NAME.py`` (+ ``NAME.toml``) and a draw function; nothing
here changes.

A draw function has the signature ``draw(data: DataFrame, meta: Mapping) ->
Figure``, lives at module level, only draws (data preparation happens in the
script) and declares the table it needs with
:func:`binding_sim.plot.registry.figure_data`.

Data never runs code. The CSV header names the draw function as
``module:function``, but :func:`replot` never imports that text: it looks it
up in the allow-list of the package's own draw functions
(:func:`binding_sim.plot.registry.draw_functions`), or, when the user names
an experiments folder (``--experiments DIR``), takes the function from the
figure's own script ``DIR/NAME.py``, loaded because the user named the folder.
Before drawing, the table and its metadata are checked against the draw
function's declaration (:func:`binding_sim.plot.registry.check_figure_data`).
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import inspect
import io
import json
import sys
import time
import tomllib
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TextIO

import matplotlib

from ..errors import BindingSimError, did_you_mean, one_line
from ..limits import check_memory
from ..serialize import to_jsonable

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from ..config.experiment import Experiment
    from ..config.scenario import Scenario

__all__ = [
    "DEFAULT_EXPERIMENTS",
    "DEFAULT_OUT",
    "DEFAULT_QUICK_OUT",
    "SCRIPT_PACKAGE",
    "FigureRun",
    "FiguresFailed",
    "analysis_axis",
    "default_out",
    "discover",
    "draw_function",
    "load_analysis_experiment",
    "load_experiment",
    "load_script",
    "provenance",
    "publish",
    "read_figure_csv",
    "read_figure_header",
    "replot",
    "run_experiment",
    "run_figures",
    "script_main",
    "thin_design",
]

DEFAULT_EXPERIMENTS = Path("experiments")
"""Default directory of experiment scripts (relative to the working directory)."""
DEFAULT_OUT = Path("figures")
"""Default output directory of figures (relative to the working directory)."""
DEFAULT_QUICK_OUT = Path("build") / "figures-quick"
"""Default output directory of quick (low-resolution) figures: a folder git ignores, so a
smoke test never overwrites the committed full-resolution figures in :data:`DEFAULT_OUT`."""

QUICK_AXIS = 4
"""In quick mode each grid axis keeps at most this many values (ends included)."""
QUICK_SAMPLES = 8
"""In quick mode a Latin hypercube keeps at most this many samples."""

_MAGIC = "# binding_sim figure"
SCRIPT_PACKAGE = "binding_sim_experiments"
"""Module name prefix of experiment scripts loaded by :func:`load_script`."""
_CSV_MEMORY_FACTOR = 20
"""Bytes of memory per byte of a figure CSV while it is read and drawn (estimate)."""
DrawFunction = Callable[["pd.DataFrame", Mapping[str, Any]], Any]


class FiguresFailed(BindingSimError):
    """Some figures failed (the others were written); exit status 1."""

    exit_status = 1


@dataclass(frozen=True)
class FigureRun:
    """One figure made by :func:`run_figures`: its name, files and wall-clock seconds."""

    name: str
    paths: tuple[Path, ...]
    seconds: float


# ------------------------------------------------------------------ writing
def _draw_path(draw: DrawFunction) -> str:
    module = getattr(draw, "__module__", None)
    qualname = getattr(draw, "__qualname__", "")
    if not module or module == "__main__" or "<" in qualname or "." in qualname:
        raise BindingSimError(
            f"draw function {draw!r}: must be a module-level function of an importable "
            "module (e.g. binding_sim.plot.binding:trust_rate_sweep_figure) so that "
            "replot can find it from the CSV"
        )
    return f"{module}:{qualname}"


def draw_function(
    path: str,
    experiments_dir: str | Path | None = None,
    name: str | None = None,
    source: str = "draw function",
) -> DrawFunction:
    """The draw function a figure CSV names as ``"module:function"``, without importing that text.

    Parameters
    ----------
    path : str
        The ``# draw = module:function`` text of the CSV.
    experiments_dir : path, optional
        A folder of experiment scripts named by the user (``--experiments``).
        A figure of one of its scripts records its draw function as
        ``binding_sim_experiments.NAME:FUNCTION``; that function is taken from
        ``DIR/NAME.py`` (the figure's own script, loaded in-process).
    name : str, optional
        The figure's name (``# binding_sim figure NAME``), which selects the script.
    source : str
        What to name in error messages (the CSV file).

    Returns
    -------
    callable
        A draw function of :mod:`binding_sim.plot` (looked up in the
        allow-list :func:`binding_sim.plot.registry.draw_functions`), or a
        function defined in ``DIR/NAME.py`` that declares its table with
        :func:`binding_sim.plot.registry.figure_data` (any other function of
        the script is refused).

    Raises
    ------
    BindingSimError
        One line: the header names neither, e.g. a standard-library
        function, a module of another package, a path, or a function of the
        package that is not a draw function.
    """
    from .registry import draw_functions

    known = draw_functions()
    fn = known.get(path)
    if fn is not None:
        return fn
    module, sep, func = path.partition(":")
    if experiments_dir is None:
        hint = (
            " (a figure of your own experiment scripts replots with --experiments DIR)"
            if module.startswith(SCRIPT_PACKAGE + ".")
            else f"; allowed: {', '.join(sorted(known))}"
        )
        raise BindingSimError(
            one_line(f"{source}: draw = {path!r}: not a draw function of binding_sim{hint}")
        )
    folder = Path(experiments_dir)
    scripts = discover(folder)
    expected = f"{SCRIPT_PACKAGE}.{name}:FUNCTION"
    if name is None or name not in scripts or module != f"{SCRIPT_PACKAGE}.{name}" or not sep:
        raise BindingSimError(
            one_line(
                f"{source}: draw = {path!r}: neither a draw function of binding_sim nor one of "
                f"the experiment scripts in {folder} (expected {expected!r} with "
                f"{folder / f'{name}.py'} present)"
            )
        )
    script = load_script(folder / f"{name}.py")
    fn = script.__dict__.get(func) if func.isidentifier() else None
    if not (inspect.isfunction(fn) and fn.__module__ == script.__name__):
        raise BindingSimError(
            one_line(
                f"{source}: draw = {path!r}: {func!r} is not a function defined in "
                f"{folder / f'{name}.py'}"
            )
        )
    if getattr(fn, "figure_spec", None) is None:
        raise BindingSimError(
            one_line(
                f"{source}: draw = {path!r}: {func} in {folder / f'{name}.py'} does not declare "
                "the table it draws; decorate it with binding_sim.plot.registry.figure_data "
                "to replot it"
            )
        )
    return fn  # type: ignore[no-any-return]


def _use_agg_if_headless() -> None:
    if matplotlib.get_backend().lower() not in ("agg", "pdf", "svg", "cairo"):
        matplotlib.use("Agg")


def _render(
    draw: DrawFunction, data: pd.DataFrame, meta: Mapping[str, Any], stem: Path
) -> list[Path]:
    import matplotlib.pyplot as plt

    from . import style

    _use_agg_if_headless()
    with style.use():
        fig = draw(data, meta)
        paths = style.save(fig, stem)
    plt.close(fig)
    return paths


def publish(
    name: str,
    data: pd.DataFrame,
    draw: DrawFunction,
    out_dir: str | Path | None = None,
    meta: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Write ``NAME.csv`` (tidy data + header), then draw and save ``NAME.pdf`` and ``NAME.png``.

    Parameters
    ----------
    name : str
        Figure name (the stem of the three files).
    data : DataFrame
        The tidy table the figure is drawn from.
    draw : callable
        ``draw(data, meta) -> Figure``, a module-level function (recorded in
        the CSV header so that :func:`replot` can find it).
    out_dir : path, optional
        Output directory (default :data:`DEFAULT_OUT`).
    meta : mapping, optional
        JSON-serialisable scalars the drawing needs besides the table (e.g.
        ``theta_star``) and provenance (scenario, seed, replicates).

    Returns
    -------
    list of Path
        The CSV, PDF and PNG paths.
    """
    from .registry import check_figure_data

    out = Path(out_dir) if out_dir is not None else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    meta = dict(meta or {})
    csv_path = out / f"{name}.csv"
    draw_text = _draw_path(draw)
    write_figure_csv(csv_path, name, data, draw_text, meta)
    # Draw from the table as read back, so the figure is exactly what replot makes.
    data_back, meta_back, _ = read_figure_csv(csv_path)
    spec = getattr(draw, "figure_spec", None)
    check_figure_data(str(csv_path), data_back, meta_back, spec, draw_text)
    return [csv_path, *_render(draw, data_back, meta_back, out / name)]


def write_figure_csv(
    path: Path, name: str, data: pd.DataFrame, draw: str, meta: Mapping[str, Any]
) -> None:
    """Write the tidy table with its ``#`` header (figure name, draw function, metadata)."""
    header = [
        f"{_MAGIC} {name}",
        f"# draw = {draw}",
        f"# meta = {json.dumps(to_jsonable(dict(meta)), sort_keys=True, allow_nan=False)}",
        "# read with pandas.read_csv(path, comment='#'); redraw with `binding-sim replot NAME`",
    ]
    buf = io.StringIO()
    data.to_csv(buf, index=False, lineterminator="\n", float_format="%.8g")
    path.write_text("\n".join(header) + "\n" + buf.getvalue(), encoding="utf-8")


def _no_constant(text: str) -> Any:
    raise ValueError(f"{text} is not a JSON number")


def read_figure_header(path: str | Path) -> tuple[str, dict[str, Any], str, str]:
    """Read a figure CSV's text and its ``#`` header, without reading the table.

    Returns
    -------
    (text, meta, draw, name)
        The whole text, the metadata (a JSON object), the ``module:function``
        text of the draw function and the figure's name (from the
        ``# binding_sim figure NAME`` line, else the file's stem).

    Raises
    ------
    BindingSimError
        One line: unreadable or not UTF-8, too large for the memory, no
        ``# draw`` line, or ``# meta`` not a JSON object.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise BindingSimError(f"{path}: cannot read figure data ({exc.strerror})") from None
    check_memory(
        f"{path} ({size} bytes)",
        _CSV_MEMORY_FACTOR * size,
        "a figure table this large is not a figure; thin the table first",
    )
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BindingSimError(f"{path}: cannot read figure data ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise BindingSimError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    draw = ""
    name = path.stem
    meta: dict[str, Any] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if line.startswith(_MAGIC + " "):
            name = line[len(_MAGIC) + 1 :].strip() or name
        elif line.startswith("# draw = "):
            draw = line[len("# draw = ") :].strip()
        elif line.startswith("# meta = "):
            try:
                parsed = json.loads(line[len("# meta = ") :], parse_constant=_no_constant)
            except (ValueError, RecursionError) as exc:
                raise BindingSimError(
                    one_line(f"{path}: meta header is not JSON ({type(exc).__name__}: {exc})")
                ) from None
            if not isinstance(parsed, dict):
                raise BindingSimError(
                    one_line(
                        f"{path}: meta header = {type(parsed).__name__}: expected a JSON object "
                        "({...})"
                    )
                )
            meta = parsed
    if not draw:
        raise BindingSimError(
            f"{path}: no '# draw = module:function' header (not written by binding-sim figures)"
        )
    return text, meta, draw, name


def read_figure_csv(path: str | Path) -> tuple[pd.DataFrame, dict[str, Any], str]:
    """Read a figure CSV written by :func:`publish`.

    Returns
    -------
    (data, meta, draw)
        The tidy table, the metadata dict and the ``module:function`` path
        of the draw function (text only: nothing is imported; see
        :func:`draw_function`).

    Raises
    ------
    BindingSimError
        One line for a file that cannot be read as a figure table (see
        :func:`read_figure_header`; no table, or rows of unequal length).
    """
    text, meta, draw, _ = read_figure_header(path)
    return _read_table(path, text), meta, draw


def _read_table(path: str | Path, text: str) -> pd.DataFrame:
    import pandas as pd

    try:
        return pd.read_csv(io.StringIO(text), comment="#")
    except pd.errors.EmptyDataError:
        raise BindingSimError(
            f"{path}: no table after the '#' header (no column names, no rows)"
        ) from None
    except (pd.errors.ParserError, ValueError, OverflowError) as exc:
        raise BindingSimError(
            one_line(f"{path}: not a table ({' '.join(str(exc).split())})")
        ) from None


_DRAW_ERRORS = (ValueError, TypeError, KeyError, IndexError, ZeroDivisionError, OverflowError)
"""What a draw function may raise on a table that passed its declaration but is still
malformed (e.g. groups of unequal length); reported as one line naming the file."""


def replot(
    name: str,
    figures_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    experiments_dir: str | Path | None = None,
) -> list[Path]:
    """Redraw figure ``name`` from ``FIGURES_DIR/NAME.csv`` alone; return the PDF and PNG paths.

    ``name`` may also be a path to a CSV file. The draw function is one of the
    package's (:func:`draw_function`), or, with ``experiments_dir``, one
    defined in the figure's own script ``EXPERIMENTS_DIR/NAME.py``. The table
    and metadata are checked against the draw function's declaration before
    anything is drawn, and the output folder must exist.
    """
    from .registry import check_figure_data

    fig_dir = Path(figures_dir) if figures_dir is not None else DEFAULT_OUT
    csv_path = Path(name) if name.endswith(".csv") else fig_dir / f"{name}.csv"
    if not csv_path.is_file():
        known = sorted(p.stem for p in fig_dir.glob("*.csv")) if fig_dir.is_dir() else []
        raise BindingSimError(
            one_line(
                f"replot: {csv_path}: no such figure data"
                + (did_you_mean(name, known) or (f" (known: {', '.join(known)})" if known else ""))
            )
        )
    if experiments_dir is not None and not Path(experiments_dir).is_dir():
        raise BindingSimError(one_line(f"replot --experiments {experiments_dir}: not a directory"))
    out = Path(out_dir) if out_dir is not None else csv_path.parent
    if not out.is_dir():
        raise BindingSimError(
            one_line(f"replot --out {out}: not an existing folder (create it first)")
        )
    text, meta, draw_text, fig_name = read_figure_header(csv_path)
    draw = draw_function(draw_text, experiments_dir, fig_name, source=str(csv_path))
    data = _read_table(csv_path, text)
    check_figure_data(str(csv_path), data, meta, getattr(draw, "figure_spec", None), draw_text)
    try:
        return _render(draw, data, meta, out / csv_path.stem)
    except OSError as exc:
        raise BindingSimError(
            one_line(f"replot: cannot write into {out}: {exc.strerror or exc}")
        ) from None
    except _DRAW_ERRORS as exc:
        import matplotlib.pyplot as plt

        plt.close("all")
        raise BindingSimError(
            one_line(
                f"{csv_path}: the table cannot be drawn by {draw_text} "
                f"({type(exc).__name__}: {' '.join(str(exc).split())[:200]}); was it edited? "
                "regenerate it with binding-sim figures"
            )
        ) from None


# --------------------------------------------------------------- experiments
def _thin(values: list[Any], keep: int) -> list[Any]:
    if len(values) <= keep:
        return values
    idx = sorted({round(i * (len(values) - 1) / (keep - 1)) for i in range(keep)})
    return [values[i] for i in idx]


def thin_design(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The quick-mode version of a parsed experiment file (a copy).

    Each grid axis keeps at most :data:`QUICK_AXIS` values (``num`` is capped;
    lists keep evenly spaced values including both ends); a Latin hypercube
    keeps at most :data:`QUICK_SAMPLES` samples; explicit lists of points are
    kept whole (they are usually the figure's categories).
    """
    out = copy.deepcopy(dict(raw))
    design = out.get("design")
    if not isinstance(design, dict):
        return out
    grid = design.get("grid")
    if isinstance(grid, dict):
        for key, axis in grid.items():
            if isinstance(axis, dict) and isinstance(axis.get("num"), int):
                axis["num"] = min(axis["num"], QUICK_AXIS)
            elif isinstance(axis, list):
                grid[key] = _thin(axis, QUICK_AXIS)
    if isinstance(design.get("samples"), int):
        design["samples"] = min(design["samples"], QUICK_SAMPLES)
    return out


def load_analysis_experiment(path: str | Path) -> tuple[dict[str, Any], Scenario]:
    """An analysis-only experiment file (no simulation, so no sweep) and its scenario.

    Returns the parsed TOML and the scenario of ``experiment.scenario`` (a preset
    name, or a path relative to the file) with ``experiment.set`` applied. Used by
    figures drawn from :mod:`binding_sim.analysis` or exact chain values, whose
    files may carry tables of their own that a sweep's experiment file would not.
    """
    from ..config.analysis_file import load_analysis_file

    loaded = load_analysis_file(path)
    return dict(loaded.raw), loaded.scenario


def analysis_axis(
    spec: object, *, quick: bool, quick_num: int, source: str | Path, key: str
) -> np.ndarray:
    """Values of one grid axis: a list, or ``{start, stop, num}`` (``numpy.linspace``).

    In quick mode ``num`` is capped at ``quick_num``. Anything else is a one-line
    :class:`~binding_sim.errors.ConfigError` naming ``design.grid.KEY``.
    """
    import numpy as np

    from ..config.analysis_file import axis_values

    values = axis_values(spec, key, str(source), quick_num if quick else None)
    return np.asarray(values, dtype=float)


def load_experiment(path: str | Path, quick: bool = False) -> Experiment:
    """Load an experiment file; in quick mode thin its design (:func:`thin_design`) and use
    ``experiment.quick_reps`` replicates."""
    from ..config.experiment import Experiment

    path = Path(path)
    if not quick:
        return Experiment.load(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return Experiment.load(path)  # the loader reports the problem in one line
    return Experiment.from_dict(
        thin_design(raw),
        source=str(path),
        base_dir=path.resolve().parent,
        default_name=path.stem,
        quick=True,
    )


def run_experiment(
    path: str | Path, quick: bool = False, workers: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, Experiment]:
    """Run an experiment file with :func:`binding_sim.sweep.run_sweep` (nothing kept on disk).

    Returns
    -------
    (results, binding_time, experiment)
        The results table (one row per cell x protocol), the long
        binding-time table (cell, protocol, round, share_bound) and the
        loaded experiment (for its seed, replicates and scenario).
    """
    from ..sweep import run_sweep

    exp = load_experiment(path, quick)
    if workers is None and quick:
        workers = 1  # a quick run is too small to pay for starting worker processes
    result = run_sweep(exp, workers=workers, quiet=True)
    return result.results, result.binding_time, exp


def provenance(exp: Experiment) -> dict[str, Any]:
    """Metadata recorded with a figure: experiment, scenario, seed, replicates, horizon, quick."""
    return {
        "experiment": exp.name,
        "scenario": exp.scenario.name,
        "seed": exp.seed,
        "reps": exp.reps,
        "horizon": exp.horizon if exp.horizon is not None else exp.scenario.horizon,
        "quick": exp.quick,
    }


# ------------------------------------------------------------------ running
def discover(experiments_dir: str | Path | None = None) -> list[str]:
    """Names of the figure scripts (``NAME.py`` not starting with ``_``), sorted."""
    folder = Path(experiments_dir) if experiments_dir is not None else DEFAULT_EXPERIMENTS
    if not folder.is_dir():
        raise BindingSimError(one_line(f"--experiments {folder}: not a directory"))
    return sorted(p.stem for p in folder.glob("*.py") if not p.name.startswith("_"))


def load_script(path: str | Path) -> ModuleType:
    """Import an experiment script by path (in-process), under a private module name."""
    path = Path(path).resolve()
    mod_name = f"{SCRIPT_PACKAGE}.{path.stem}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise BindingSimError(f"{path}: cannot import experiment script")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(mod_name, None)
        raise
    if not callable(getattr(module, "main", None)):
        raise BindingSimError(f"{path}: an experiment script must define main(quick, out_dir)")
    return module


def default_out(quick: bool) -> Path:
    """The default output folder: :data:`DEFAULT_QUICK_OUT` in quick mode, else :data:`DEFAULT_OUT`.

    Parameters
    ----------
    quick : bool
        Whether the figures are drawn at low resolution.

    Returns
    -------
    pathlib.Path
        The folder, relative to the working directory.
    """
    return DEFAULT_QUICK_OUT if quick else DEFAULT_OUT


def run_figures(
    experiments_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    quick: bool = False,
    only: Sequence[str] | None = None,
    stream: TextIO | None = None,
) -> list[FigureRun]:
    """Run every experiment script (or those in ``only``) and write their figures.

    Prints one line per figure (``[i/n] NAME ... seconds``) and a total line
    on ``stream`` (default stderr). A figure that fails is reported (one
    line for a user error, the traceback otherwise) and the others still run;
    :class:`FiguresFailed` is raised at the end if any failed. Without
    ``out_dir`` the figures go to :func:`default_out` (``figures/``, or the
    git-ignored ``build/figures-quick/`` in quick mode).
    """
    stream = stream if stream is not None else sys.stderr
    folder = Path(experiments_dir) if experiments_dir is not None else DEFAULT_EXPERIMENTS
    out = Path(out_dir) if out_dir is not None else default_out(quick)
    names = discover(folder)
    if only:
        for n in only:
            if n not in names:
                raise BindingSimError(
                    f"--only {n}: no experiments/{n}.py in {folder}"
                    + (did_you_mean(n, names) or f" (known: {', '.join(names)})")
                )
        names = [n for n in names if n in set(only)]
    if out.exists() and not out.is_dir():
        raise BindingSimError(one_line(f"--out {out}: is a file, not a folder for the figures"))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BindingSimError(
            one_line(f"--out {out}: cannot create the folder ({exc.strerror or exc})")
        ) from None
    _use_agg_if_headless()
    runs: list[FigureRun] = []
    start = time.perf_counter()
    mode = "quick" if quick else "default"
    print(f"binding-sim figures: {len(names)} figure(s), {mode} resolution -> {out}", file=stream)
    failed: list[str] = []
    for i, name in enumerate(names, 1):
        t0 = time.perf_counter()
        print(f"[{i}/{len(names)}] {name} ...", end="", file=stream, flush=True)
        try:
            module = load_script(folder / f"{name}.py")
            result = module.main(quick=quick, out_dir=out)
        except BindingSimError as exc:
            failed.append(name)
            print(f" FAILED: {' '.join(str(exc).split())}", file=stream, flush=True)
            continue
        except Exception:
            failed.append(name)
            print(" FAILED:", file=stream, flush=True)
            traceback.print_exc(file=stream)
            continue
        seconds = time.perf_counter() - t0
        paths = tuple(Path(p) for p in (result or ()))
        runs.append(FigureRun(name, paths, seconds))
        print(f" {seconds:6.1f} s", file=stream, flush=True)
    total = time.perf_counter() - start
    print(f"done: {len(runs)} figure(s) in {total:.1f} s", file=stream, flush=True)
    if failed:
        raise FiguresFailed(f"{len(failed)} figure(s) failed: {', '.join(failed)}")
    return runs


def script_main(main: Callable[..., Any], argv: Sequence[str] | None = None) -> int:
    """Command line of an experiment script: ``python experiments/NAME.py [--quick] [--out DIR]``.

    User errors print one line on stderr and return 2, as ``binding-sim`` does.
    """
    parser = argparse.ArgumentParser(description=(main.__doc__ or "").strip().split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="low resolution (for tests)")
    parser.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help=f"output directory (default {DEFAULT_OUT}, or {DEFAULT_QUICK_OUT} with --quick)",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    out = Path(args.out) if args.out is not None else default_out(args.quick)
    _use_agg_if_headless()
    t0 = time.perf_counter()
    try:
        paths = main(quick=args.quick, out_dir=out)
    except BindingSimError as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return exc.exit_status
    for p in paths or ():
        print(p)
    print(f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0
