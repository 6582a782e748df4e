r"""The comparative protocol map: which protocol binds, how soon and at what welfare.

Draw function of the ``protocol_map`` figure. Each map is a grid of two
scenario keys (for the 2016 essay the relative-gains sensitivity ``k`` and
the initial trust ``tau_0`` of both actors; for the 2010 essay the common
threat ``theta`` and Russia's ``k``), simulated under the ``formal`` and the
``piecemeal`` protocol (docs/model.md section 5). One row of panels per map:

- which protocol binds in more than half of the runs by the horizon
  (:func:`binding_regions`: both, piecemeal only, formal only, neither);
- the median binding round of the piecemeal protocol (over its bound
  replicates, docs/model.md section 8), where it binds in more than half of
  the runs;
- the welfare under the piecemeal protocol: the mean over the two actors of
  each actor's cumulative discounted relative-gains payoff (section 8).

The piecemeal protocol tables the treaty itself first whenever both accept it
(section 5.3), so with best-responding actors it binds in round 1 wherever
the formal protocol does, and the binding round and welfare of the piecemeal
protocol describe both protocols where both bind.

The tidy table has one row per (map, protocol, grid cell) with the map's
keys in the text columns ``x_key`` and ``y_key`` and their values in ``x``
and ``y``; ``meta["points"]`` holds each preset's position
(``"MAP:x"``, ``"MAP:y"``) and ``meta["presets"]`` its name, per map in
``meta["maps"]`` order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.patches as mpatches
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from . import style
from .heatmap import cell_edges, heatmap
from .registry import Column, Meta, figure_data

__all__ = ["REGIONS", "binding_regions", "protocol_map_figure", "region_heatmap"]

REGIONS = ("both", "piecemeal", "formal", "neither")
"""Which protocol binds in more than half of the runs, in legend order."""

REGION_LABELS = {
    "both": "both protocols",
    "piecemeal": "piecemeal only",
    "formal": "formal only",
    "neither": "neither",
}
REGION_COLOURS = {
    "both": style.PALETTE["blue"],
    "piecemeal": style.PALETTE["sky_blue"],
    "formal": style.PALETTE["vermillion"],
    "neither": "#F2F2F2",
}
_BAR: dict[str, Any] = {"fraction": 0.08, "pad": 0.03, "aspect": 22}
THRESHOLD = 0.5
"""A protocol "binds" in a cell when its share bound by the horizon exceeds this."""


def binding_regions(data: pd.DataFrame, threshold: float = THRESHOLD) -> pd.DataFrame:
    """Which protocol binds in more than ``threshold`` of the runs, per grid cell.

    Parameters
    ----------
    data : DataFrame
        One row per (cell, protocol) with columns ``x``, ``y``, ``protocol``
        and ``share_bound`` (one map).
    threshold : float
        Share bound a protocol must exceed to count as binding.

    Returns
    -------
    DataFrame
        One row per cell: ``x``, ``y``, ``formal`` and ``piecemeal`` (share
        bound of each, NaN if not simulated) and ``region`` (one of
        :data:`REGIONS`).
    """
    wide = data.pivot_table(
        index=["x", "y"], columns="protocol", values="share_bound", aggfunc="first"
    )
    for name in ("formal", "piecemeal"):
        if name not in wide:
            wide[name] = np.nan
    f = wide["formal"].to_numpy(float) > threshold
    p = wide["piecemeal"].to_numpy(float) > threshold
    region = np.select([f & p, p, f], ["both", "piecemeal", "formal"], default="neither")
    out = wide[["formal", "piecemeal"]].reset_index()
    out.columns.name = None
    return out.assign(region=region)


def region_heatmap(data: pd.DataFrame, ax: Axes | None = None) -> Any:
    """Colour each cell of one map by :func:`binding_regions`; return the mesh."""
    if ax is None:
        _, ax = style.figure("single")
    regions = binding_regions(data)
    codes = regions.assign(code=regions["region"].map({r: i for i, r in enumerate(REGIONS)}))
    xs = np.sort(codes["x"].unique())
    ys = np.sort(codes["y"].unique())
    z = codes.pivot_table(index="y", columns="x", values="code", aggfunc="first").to_numpy(float)
    cmap = ListedColormap([REGION_COLOURS[r] for r in REGIONS])
    mesh = ax.pcolormesh(
        cell_edges(xs),
        cell_edges(ys),
        np.ma.masked_invalid(z),
        cmap=cmap,
        vmin=-0.5,
        vmax=len(REGIONS) - 0.5,
        shading="flat",
        rasterized=True,
    )
    ax.grid(False)
    return mesh


def _mark(ax: Axes, point: tuple[float, float] | None, name: str) -> None:
    if point is None:
        return
    ax.plot(
        [point[0]], [point[1]], marker="*", ms=8, color=style.PALETTE["orange"],
        mec="black", mew=0.5, ls="none", zorder=5,
    )  # fmt: skip
    lo, hi = ax.get_xlim()
    left = point[0] > (lo + hi) / 2  # write the name on the side with more room
    ax.annotate(
        name, point, xytext=(-5 if left else 5, 5), textcoords="offset points", fontsize=6,
        ha="right" if left else "left",
        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
    )  # fmt: skip


@figure_data(
    Column("map", "text", at_most=4),
    Column("protocol", "text", at_most=2),
    Column("x_key", "text"),
    Column("y_key", "text"),
    Column("x"),
    Column("y"),
    Column("share_bound", "probability"),
    Column("share_bound_lo", "probability"),
    Column("share_bound_hi", "probability"),
    Column("time_to_bind_median", missing=True, positive=True),
    Column("welfare"),
    meta=(
        Meta("maps", "texts", required=True),
        Meta("presets", "texts"),
        Meta("points", "thresholds"),
    ),
    grid=("x", "y"),
    bands=(("share_bound", "share_bound_lo", "share_bound_hi"),),
)
def protocol_map_figure(data: pd.DataFrame, meta: Mapping[str, Any]) -> Figure:
    """Draw function of ``protocol_map`` (double width, one row of three panels per map).

    Per map: (a) which protocol binds in more than half of the runs, (b) the
    piecemeal protocol's median binding round where it binds in more than half
    of the runs, (c) the welfare under the piecemeal protocol (mean over the
    actors of the discounted relative-gains payoff); each preset marked.
    """
    maps = [m for m in meta["maps"] if m in set(data["map"].astype(str))]
    presets = list(meta.get("presets") or maps)
    points = dict(meta.get("points") or {})
    fig, axes = style.figure("double", height=2.5 * len(maps) + 0.3, nrows=len(maps), ncols=3)
    axes = np.atleast_2d(axes)
    for row, name in zip(axes, maps, strict=True):
        rows = data[data["map"].astype(str) == name]
        x_key, y_key = str(rows["x_key"].iloc[0]), str(rows["y_key"].iloc[0])
        preset = presets[list(meta["maps"]).index(name)] if presets else name
        px, py = points.get(f"{name}:x"), points.get(f"{name}:y")
        point = (float(px), float(py)) if px is not None and py is not None else None
        region_heatmap(rows, ax=row[0])
        row[0].set_title("which binds", fontsize=7, loc="left")
        pm = rows[rows["protocol"] == "piecemeal"]
        soon = pm.assign(
            time_to_bind_median=pm["time_to_bind_median"].where(pm["share_bound"] > THRESHOLD)
        )
        top = soon["time_to_bind_median"].max()
        vmax = float(top) if pd.notna(top) and top > 1 else 2.0
        mesh = heatmap(soon, "x", "y", "time_to_bind_median", ax=row[1], vmin=1.0, vmax=vmax)
        row[1].set_facecolor(REGION_COLOURS["neither"])
        bar = fig.colorbar(mesh, ax=row[1], label="median binding round", **_BAR)
        bar.ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        row[1].set_title("how soon (piecemeal)", fontsize=7, loc="left")
        wmax = float(np.nanmax(pm["welfare"].to_numpy(float)))
        mesh = heatmap(pm, "x", "y", "welfare", ax=row[2], vmin=0.0, vmax=max(wmax, 1e-9))
        fig.colorbar(mesh, ax=row[2], label="welfare", **_BAR)
        row[2].set_title("welfare (piecemeal)", fontsize=7, loc="left")
        for ax in row:
            _mark(ax, point, preset)
            ax.set_xlabel(style.key_label(x_key))
            ax.set_ylabel(style.key_label(y_key))
            ax.locator_params(axis="x", nbins=5)
    present = set()
    for name in maps:
        present |= set(binding_regions(data[data["map"].astype(str) == name])["region"])
    handles = [
        mpatches.Patch(
            facecolor=REGION_COLOURS[r], edgecolor="0.4", linewidth=0.4, label=REGION_LABELS[r]
        )
        for r in REGIONS
        if r in present
    ]
    fig.legend(
        handles=handles, loc="outside lower center", ncol=len(handles), fontsize=6.5,
        title="which binds: share bound by the horizon > 0.5 under", title_fontsize=6.5,
    )  # fmt: skip
    style.panel_labels(axes)
    return fig
