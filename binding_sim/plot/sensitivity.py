"""Sensitivity indices as horizontal bars with their confidence intervals.

Draws the table of :func:`binding_sim.sweep.sensitivity.sensitivity` (one
row per metric x protocol x parameter): one bar per parameter and protocol,
the bootstrap confidence interval as an error bar. Morris: ``mu_star`` (mean
absolute elementary effect, in units of the metric per whole range of the
parameter; Campolongo, Cariboni and Saltelli 2007). Sobol: ``S1`` and ``ST``
side by side (first-order and total shares of the metric's variance;
Saltelli et al. 2010). A parameter whose bar and interval both sit at 0 does
not move the metric over the ranges sampled. The protocols are those of
docs/model.md section 5, in their usual colours.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

from . import style

__all__ = [
    "INDEX_LABELS",
    "figure_stem",
    "index_bars",
    "save_sensitivity_figures",
    "sensitivity_figure",
]

INDEX_LABELS = {
    "mu_star": r"Morris $\mu^*$ (mean |elementary effect|)",
    "S1": r"first-order Sobol index $S_1$",
    "ST": r"total-order Sobol index $S_T$",
}
"""Axis labels of the indices."""


def _method(indices: pd.DataFrame) -> str:
    if "mu_star" in indices.columns:
        return "morris"
    if "ST" in indices.columns:
        return "sobol"
    raise ValueError("not a sensitivity table: it has neither mu_star nor ST columns")


def index_bars(
    indices: pd.DataFrame,
    index: str,
    ax: Axes | None = None,
    protocols: Sequence[str] | None = None,
) -> list[BarContainer]:
    """Horizontal bars of ``index`` per parameter (one bar per protocol), CI as error bars.

    Parameters
    ----------
    indices : DataFrame
        The rows of one metric: ``protocol``, ``parameter``, ``index`` and
        ``{index}_conf`` (the interval's half-width).
    index : str
        ``mu_star``, ``S1`` or ``ST``.
    ax : Axes, optional
        Where to draw (default: a new single-column figure).
    protocols : sequence of str, optional
        The protocols to draw, in order (default: those of the table).

    Returns
    -------
    list of BarContainer
        One per protocol. The first parameter is at the top. An undefined
        index (NaN: a constant metric) is drawn as no bar.
    """
    if ax is None:
        _, ax = style.figure("single")
    params = list(dict.fromkeys(indices["parameter"]))
    protos = list(protocols) if protocols is not None else list(dict.fromkeys(indices["protocol"]))
    n = max(len(protos), 1)
    height = 0.8 / n
    y0 = np.arange(len(params))[::-1].astype(float)
    bars = []
    for i, protocol in enumerate(protos):
        rows = indices[indices["protocol"] == protocol].set_index("parameter").reindex(params)
        width = np.nan_to_num(rows[index].to_numpy(dtype=float), nan=0.0)
        conf_col = f"{index}_conf"
        conf = (
            np.nan_to_num(rows[conf_col].to_numpy(dtype=float), nan=0.0)
            if conf_col in rows
            else None
        )
        st = style.protocol_style(protocol) if protocol else style.series_style(i)
        label = style.PROTOCOL_LABELS.get(protocol, protocol) or None
        y = y0 + 0.4 - height * (i + 0.5)
        container = ax.barh(
            y,
            width,
            height=height * 0.9,
            xerr=conf,
            color=st["color"],
            label=label,
            error_kw={"elinewidth": 0.6, "capsize": 1.5, "ecolor": "black"},
        )
        bars.append(container)
    ax.set_yticks(y0)
    ax.set_yticklabels(params)
    ax.axvline(0.0, color="black", linewidth=0.6)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(INDEX_LABELS.get(index, index))
    return bars


def sensitivity_figure(indices: pd.DataFrame, metric: str) -> Figure:
    """The figure of one metric: Morris ``mu_star``, or Sobol ``S1`` and ``ST`` side by side.

    Parameters
    ----------
    indices : DataFrame
        A whole ``indices.csv`` (or the rows of ``metric``).
    metric : str
        The metric column to draw.
    """
    method = _method(indices)
    rows = indices[indices["metric"] == metric]
    if rows.empty:
        raise ValueError(f"no indices for metric {metric!r}")
    panels = ["mu_star"] if method == "morris" else ["S1", "ST"]
    n_params = rows["parameter"].nunique()
    protocols = list(dict.fromkeys(rows["protocol"]))
    height = min(1.1 + 0.22 * n_params * (1 + 0.5 * (len(protocols) - 1)), 9.0)
    fig, axes = style.figure(
        "single" if method == "morris" else "double",
        height=height,
        ncols=len(panels),
        sharey=True,
    )
    axes_list = [axes] if len(panels) == 1 else list(axes)
    with style.use():  # legend and title in the journal style too
        for ax, index in zip(axes_list, panels, strict=True):
            bars = index_bars(rows, index, ax=ax, protocols=protocols)
        if len(panels) > 1:
            style.panel_labels(axes_list)
            for ax in axes_list:
                lo, hi = ax.get_xlim()
                ax.set_xlim(min(lo, 0.0), max(hi, 1.0))
        if any(protocols):
            fig.legend(
                handles=bars,
                loc="outside lower center",
                ncols=len(protocols),
            )
        fig.suptitle(
            f"{metric}: {'Morris screening' if method == 'morris' else 'Sobol indices'}",
            fontsize=style.rc["axes.titlesize"],
        )
    return fig


def figure_stem(metric: str) -> str:
    """The file stem of a metric's figure: ``indices_METRIC`` with unsafe characters as ``_``."""
    return "indices_" + re.sub(r"[^A-Za-z0-9_-]", "_", metric)


def save_sensitivity_figures(indices: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Draw and save every metric's figure as ``OUT/indices_METRIC.pdf`` and ``.png``.

    Figures ``OUT/indices_*.pdf`` / ``.png`` of metrics no longer in the
    table (an earlier run with other metrics) are removed first, so the
    folder's figures always match its ``indices.csv``.

    The files are written by :func:`binding_sim.plot.style.save` (vector PDF
    with Type 42 fonts, 300 dpi PNG). Two metrics whose names differ only in
    characters unsafe in file names get distinct stems (a numbered suffix).
    Returns every path written.
    """
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    for ext in ("pdf", "png"):
        for old in out.glob(f"indices_*.{ext}"):
            old.unlink()
    paths: list[Path] = []
    used: set[str] = set()
    for metric in dict.fromkeys(indices["metric"]):
        stem = figure_stem(str(metric))
        base, k = stem, 2
        while stem in used:
            stem, k = f"{base}_{k}", k + 1
        used.add(stem)
        fig = sensitivity_figure(indices, str(metric))
        try:
            paths.extend(style.save(fig, out / stem))
        finally:
            plt.close(fig)
    return paths
