"""Any sweep's results table as a figure: one metric against one parameter, by hue and panel.

:func:`sweep_plot` draws the results table of a finished sweep (a
:class:`~binding_sim.sweep.SweepResult`, or its folder read with
:func:`~binding_sim.sweep.read_results`) in the journal style of
:mod:`binding_sim.plot.style`, and writes ``STEM.pdf`` (Type 42 fonts),
``STEM.png`` (300 dpi) and ``STEM.csv``, the tidy table it drew. It is the
Python side of ``binding-sim plot SWEEP_DIR --y METRIC --x KEY``.

The mapping rule
    A results table has one row per cell x protocol (docs/model.md section 11).
    A line drawn through rows that differ in a parameter other than ``x``
    joins points of different experiments: the zig-zag of a two-parameter
    sweep drawn as one curve. So every design parameter that takes more than
    one value in the sweep must be mapped to ``x``, ``hue`` (one line per
    value) or ``col`` (one panel per value); an unmapped one is a one-line
    error naming it. A parameter with one value needs no mapping.

Protocols
    ``protocol`` is a key like the design parameters. When the sweep ran
    more than one protocol and none of ``x``, ``hue`` and ``col`` is
    ``"protocol"``, the protocol goes to ``hue`` if ``hue`` is free (one
    line per protocol, in the package's protocol styles); when ``hue`` holds
    another parameter it is an error, resolved with ``col="protocol"`` or
    ``protocol=NAME`` (only that protocol's rows).

Bands
    A metric with an interval in the table is drawn with it as a band, and
    the interval's columns go into the CSV: ``share_bound`` with its Wilson
    (1927) 95% interval ``share_bound_lo``/``share_bound_hi`` (a metric of
    :data:`binding_sim.dynamics.metrics.METRICS` with parts ``lo`` and
    ``hi``), ``time_to_bind_median`` with its quartiles
    ``time_to_bind_q25``/``time_to_bind_q75`` (any ``NAME_median`` beside
    ``NAME_q25`` and ``NAME_q75``). The outcome metrics are those of
    docs/model.md section 8.

Data preparation (:func:`sweep_plot_table`) lives apart from drawing
(:func:`draw_sweep_plot`); the first checks every name against the table and
raises :class:`~binding_sim.errors.BindingSimError` with one line listing
what exists (and the closest name).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..config.schema import PROTOCOL_NAMES
from ..dynamics.metrics import METRICS
from ..errors import BindingSimError, did_you_mean, one_line
from . import style
from .curves import series_lines

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..sweep.result import SweepResult

__all__ = [
    "MAX_PANEL_COLUMNS",
    "PLOTS",
    "SweepPlot",
    "SweepPlotSpec",
    "band_columns",
    "default_stem",
    "design_parameters",
    "draw_sweep_plot",
    "metric_columns",
    "sweep_plot",
    "sweep_plot_table",
]

PLOTS = "plots"
"""Sub-folder of a sweep's folder where :func:`sweep_plot` writes by default."""
MAX_PANEL_COLUMNS = 4
"""Panels per row of a ``col`` figure (more values wrap onto further rows)."""
_SUFFIXES = (".pdf", ".png", ".csv")


@dataclass(frozen=True)
class SweepPlotSpec:
    """What a sweep figure maps: the metric, the keys and the band columns.

    Attributes
    ----------
    y : str
        The metric column.
    x : str
        The key on the horizontal axis (a design parameter or ``"protocol"``).
    hue, col : str or None
        The key of the lines and of the panels.
    lo, hi : str or None
        The band's columns (``None``: the metric has no interval).
    band : str or None
        What the band is, for the legend.
    """

    y: str
    x: str
    hue: str | None = None
    col: str | None = None
    lo: str | None = None
    hi: str | None = None
    band: str | None = None

    @property
    def keys(self) -> list[str]:
        """The mapped keys, in the order x, hue, col."""
        return [k for k in (self.x, self.hue, self.col) if k is not None]


@dataclass(frozen=True, eq=False)
class SweepPlot:
    """What :func:`sweep_plot` returns.

    Attributes
    ----------
    table : pandas.DataFrame
        The tidy table drawn (and written as ``STEM.csv``): one row per point,
        ``cell``, ``protocol``, the mapped keys, the metric and the band's
        columns, with the sweep table's values unchanged.
    spec : SweepPlotSpec
        The mapping (``hue`` filled in when the protocol went there by default).
    figure : matplotlib.figure.Figure
        The figure (still open: close it with ``matplotlib.pyplot.close``).
    paths : tuple of Path
        ``STEM.pdf``, ``STEM.png`` and ``STEM.csv``.
    """

    table: pd.DataFrame
    spec: SweepPlotSpec
    figure: Figure
    paths: tuple[Path, ...]


# ------------------------------------------------------------------ the table
def _columns_around_seed(results: pd.DataFrame, source: str) -> tuple[list[str], int, int]:
    cols = [str(c) for c in results.columns]
    for needed in ("cell", "protocol", "cell_seed"):
        if needed not in cols:
            raise BindingSimError(
                one_line(f"{source}: not a sweep results table (no column {needed!r})")
            )
    return cols, cols.index("protocol"), cols.index("cell_seed")


def design_parameters(results: pd.DataFrame, source: str = "sweep") -> list[str]:
    """The design parameters of a results table: its columns between ``protocol`` and ``cell_seed``.

    A results table (:class:`~binding_sim.sweep.SweepResult`) holds ``cell``,
    ``protocol``, the design parameters (dotted keys as written), ``cell_seed``
    and then the outcome columns.
    """
    cols, i, j = _columns_around_seed(results, source)
    return cols[i + 1 : j]


def metric_columns(results: pd.DataFrame, source: str = "sweep") -> list[str]:
    """The outcome columns of a results table (every column after ``cell_seed``)."""
    cols, _, j = _columns_around_seed(results, source)
    return cols[j + 1 :]


def band_columns(y: str, columns: Sequence[str]) -> tuple[str, str, str] | None:
    """The band of metric column ``y``: ``(lo, hi, what it is)``, or ``None``.

    A metric of :data:`~binding_sim.dynamics.metrics.METRICS` with parts
    ``lo`` and ``hi`` gives its interval (``share_bound``: the Wilson 95%
    interval); ``NAME_median`` gives ``NAME_q25``/``NAME_q75`` (the
    interquartile range). Both columns must be in ``columns``.
    """
    present = set(columns)
    for m in METRICS.values():
        if m.in_columns and m.parts == ("lo", "hi") and m.column_stem == y:
            lo, hi = f"{y}_lo", f"{y}_hi"
            if lo in present and hi in present:
                return lo, hi, m.doc.replace(" of the share bound", "")
    if y.endswith("_median"):
        stem = y[: -len("_median")]
        lo, hi = f"{stem}_q25", f"{stem}_q75"
        if lo in present and hi in present:
            return lo, hi, "interquartile range"
    return None


def _refuse(source: str, option: str, value: object, allowed: str) -> BindingSimError:
    return BindingSimError(one_line(f"{source}: {option} {value!r}: {allowed}"))


def _listing(names: Sequence[str]) -> str:
    return ", ".join(names) if names else "(none)"


def sweep_plot_table(
    results: pd.DataFrame,
    y: str,
    x: str,
    hue: str | None = None,
    col: str | None = None,
    protocol: str | None = None,
    source: str = "sweep",
) -> tuple[pd.DataFrame, SweepPlotSpec]:
    """Check a mapping against a results table; return the tidy table to draw and the mapping.

    Parameters
    ----------
    results : pandas.DataFrame
        A sweep's results table (:attr:`binding_sim.sweep.SweepResult.results`).
    y : str
        A metric column (``share_bound``, ``mean_final_trust_NATO``, ...).
    x, hue, col : str
        Keys: a design parameter of the sweep or ``"protocol"``.
    protocol : str, optional
        Keep only this protocol's rows.
    source : str
        Named in error messages (the sweep folder).

    Returns
    -------
    table : pandas.DataFrame
        ``cell``, ``protocol``, the mapped keys, ``y`` and the band's columns,
        one row per point, in the table's order (cell, protocol).
    spec : SweepPlotSpec

    Raises
    ------
    BindingSimError
        An unknown metric, key or protocol (the message lists what exists), a
        key mapped twice, a varying parameter left unmapped (named), or more
        than one protocol with ``hue`` taken and no ``protocol``.
    """
    params = design_parameters(results, source)
    metrics = metric_columns(results, source)
    keys = [*params, "protocol"]
    if y not in metrics:
        hint = " (a key, not a metric: map it with --x, --hue or --col)" if y in keys else ""
        raise _refuse(
            source,
            "--y",
            y,
            f"not a metric of this sweep{hint}; metrics: {_listing(metrics)}"
            + did_you_mean(y, metrics),
        )
    mapped: list[str] = []
    for option, key in (("--x", x), ("--hue", hue), ("--col", col)):
        if key is None:
            continue
        if key not in keys:
            raise _refuse(
                source,
                option,
                key,
                f"not a key of this sweep; keys: {_listing(keys)}" + did_you_mean(key, keys),
            )
        if key in mapped:
            raise _refuse(source, option, key, "already mapped; map each key at most once")
        mapped.append(key)
    protocols = [str(p) for p in pd.unique(results["protocol"])]
    data = results
    if protocol is not None:
        if protocol not in protocols:
            raise _refuse(
                source,
                "--protocol",
                protocol,
                f"not a protocol of this sweep; protocols: {_listing(protocols)}"
                + did_you_mean(protocol, protocols),
            )
        data = results[results["protocol"] == protocol]
    elif len(protocols) > 1 and "protocol" not in mapped:
        if hue is None:
            hue = "protocol"
        else:
            raise BindingSimError(
                one_line(
                    f"{source}: the sweep has protocols {_listing(protocols)} and none of "
                    f"--x, --hue, --col is 'protocol' (--hue holds {hue!r}); map it with "
                    "--col protocol or choose one with --protocol"
                )
            )
    unmapped = [p for p in params if p not in (x, hue, col) and data[p].nunique(dropna=False) > 1]
    if unmapped:
        counts = ", ".join(f"{p!r} ({data[p].nunique(dropna=False)} values)" for p in unmapped)
        noun = "parameter" if len(unmapped) == 1 else "parameters"
        verb = "varies" if len(unmapped) == 1 else "vary"
        raise BindingSimError(
            one_line(
                f"{source}: {noun} {counts} {verb} in this sweep but not mapped to --x, "
                "--hue or --col; map each varying parameter to one of them (a line through "
                "points that differ in an unmapped parameter would join different experiments)"
            )
        )
    if data.empty:
        raise BindingSimError(one_line(f"{source}: the sweep's results table has no rows"))
    band = band_columns(y, metrics)
    lo, hi, what = band if band is not None else (None, None, None)
    spec = SweepPlotSpec(y=y, x=x, hue=hue, col=col, lo=lo, hi=hi, band=what)
    columns = ["cell", "protocol"] + [k for k in spec.keys if k != "protocol"] + [y]
    columns += [c for c in (lo, hi) if c is not None]
    return data[columns].reset_index(drop=True), spec


# ------------------------------------------------------------------ drawing
def _fmt(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    return str(value)


def _order(values: pd.Series, key: str) -> list[Any]:
    unique = list(pd.unique(values))
    if key == "protocol":
        known = [p for p in PROTOCOL_NAMES if p in unique]
        return known + [p for p in unique if p not in known]
    try:
        return sorted(unique)
    except TypeError:
        return unique


def _numeric(values: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(values)) and not pd.api.types.is_bool_dtype(values)


def _categorical_points(
    rows: pd.DataFrame,
    spec: SweepPlotSpec,
    ticks: list[Any],
    hue_order: list[Any] | None,
    style_of: Any,
    label_of: Any,
    ax: Axes,
) -> None:
    """Points (no lines: categories have no order between them) with the band as error bars."""
    groups = (
        [(None, rows)]
        if spec.hue is None or hue_order is None
        else [(k, rows[rows[spec.hue] == k]) for k in hue_order]
    )
    n = len(groups)
    for i, (key, grp) in enumerate(groups):
        if grp.empty:
            continue
        st = dict(style.series_style(0) if key is None else style_of(key))
        where = grp[spec.x].map({v: j for j, v in enumerate(ticks)}).to_numpy(dtype=float)
        where = where + (i - (n - 1) / 2) * min(0.12, 0.6 / max(n, 1))
        y = grp[spec.y].to_numpy(dtype=float)
        yerr = None
        if spec.lo is not None and spec.hi is not None:
            yerr = np.vstack(
                [y - grp[spec.lo].to_numpy(dtype=float), grp[spec.hi].to_numpy(dtype=float) - y]
            )
        ax.errorbar(
            where,
            y,
            yerr=yerr,
            color=st["color"],
            marker=st["marker"],
            linestyle="none",
            elinewidth=0.8,
            capsize=1.5,
            label=None if key is None else label_of(key),
        )


def draw_sweep_plot(table: pd.DataFrame, spec: SweepPlotSpec) -> Figure:
    """Draw the tidy table of :func:`sweep_plot_table` in the journal style; return the figure.

    One line per ``hue`` value (protocols in their package styles), the band
    around each line, one panel per ``col`` value (shared axes, at most
    :data:`MAX_PANEL_COLUMNS` per row). A non-numeric ``x`` (the protocol, a
    ladder) is drawn as points at evenly spaced positions labelled with its
    values, the band as error bars (categories are not joined by lines).
    """
    panels: list[Any] = [None] if spec.col is None else _order(table[spec.col], spec.col)
    ncols = min(len(panels), MAX_PANEL_COLUMNS)
    nrows = math.ceil(len(panels) / ncols)
    ticks = None if _numeric(table[spec.x]) else _order(table[spec.x], spec.x)
    hue_order = None if spec.hue is None else _order(table[spec.hue], spec.hue)
    if spec.hue == "protocol":
        style_of: Any = style.protocol_style
        label_of: Any = lambda v: style.PROTOCOL_LABELS.get(str(v), str(v))  # noqa: E731
    else:
        style_of = lambda v: style.series_style(hue_order.index(v) if hue_order else 0)  # noqa: E731
        label_of = _fmt
    with style.use():
        fig, axes = style.figure(
            "single" if ncols == 1 else "double",
            nrows=nrows,
            ncols=ncols,
            sharex=True,
            sharey=True,
            squeeze=False,
        )
        flat = list(axes.flat)
        for ax, value in zip(flat, panels, strict=False):
            rows = table if spec.col is None else table[table[spec.col] == value]
            if ticks is None:
                series_lines(
                    rows,
                    spec.x,
                    spec.y,
                    by=spec.hue,
                    lo=spec.lo,
                    hi=spec.hi,
                    ax=ax,
                    order=hue_order,
                    label=label_of,
                    style_of=style_of,
                )
            else:
                _categorical_points(rows, spec, ticks, hue_order, style_of, label_of, ax)
                ax.set_xticks(range(len(ticks)), [_fmt(t) for t in ticks])
                ax.set_xlim(-0.5, len(ticks) - 0.5)
            if spec.col is not None:
                ax.set_title(f"{spec.col} = {_fmt(value)}")
        for ax in flat[len(panels) :]:
            ax.set_visible(False)
        for i, ax in enumerate(flat[: len(panels)]):
            if i + ncols >= len(panels):  # no panel below it
                ax.set_xlabel(spec.x)
            if i % ncols == 0:
                ax.set_ylabel(spec.y)
        handles, labels = flat[0].get_legend_handles_labels()
        if spec.band is not None:
            if ticks is None:
                handles.append(Patch(color="0.5", alpha=0.3, linewidth=0))
            else:
                handles.append(Line2D([], [], color="0.4", marker="|", linestyle="none"))
            labels.append(spec.band)
        if handles:
            flat[0].legend(handles, labels, title=spec.hue)
    return fig


# ------------------------------------------------------------------ the front door
def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def default_stem(spec: SweepPlotSpec, protocol: str | None = None) -> str:
    """The default file stem: ``{y}_vs_{x}[_by_{hue}][_per_{col}][_{protocol}]``.

    Characters other than letters, digits, ``.``, ``_`` and ``-`` become ``_``
    (``actors.*.incident_rate`` gives ``actors._.incident_rate``).
    """
    stem = f"{spec.y}_vs_{spec.x}"
    if spec.hue is not None:
        stem += f"_by_{spec.hue}"
    if spec.col is not None:
        stem += f"_per_{spec.col}"
    if protocol is not None:
        stem += f"_{protocol}"
    return _safe(stem)


def _load(result_or_dir: SweepResult | str | Path) -> tuple[SweepResult, str]:
    from ..sweep import SweepResult, read_results

    if isinstance(result_or_dir, SweepResult):
        out = result_or_dir.out
        return result_or_dir, str(out) if out is not None else "sweep result"
    folder = Path(result_or_dir)
    if not folder.is_dir():
        why = "does not exist" if not folder.exists() else "is not a folder"
        raise BindingSimError(
            one_line(f"SWEEP_DIR {str(folder)!r} {why}; give the --out folder of a finished sweep")
        )
    try:
        return read_results(folder), str(folder)
    except (OSError, ValueError) as exc:  # an unreadable or edited table (pyarrow raises these)
        raise BindingSimError(
            one_line(f"{folder}: cannot read the sweep's tables: {type(exc).__name__}: {exc}")
        ) from None


def _stem(out: str | Path | None, result: SweepResult, spec: SweepPlotSpec, protocol: Any) -> Path:
    if out is None:
        if result.out is None:
            raise BindingSimError(
                "the sweep ran in a temporary folder (out=None) that is gone; pass out=STEM"
            )
        return Path(result.out) / PLOTS / default_stem(spec, protocol)
    text = str(out)
    if not text.strip():
        raise BindingSimError("--out '': expected a file stem (STEM.pdf, .png, .csv are written)")
    stem = Path(text)
    if stem.suffix.lower() in _SUFFIXES:
        stem = stem.with_suffix("")
    if not stem.name or stem.name in (".", ".."):
        raise BindingSimError(
            one_line(f"--out {text!r}: expected a file stem (STEM.pdf, .png, .csv are written)")
        )
    return stem


def sweep_plot(
    result_or_dir: SweepResult | str | Path,
    y: str,
    x: str,
    hue: str | None = None,
    col: str | None = None,
    protocol: str | None = None,
    out: str | Path | None = None,
) -> SweepPlot:
    """Draw one metric of a sweep against a parameter; write the PDF, the PNG and the CSV.

    Parameters
    ----------
    result_or_dir : SweepResult or path
        A finished sweep: the result of :func:`~binding_sim.sweep.run_sweep`
        or its output folder.
    y : str
        The metric column (``share_bound``, ``time_to_bind_median``,
        ``mean_final_trust_NATO``, ...; docs/model.md section 8).
    x : str
        The key on the horizontal axis: a design parameter (dotted, as in the
        experiment file) or ``"protocol"``.
    hue, col : str, optional
        Keys drawn as one line per value and as one panel per value. Every
        parameter that varies in the sweep must be one of ``x``, ``hue``,
        ``col`` (see the module docstring); with several protocols and none of
        them ``"protocol"``, the protocol takes ``hue`` if it is free.
    protocol : str, optional
        Draw only this protocol's rows.
    out : path, optional
        File stem (``.pdf``, ``.png`` and ``.csv`` are added; a given
        ``.pdf``/``.png``/``.csv`` suffix is dropped). Default:
        ``SWEEP_DIR/plots/{y}_vs_{x}...`` (:func:`default_stem`), inside the
        sweep's folder.

    Returns
    -------
    SweepPlot
        The tidy table, the mapping, the (open) figure and the three paths.

    Raises
    ------
    BindingSimError
        One line: an unfinished or missing sweep, an unknown metric, key or
        protocol (listing what exists), an unmapped varying parameter (named),
        an output that cannot be written.

    Examples
    --------
    >>> from binding_sim.plot.sweep_figure import sweep_plot  # doctest: +SKIP
    >>> sweep_plot("sweeps/example", y="share_bound", x="trust.building_rate",
    ...            col="actors.*.incident_rate").paths  # doctest: +SKIP
    """
    result, source = _load(result_or_dir)
    table, spec = sweep_plot_table(
        result.results, y=y, x=x, hue=hue, col=col, protocol=protocol, source=source
    )
    stem = _stem(out, result, spec, protocol)
    csv = stem.with_name(f"{stem.name}.csv")
    fig = draw_sweep_plot(table, spec)
    try:
        # style.save replaces the last suffix: hand it STEM.pdf, so a stem holding dots
        # (a dotted key) keeps its whole name.
        pdf, png = style.save(fig, stem.with_name(f"{stem.name}.pdf"))
        table.to_csv(csv, index=False)
    except OSError as exc:
        import matplotlib.pyplot as plt

        plt.close(fig)
        raise BindingSimError(
            one_line(f"--out {str(stem)!r}: cannot write the figure: {exc.strerror or exc}")
        ) from None
    return SweepPlot(table=table, spec=spec, figure=fig, paths=(pdf, png, csv))
