r"""Phase diagrams: an aggregate over two parameters, with analytic curves overlaid.

Draw functions of the ``phase_diagram`` figure (piecemeal share bound over
trust-building rate and incident rate, with the mean-field ``lambda*`` of
docs/model.md section 9 item 4) and the ``spiral`` figure (piecemeal share trapped
over incident rate and erosion rate, without and with trust recovery; the
mistrust trap of docs/model.md section 8).

The mean-field curve: while both comply on the one rung, trust drifts to
``tau_eq = (1-e) lambda w / ((1-e) lambda w + e mu)``; setting it equal to
the formal threshold ``tau*_F`` gives
``lambda*(e) = e mu tau*_F / ((1 - e) w (1 - tau*_F))``. It marks the
mean-field crossing, not a 50% line (docs/model.md section 9 item 4).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from . import style
from .heatmap import heatmap
from .registry import Column, Meta, figure_data

__all__ = ["lambda_star_line", "phase_diagram_figure", "spiral_figure"]

_LABELS = {
    "trust.building_rate": r"trust-building rate $\lambda$",
    "trust.erosion_rate": r"trust erosion rate $\mu$",
    "trust.recovery_rate": r"trust recovery rate $\phi$",
    "actors.*.incident_rate": r"incident rate $\epsilon$ (both actors)",
}


def _label(key: str) -> str:
    return _LABELS.get(key, key)


def lambda_star_line(
    data: pd.DataFrame, y: str, ax: Axes | None = None, column: str = "lambda_star"
) -> Line2D:
    """Draw the mean-field ``lambda*`` against ``y`` (one value per ``y`` in ``data``)."""
    if ax is None:
        _, ax = style.figure("single")
    curve = data[[y, column]].drop_duplicates(y).sort_values(y)
    (line,) = ax.plot(
        curve[column],
        curve[y],
        color=style.PALETTE["vermillion"],
        linestyle="--",
        linewidth=1.4,
        label=r"mean-field $\lambda^*$: $\tau_{eq} = \tau^*_F$",
    )
    return line


@figure_data(
    Column("{x}", positive=True),
    Column("{y}"),
    Column("share_bound", "probability"),
    Column("lambda_star", missing=True),
    meta=(
        Meta("x", "column", default="trust.building_rate"),
        Meta("y", "column", default="actors.*.incident_rate"),
    ),
    grid=("{x}", "{y}"),
)
def phase_diagram_figure(data: pd.DataFrame, meta: Mapping[str, Any]) -> Figure:
    """Draw function of ``phase_diagram``: share bound over (lambda, epsilon), lambda* overlaid."""
    x = str(meta.get("x", "trust.building_rate"))
    y = str(meta.get("y", "actors.*.incident_rate"))
    fig, ax = style.figure("single", height=3.0)
    mesh = heatmap(data, x, y, "share_bound", ax=ax, log_x=True)
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    line = lambda_star_line(data, y, ax=ax)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    ax.set_xlabel(_label(x))
    ax.set_ylabel(_label(y))
    bar = fig.colorbar(mesh, ax=ax, pad=0.02, fraction=0.06)
    bar.set_label("piecemeal share bound by the horizon")
    bar.outline.set_linewidth(0.5)  # type: ignore[operator]
    ax.legend(handles=[line], loc="upper left", fontsize=6.5, frameon=True, framealpha=0.85)
    if meta.get("horizon") is not None:
        ax.set_title(
            f"mean-field regime: one rung, $\\mu$ = {meta.get('erosion_rate', '?')}, "
            f"H = {meta['horizon']}",
            fontsize=7,
        )
    return fig


@figure_data(
    Column("{x}"),
    Column("{y}"),
    Column("{panel}", at_most=6),
    Column("share_trapped", "probability"),
    meta=(
        Meta("x", "column", default="actors.*.incident_rate"),
        Meta("y", "column", default="trust.erosion_rate"),
        Meta("panel", "column", default="trust.recovery_rate"),
        Meta("point", "pair"),
        Meta("scenario", "text"),
    ),
    grid=("{x}", "{y}"),
)
def spiral_figure(data: pd.DataFrame, meta: Mapping[str, Any]) -> Figure:
    """Draw function of ``spiral``: share trapped over (epsilon, mu), one panel per recovery rate."""
    x = str(meta.get("x", "actors.*.incident_rate"))
    y = str(meta.get("y", "trust.erosion_rate"))
    panel = str(meta.get("panel", "trust.recovery_rate"))
    values = sorted(pd.unique(data[panel]))
    fig, axes = style.figure("double", height=2.6, ncols=len(values), sharey=True)
    axes = np.atleast_1d(axes)
    mesh = None
    for ax, val in zip(axes, values, strict=True):
        mesh = heatmap(data[np.isclose(data[panel], val)], x, y, "share_trapped", ax=ax)
        what = "no recovery" if val == 0 else "recovery"
        ax.set_title(f"{what} ($\\phi$ = {val:g})", fontsize=8)
        ax.set_xlabel(_label(x))
        point = meta.get("point")
        if point is not None:
            ax.plot(
                *point,
                marker="*",
                ms=8,
                color=style.PALETTE["orange"],
                mec="black",
                mew=0.5,
                ls="none",
                label=str(meta.get("scenario", "preset")),
            )
    axes[0].set_ylabel(_label(y))
    if meta.get("point") is not None:
        axes[0].legend(loc="upper left", fontsize=6.5, frameon=True, framealpha=0.85)
    assert mesh is not None
    bar = fig.colorbar(mesh, ax=list(axes), pad=0.01, fraction=0.04)
    bar.set_label("piecemeal share trapped")
    bar.outline.set_linewidth(0.5)  # type: ignore[operator]
    style.panel_labels(axes)
    return fig
