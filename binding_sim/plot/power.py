r"""The figure of power that shifts and breakdown (docs/model.md section 14).

:func:`power_shift_figure` draws, against both actors' one-time cost of war
``C``, (a) the share of replicates at war and (b) the share bound at the
horizon, one colour per conversion rate ``eta`` (section 14.1), solid for
formal and dashed for piecemeal binding, with the relative-gains
sensitivity derived from the balance of power and the cost of war (section
14.2). A dotted vertical line in the colour of each ``eta`` marks its
critical cost ``C*``: the formal treaty is accepted in round 1 iff
``C >= C*``. Force that costs more makes relative gains matter less (Powell
1991) and war over shifting power less attractive (Fearon 1995; Powell
2006).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from . import style
from .registry import Column, figure_data

__all__ = ["power_shift_figure"]

_DASH = {"formal": "-", "piecemeal": "--"}


@figure_data(
    Column("protocol", "text", at_most=2),
    Column("conversion_rate", at_most=8),
    Column("war_cost"),
    Column("share_war", "probability"),
    Column("share_bound", "probability"),
    Column("critical_war_cost"),
)
def power_shift_figure(data: pd.DataFrame, meta: Mapping[str, Any]) -> Figure:
    """Draw function of the ``power_shift`` figure (see the module docstring)."""
    fig, axes = style.figure("double", height=2.8, ncols=2)
    etas = sorted(pd.unique(data["conversion_rate"].astype(float)))
    protocols = [p for p in ("formal", "piecemeal") if p in set(data["protocol"])]
    for column, ax in zip(("share_war", "share_bound"), axes, strict=True):
        for i, eta in enumerate(etas):
            rows = data[data["conversion_rate"].astype(float) == eta]
            st = style.series_style(i)
            for protocol in protocols:
                grp = rows[rows["protocol"] == protocol].sort_values("war_cost")
                line = dict(st, linestyle=_DASH.get(protocol, ":"), ms=2.5)
                ax.plot(
                    grp["war_cost"], grp[column], label=rf"$\eta$ = {eta:g}, {protocol}", **line
                )
            c_star = float(rows["critical_war_cost"].iloc[0])
            ax.axvline(c_star, color=st.get("color"), linestyle=":", linewidth=0.8)
        ax.set_xlabel("cost of war $C$ (both actors)")
        ax.set_ylim(-0.02, 1.02)
    axes[0].set_ylabel("share at war")
    axes[1].set_ylabel("share bound")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=6.5)
    style.panel_labels(axes)
    return fig
