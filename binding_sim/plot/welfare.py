"""What binding is worth: cumulative discounted payoffs per actor and protocol.

Draw function of the ``welfare`` figure. Payoffs are docs/model.md section 8's
cumulative payoffs discounted by ``delta^(t-1)``, averaged over replicates:
absolute (``pi_i``) and relative-gains utility (``U_i``, with ``kappa`` at the
actor's trust at the start of each round). Colour and line style mark the
protocol; the marker marks the actor (filled: first actor, open: second).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from . import style
from .curves import band_line
from .registry import Column, Meta, figure_data

__all__ = ["payoff_lines", "welfare_figure"]

_ACTOR_MARKERS = ("o", "s")


def payoff_lines(
    data: pd.DataFrame,
    value: str,
    x: str = "trust.building_rate",
    ax: Axes | None = None,
    actors: Sequence[str] | None = None,
) -> list[Line2D]:
    """One line per (protocol, actor) of column ``value`` against ``x``; return the lines."""
    if ax is None:
        _, ax = style.figure("single")
    actors = list(actors) if actors is not None else list(pd.unique(data["actor"]))
    lines = []
    for proto in ("piecemeal", "formal"):
        for j, actor in enumerate(actors):
            grp = data[(data["protocol"] == proto) & (data["actor"] == actor)].sort_values(x)
            if grp.empty:
                continue
            st = dict(style.protocol_style(proto))
            st["marker"] = _ACTOR_MARKERS[j % 2]
            if j % 2:
                st["markerfacecolor"] = "white"
            lines.append(
                band_line(
                    grp[x], grp[value], ax=ax, series=st, label=f"{proto}, {actor}", markers=8
                )
            )
    return lines


@figure_data(
    Column("protocol", "text"),
    Column("{x}"),
    Column("actor", "text", at_most=12),
    Column("absolute"),
    meta=(
        Meta("x", "column", default="trust.building_rate"),
        Meta("discount_factor", "number"),
        Meta("first_best", "number"),
        Meta("actors", "texts"),
        Meta("xlabel", "text"),
    ),
)
def welfare_figure(data: pd.DataFrame, meta: Mapping[str, Any]) -> Figure:
    """Draw function of ``welfare``: each actor's cumulative discounted payoff against ``meta["x"]``.

    ``meta["first_best"]`` (optional) is the value of binding in round 1
    (``R_F (1 - delta^H) / (1 - delta)``), drawn as a dotted reference line; the
    status quo of never binding is 0 when ``P = 0``. ``meta["xlabel"]`` labels
    the x axis (default: the trust-building rate).
    """
    x = str(meta.get("x", "trust.building_rate"))
    delta = meta.get("discount_factor")
    fig, ax = style.figure("single", height=2.9)
    payoff_lines(data, "absolute", x, ax=ax, actors=meta.get("actors"))
    best = meta.get("first_best")
    if best is not None:
        ax.axhline(float(best), color="0.3", linestyle=":", linewidth=0.9)
        ax.text(
            float(data[x].min()),
            float(best),
            "bound in round 1",
            va="bottom",
            fontsize=6.5,
            color="0.3",
        )
    ax.axhline(0.0, color="0.5", linewidth=0.6)
    ax.set_ylabel("cumulative discounted payoff")
    if delta is not None:
        ax.text(
            0.98,
            0.6,
            f"$\\delta$ = {delta:g}",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=7,
        )
    ax.set_xlabel(str(meta.get("xlabel", r"trust-building rate $\lambda$")))
    fig.legend(loc="outside lower center", ncol=2, fontsize=6.5)
    return fig
