"""Fan charts of trust over time: median and 10-90% band per actor (and per protocol).

Data preparation (:func:`trust_quantiles`, quantiles over replicates of the
recorded :class:`~binding_sim.dynamics.outcomes.Trajectories`) is apart from drawing
(:func:`fan_chart`). Actors differ in line style (first actor solid, second
dashed); protocols in colour and marker (:func:`binding_sim.plot.style.protocol_style`),
so a chart with both protocols survives greyscale printing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from ..dynamics.outcomes import Trajectories
from . import style

__all__ = ["QUANTILES", "fan_chart", "trust_quantiles"]

QUANTILES = (0.1, 0.5, 0.9)
"""Lower band edge, median and upper band edge."""

_ACTOR_LINESTYLES = ("-", "--")


def trust_quantiles(trajectories: Trajectories, q: Sequence[float] = QUANTILES) -> np.ndarray:
    """Quantiles of trust over replicates, shape ``(len(q), H + 1, 2)`` (numpy's default method)."""
    return np.quantile(trajectories.trust, list(q), axis=0)


def fan_chart(
    data: Trajectories | npt.ArrayLike,
    ax: Axes | None = None,
    actor_names: Sequence[str] = ("A", "B"),
    protocol: str | None = None,
    label: str | None = None,
    band_alpha: float = 0.18,
    markers: int = 6,
    **kw: Any,
) -> list[Line2D]:
    """Draw median trust of each actor with its 10-90% band; return the two median lines.

    Parameters
    ----------
    data : Trajectories or array_like, shape (3, H + 1, 2)
        Recorded trajectories, or a quantile table from :func:`trust_quantiles`
        (rows: 10%, median, 90%; columns: rounds 0..H; last axis: actor).
    ax : Axes, optional
        Where to draw (default: a new single-column figure in the journal style).
    actor_names : sequence of str
        Legend names of the two actors.
    protocol : str, optional
        Protocol drawn (sets the colour and marker, and the legend prefix).
    label : str, optional
        Legend prefix (default: the protocol's label, or nothing).
    band_alpha : float
        Opacity of the bands.
    markers : int
        About how many markers per line (0: none).
    **kw
        Passed to :meth:`matplotlib.axes.Axes.plot` for the median lines.
    """
    table = trust_quantiles(data) if isinstance(data, Trajectories) else np.asarray(data, float)
    if table.ndim != 3 or table.shape[0] != 3 or table.shape[2] != 2:
        raise ValueError(f"expected a (3, H + 1, 2) quantile table, got shape {table.shape}")
    if ax is None:
        _, ax = style.figure("single")
    assert ax is not None
    base = style.protocol_style(protocol) if protocol is not None else style.series_style(0)
    prefix = label if label is not None else style.PROTOCOL_LABELS.get(protocol or "", protocol)
    rounds = np.arange(table.shape[1])
    every = max(1, len(rounds) // markers) if markers else None
    kw.setdefault("markersize", 3.5)
    kw.setdefault("linewidth", 1.2)
    lines = []
    for i in range(2):
        name = actor_names[i]
        lab = f"{prefix}: {name}" if prefix else name
        ax.fill_between(
            rounds, table[0, :, i], table[2, :, i], color=base["color"], alpha=band_alpha, lw=0
        )
        (line,) = ax.plot(
            rounds,
            table[1, :, i],
            color=base["color"],
            linestyle=_ACTOR_LINESTYLES[i],
            marker=base["marker"] if every else None,
            markevery=every,
            label=lab,
            **kw,
        )
        lines.append(line)
    ax.set_xlabel("round")
    ax.set_ylabel("trust (median, 10-90%)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(0, rounds[-1])
    return lines
