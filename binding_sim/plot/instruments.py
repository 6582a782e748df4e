"""What each piecemeal arrangement contributes (the 2016 essay's three instruments).

Draw function of the ``piecemeal_instruments`` figure: the piecemeal share
bound (a) against the missile-defence transparency gain and (b) against the
interceptor cap factor (docs/model.md section 6), the preset's value marked by
a dotted line, with Wilson 95% bands.

The tidy table has one row per run with ``group`` in ``ladder``,
``transparency_gain``, ``cap_factor``; ``label`` names a ladder variant and
``value`` is the swept value. The ``ladder`` rows (the full ladder and the
ladder with each arrangement removed) are kept in the table but not drawn: at
the figure's settings removing the caps or the buffer zone leaves the share
bound exactly where it is and removing the transparency rung leaves it at 0,
which the gallery states in words; :func:`ladder_bars` draws them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

from . import style
from .curves import band_line
from .registry import Column, Meta, figure_data

__all__ = ["ladder_bars", "piecemeal_instruments_figure"]


def ladder_bars(data: pd.DataFrame, ax: Axes | None = None) -> BarContainer:
    """Horizontal bars of share bound per ladder variant (rows of ``group == "ladder"``)."""
    if ax is None:
        _, ax = style.figure("single")
    rows = data[data["group"] == "ladder"].reset_index(drop=True)
    y = np.arange(len(rows))[::-1]
    err = np.vstack(
        [
            rows["share_bound"] - rows["share_bound_lo"],
            rows["share_bound_hi"] - rows["share_bound"],
        ]
    )
    bars = ax.barh(
        y,
        rows["share_bound"],
        xerr=err,
        height=0.6,
        color=style.PALETTE["blue"],
        edgecolor="black",
        linewidth=0.4,
        error_kw={"elinewidth": 0.8, "capsize": 2},
    )
    ax.set_yticks(y, [str(s).replace("without ", "without\n") for s in rows["label"]])
    for yi, v, hi in zip(y, rows["share_bound"], rows["share_bound_hi"], strict=True):
        ax.text(min(float(hi) + 0.03, 0.9), yi, f"{v:.2f}", va="center", fontsize=6.5)
    ax.set_xlim(0, 1)
    ax.set_xlabel("piecemeal share bound")
    ax.grid(axis="y", visible=False)
    return bars


def _sweep(data: pd.DataFrame, group: str, ax: Axes, preset: float | None, xlabel: str) -> None:
    rows = data[data["group"] == group].sort_values("value")
    band_line(
        rows["value"],
        rows["share_bound"],
        rows["share_bound_lo"],
        rows["share_bound_hi"],
        ax=ax,
        series=style.protocol_style("piecemeal"),
        markers=11,
    )
    if preset is not None:
        ax.axvline(preset, color="0.3", linestyle=":", linewidth=0.9)
        ax.text(preset, 0.04, " preset", fontsize=6.5, color="0.3", va="bottom")
    ax.set_ylim(0, 1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("piecemeal share bound")


@figure_data(
    Column("group", "text"),
    Column("label", "text"),
    Column("value", missing=True),
    Column("share_bound", "probability"),
    Column("share_bound_lo", "probability"),
    Column("share_bound_hi", "probability"),
    meta=(Meta("transparency_gain", "number"), Meta("cap_factor", "number")),
    bands=(("share_bound", "share_bound_lo", "share_bound_hi"),),
)
def piecemeal_instruments_figure(data: pd.DataFrame, meta: Mapping[str, Any]) -> Figure:
    """Draw function of ``piecemeal_instruments`` (double width, two panels)."""
    fig, axes = style.figure("double", height=2.5, ncols=2)
    _sweep(
        data,
        "transparency_gain",
        axes[0],
        meta.get("transparency_gain"),
        "transparency gain (md_transparency)",
    )
    _sweep(
        data, "cap_factor", axes[1], meta.get("cap_factor"), "cap factor $c$ (interceptor_caps)"
    )
    style.panel_labels(axes)
    return fig
