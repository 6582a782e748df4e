"""Trust trajectories: fan charts of each actor's trust, one panel per protocol.

Draw function of the ``trajectories`` figure over the tidy quantile table
(``protocol, round, actor, q10, q50, q90``; round 0 is the initial state),
drawn with :func:`binding_sim.plot.fan.fan_chart`. Trust is frozen from the
round in which a replicate binds (docs/model.md section 4).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..config.schema import PROTOCOL_NAMES
from . import style
from .fan import fan_chart
from .registry import Column, Meta, figure_data

__all__ = ["quantile_table", "tidy_quantiles", "trajectories_figure"]

PROTOCOLS = PROTOCOL_NAMES
"""Protocols in drawing order (:data:`binding_sim.config.schema.PROTOCOL_NAMES`)."""


def tidy_quantiles(table: np.ndarray, protocol: str, actors: Sequence[str]) -> pd.DataFrame:
    """Tidy rows from a ``(3, H + 1, 2)`` quantile table (10%, median, 90%)."""
    rounds = np.arange(table.shape[1])
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "protocol": protocol,
                    "round": rounds,
                    "actor": name,
                    "q10": table[0, :, i],
                    "q50": table[1, :, i],
                    "q90": table[2, :, i],
                }
            )
            for i, name in enumerate(actors)
        ],
        ignore_index=True,
    )


def quantile_table(data: pd.DataFrame, protocol: str, actors: Sequence[str]) -> np.ndarray:
    """Inverse of :func:`tidy_quantiles`: the ``(3, H + 1, 2)`` table of one protocol."""
    rows = data[data["protocol"] == protocol]
    cols = [
        rows[rows["actor"] == a].sort_values("round")[["q10", "q50", "q90"]].to_numpy().T
        for a in actors
    ]
    return np.stack(cols, axis=-1)


@figure_data(
    Column("protocol", "text"),
    Column("round", "count"),
    Column("actor", "text", at_most=2),
    Column("q10", "probability"),
    Column("q50", "probability"),
    Column("q90", "probability"),
    meta=(Meta("actors", "texts", length=2), Meta("thresholds", "thresholds")),
)
def trajectories_figure(data: pd.DataFrame, meta: Mapping[str, Any]) -> Figure:
    """Draw function of ``trajectories``: one fan chart per protocol (double width)."""
    actors = list(meta.get("actors", pd.unique(data["actor"])))
    protocols = [p for p in PROTOCOLS if p in set(data["protocol"])]
    fig, axes = style.figure("double", height=2.5, ncols=len(protocols), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, proto in zip(axes, protocols, strict=True):
        fan_chart(
            quantile_table(data, proto, actors),
            ax=ax,
            actor_names=actors,
            protocol=proto,
            label="",
        )
        ax.set_title(style.PROTOCOL_LABELS.get(proto, proto), fontsize=8)
        ax.legend(loc="lower right" if proto == "piecemeal" else "upper right")
        for name, level in (meta.get("thresholds") or {}).items():
            ax.axhline(float(level), color="0.4", linestyle=":", linewidth=0.8)
            ax.text(
                ax.get_xlim()[1],
                float(level),
                f"{name} ",
                ha="right",
                va="bottom",
                fontsize=6,
                color="0.35",
            )
    for ax in axes[1:]:
        ax.set_ylabel("")
    style.panel_labels(axes)
    return fig
