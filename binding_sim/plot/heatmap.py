"""Heat maps of one aggregate over a two-parameter grid (phase diagram, spiral).

The colour map is ``cividis`` (perceptually uniform, colour-blind safe and
monotone in lightness, so it also reads in greyscale). Cell edges are placed
halfway between grid values (geometrically on a log axis), so irregular and
log-spaced grids are drawn faithfully.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import QuadMesh

from . import style

__all__ = ["cell_edges", "grid_of", "heatmap"]


def cell_edges(centres: np.ndarray, log: bool = False) -> np.ndarray:
    """Edges of cells around sorted ``centres`` (midpoints; geometric midpoints if ``log``)."""
    c = np.log(centres) if log else np.asarray(centres, dtype=float)
    if len(c) == 1:
        half = 0.5 if not log else 0.1
        edges = np.array([c[0] - half, c[0] + half])
    else:
        mid = (c[1:] + c[:-1]) / 2
        edges = np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])
    return np.exp(edges) if log else edges


def grid_of(
    data: pd.DataFrame, x: str, y: str, value: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(x values, y values, Z[y, x])`` from a tidy table with one row per grid point."""
    table = data.pivot_table(index=y, columns=x, values=value, aggfunc="mean", dropna=False)
    return table.columns.to_numpy(float), table.index.to_numpy(float), table.to_numpy(float)


def heatmap(
    data: pd.DataFrame,
    x: str,
    y: str,
    value: str,
    ax: Axes | None = None,
    log_x: bool = False,
    log_y: bool = False,
    vmin: float = 0.0,
    vmax: float = 1.0,
    cmap: str = "cividis",
    **kw: Any,
) -> QuadMesh:
    """Colour each ``(x, y)`` grid cell by ``value``; return the mesh (for a colour bar)."""
    if ax is None:
        _, ax = style.figure("single")
    xs, ys, z = grid_of(data, x, y, value)
    mesh = ax.pcolormesh(
        cell_edges(xs, log_x),
        cell_edges(ys, log_y),
        np.ma.masked_invalid(z),
        vmin=vmin,
        vmax=vmax,
        cmap=cmap,
        shading="flat",
        rasterized=True,
        **kw,
    )
    if log_x:
        ax.set_xscale("log")
    if log_y:
        ax.set_yscale("log")
    ax.grid(False)
    return mesh
