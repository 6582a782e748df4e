"""Curves with uncertainty bands: one line per series, a translucent band around it.

Used by every figure that plots an aggregate against a parameter (share bound
with its Wilson 95% interval, median binding round with its quartiles, mean
payoffs). Each series gets a colour, a line style and a marker
(:func:`binding_sim.plot.style.series_style`), so it stays distinguishable
in greyscale; markers are thinned to about ``markers`` per line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from . import style

__all__ = ["band_line", "series_lines"]


def band_line(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    lo: npt.ArrayLike | None = None,
    hi: npt.ArrayLike | None = None,
    ax: Axes | None = None,
    series: int | Mapping[str, Any] = 0,
    label: str | None = None,
    markers: int = 8,
    band_alpha: float = 0.22,
    step: bool = False,
    **kw: Any,
) -> Line2D:
    """Draw ``y`` against ``x`` with an optional band ``[lo, hi]``; return the line.

    Parameters
    ----------
    x, y : array_like
        The curve (NaN values leave gaps).
    lo, hi : array_like, optional
        Lower and upper edge of the band (e.g. a Wilson interval or quartiles).
    ax : Axes, optional
        Where to draw (default: a new single-column figure).
    series : int or mapping
        Index into the series styles, or an explicit style (``color``,
        ``linestyle``, ``marker``).
    label : str, optional
        Legend label.
    markers : int
        About how many markers to put on the line (0: none).
    band_alpha : float
        Opacity of the band.
    step : bool
        Draw a step function (value ``y[i]`` from ``x[i]`` to ``x[i+1]``), as
        for a share that changes at whole rounds.
    """
    if ax is None:
        _, ax = style.figure("single")
    st = dict(style.series_style(series) if isinstance(series, int) else series)
    st.update(kw)
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    n = len(xa)
    if markers and n > markers:
        st.setdefault("markevery", max(1, round(n / markers)))
    elif not markers and "markevery" not in kw:
        st["marker"] = None
    if step:
        st.setdefault("drawstyle", "steps-post")
    (line,) = ax.plot(xa, ya, label=label, **st)
    if lo is not None and hi is not None:
        ax.fill_between(
            xa,
            np.asarray(lo, dtype=float),
            np.asarray(hi, dtype=float),
            color=line.get_color(),
            alpha=band_alpha,
            linewidth=0,
            step="post" if step else None,
        )
    return line


def series_lines(
    data: pd.DataFrame,
    x: str,
    y: str,
    by: str | None = None,
    lo: str | None = None,
    hi: str | None = None,
    ax: Axes | None = None,
    order: Sequence[Any] | None = None,
    label: Callable[[Any], str] | None = None,
    style_of: Callable[[Any], int | Mapping[str, Any]] | None = None,
    markers: int = 8,
) -> list[Line2D]:
    """One :func:`band_line` per value of column ``by`` of a tidy table; return the lines.

    Parameters
    ----------
    data : DataFrame
        Tidy table (one row per point).
    x, y : str
        Columns of the curve.
    by : str, optional
        Column whose values define the series (default: one series).
    lo, hi : str, optional
        Columns of the band edges.
    order : sequence, optional
        Series order (default: order of first appearance).
    label : callable, optional
        Legend label of a series value (default ``str``).
    style_of : callable, optional
        Style index or style mapping of a series value (default: its position).
    """
    if ax is None:
        _, ax = style.figure("single")
    groups: list[tuple[Any, pd.DataFrame]]
    if by is None:
        groups = [(None, data)]
    else:
        keys = list(order) if order is not None else list(pd.unique(data[by]))
        groups = [(k, data[data[by] == k]) for k in keys if (data[by] == k).any()]
    lines = []
    for i, (key, grp) in enumerate(groups):
        grp = grp.sort_values(x)
        lines.append(
            band_line(
                grp[x],
                grp[y],
                grp[lo] if lo else None,
                grp[hi] if hi else None,
                ax=ax,
                series=style_of(key) if style_of else i,
                label=(label(key) if label else str(key)) if key is not None else None,
                markers=markers,
            )
        )
    return lines
