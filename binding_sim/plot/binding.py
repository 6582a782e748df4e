"""How often and how fast the actors bind: share bound, binding round, binding-time distribution.

Draw functions of the ``trust_rate_sweep``, ``binding_time`` and
``common_threat`` figures, and the axes-level pieces they are made of. Share
bound is drawn with its Wilson (1927) 95% interval; the binding round
(rounds numbered from 1, over bound replicates only, docs/model.md section 8)
with its quartiles. Protocols keep one style in every figure
(:func:`binding_sim.plot.style.protocol_style`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..config.schema import PROTOCOL_NAMES
from . import style
from .curves import band_line, series_lines
from .registry import Column, Meta, figure_data

__all__ = [
    "binding_round_lines",
    "binding_time_figure",
    "binding_time_lines",
    "common_threat_figure",
    "share_bound_lines",
    "trust_rate_sweep_figure",
]

PROTOCOLS = PROTOCOL_NAMES
"""Protocols in drawing order (:data:`binding_sim.config.schema.PROTOCOL_NAMES`)."""

LAMBDA = r"trust-building rate $\lambda$"


def _protocol_label(p: Any) -> str:
    return style.PROTOCOL_LABELS.get(str(p), str(p))


def share_bound_lines(
    data: pd.DataFrame, x: str, ax: Axes | None = None, by: str = "protocol"
) -> list[Line2D]:
    """Share bound by the horizon against ``x``, one line per protocol, Wilson 95% bands."""
    if ax is None:
        _, ax = style.figure("single")
    lines = series_lines(
        data,
        x,
        "share_bound",
        by=by,
        lo="share_bound_lo",
        hi="share_bound_hi",
        ax=ax,
        order=[p for p in PROTOCOLS if p in set(data[by])] if by == "protocol" else None,
        label=_protocol_label if by == "protocol" else None,
        style_of=style.protocol_style if by == "protocol" else None,
    )
    ax.set_ylim(-0.03, 1.03)
    ax.set_ylabel("share bound by the horizon")
    return lines


def binding_round_lines(
    data: pd.DataFrame, x: str, ax: Axes | None = None, by: str = "protocol"
) -> list[Line2D]:
    """Median binding round against ``x`` (bound replicates), one line per protocol, quartile bands.

    A protocol that never binds has no line; it is named in a note on the axes.
    """
    if ax is None:
        _, ax = style.figure("single")
    bound = data[data["time_to_bind_median"].notna()]
    lines = series_lines(
        bound,
        x,
        "time_to_bind_median",
        by=by,
        lo="time_to_bind_q25",
        hi="time_to_bind_q75",
        ax=ax,
        order=[p for p in PROTOCOLS if p in set(bound[by])] if by == "protocol" else None,
        label=_protocol_label if by == "protocol" else None,
        style_of=style.protocol_style if by == "protocol" else None,
    )
    never = [p for p in pd.unique(data[by]) if p not in set(bound[by])]
    if never:
        ax.text(
            0.97,
            0.95,
            "never binds: " + ", ".join(str(p) for p in never),
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=6.5,
            color="0.3",
        )
    ax.set_ylabel("binding round (median, quartiles)")
    return lines


_SHARE_BOUND = (
    Column("share_bound", "probability"),
    Column("share_bound_lo", "probability"),
    Column("share_bound_hi", "probability"),
)
_BINDING_ROUND = (
    Column("time_to_bind_median", missing=True, positive=True),
    Column("time_to_bind_q25", missing=True, positive=True),
    Column("time_to_bind_q75", missing=True, positive=True),
)
_BANDS = (
    ("share_bound", "share_bound_lo", "share_bound_hi"),
    ("time_to_bind_median", "time_to_bind_q25", "time_to_bind_q75"),
)


@figure_data(
    Column("protocol", "text", at_most=12),
    Column("{x}"),
    *_SHARE_BOUND,
    *_BINDING_ROUND,
    meta=(Meta("x", "column", default="trust.building_rate"),),
    bands=_BANDS,
)
def trust_rate_sweep_figure(data: pd.DataFrame, meta: Mapping[str, Any]) -> Figure:
    """Draw function of ``trust_rate_sweep``: (a) share bound, (b) median binding round, vs lambda."""
    x = str(meta.get("x", "trust.building_rate"))
    fig, axes = style.figure("double", height=2.5, ncols=2)
    share_bound_lines(data, x, ax=axes[0])
    binding_round_lines(data, x, ax=axes[1])
    for ax in axes:
        ax.set_xlabel(LAMBDA)
    axes[1].set_ylim(bottom=0)
    axes[0].legend(loc="lower right")
    style.panel_labels(axes)
    return fig


def binding_time_lines(
    data: pd.DataFrame,
    ax: Axes | None = None,
    rates: Sequence[float] | None = None,
    x: str = "trust.building_rate",
    stop: int | None = None,
    symbol: str = r"$\lambda$",
) -> list[Line2D]:
    """Share bound by each round as step functions, one per (protocol, value of ``x``), Wilson 95% bands.

    Colour, line style and marker mark the value of ``x`` (named ``symbol`` in
    the legend); markers are filled for piecemeal and open (with thinner
    lines) for formal; about six markers are spread over rounds 1 to ``stop``
    (default: the horizon).
    """
    if ax is None:
        _, ax = style.figure("single")
    rates = list(rates) if rates is not None else sorted(pd.unique(data[x]))
    lines = []
    for proto in ("piecemeal", "formal"):
        for i, rate in enumerate(rates):
            grp = data[(data["protocol"] == proto) & np.isclose(data[x], rate)].sort_values(
                "round"
            )
            if grp.empty:
                continue
            st = style.series_style(i)
            if proto == "formal":
                st = {**st, "markerfacecolor": "white", "linewidth": 0.9}
            lines.append(
                band_line(
                    grp["round"],
                    grp["share_bound"],
                    grp["share_bound_lo"],
                    grp["share_bound_hi"],
                    ax=ax,
                    series=st,
                    label=f"{proto}, {symbol} = {rate:g}",
                    markers=0,
                    step=True,
                    marker=st["marker"],
                    markevery=_marker_rounds(grp["round"].to_numpy(), stop, i),
                )
            )
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("round $t$")
    ax.set_ylabel("share bound by round $t$")
    return lines


def _marker_rounds(rounds: np.ndarray, stop: int | None, offset: int) -> list[int]:
    """Indices of about six rounds in ``[1, stop]``, shifted per series so markers do not overlap."""
    top = int(stop if stop is not None else rounds.max())
    picks = np.linspace(1, top, 6)[:-1] + offset * top / 30
    return sorted({int(np.argmin(np.abs(rounds - p))) for p in picks})


def last_change(
    data: pd.DataFrame, by: Sequence[str] = ("protocol", "trust.building_rate")
) -> int:
    """The last round at which any series' share bound changes (1 if none changes)."""
    last = 1
    for _, grp in data.groupby(list(by)):
        s = grp.sort_values("round")
        changed = s["round"].to_numpy()[1:][np.diff(s["share_bound"].to_numpy()) != 0]
        if changed.size:
            last = max(last, int(changed.max()))
    return last


@figure_data(
    Column("protocol", "text", at_most=12),
    Column("{x}", at_most=12),
    Column("round", "count"),
    *_SHARE_BOUND,
    meta=(Meta("x", "column", default="trust.building_rate"), Meta("symbol", "text")),
    bands=_BANDS[:1],
)
def binding_time_figure(data: pd.DataFrame, meta: Mapping[str, Any]) -> Figure:
    """Draw function of ``binding_time``: the binding-time distributions (single column).

    One curve per protocol and value of ``meta["x"]`` (named by
    ``meta["symbol"]`` in the legend, default lambda). The round axis stops a
    little after the last round at which any share changes; the shares are
    flat from there to the horizon (noted on the axes).
    """
    x = str(meta.get("x", "trust.building_rate"))
    symbol = str(meta.get("symbol", r"$\lambda$"))
    fig, ax = style.figure("single", height=2.9)
    horizon = int(data["round"].max())
    last = last_change(data, ("protocol", x))
    stop = min(horizon, max(10, int(np.ceil(1.25 * last / 5) * 5)))
    binding_time_lines(data, ax=ax, x=x, stop=stop, symbol=symbol)
    ax.set_xlim(0.5, stop + 0.5)
    if stop < horizon:
        ax.set_xlabel(f"round $t$ (no change after round {last}; horizon {horizon})")
    fig.legend(loc="outside lower center", ncol=2, fontsize=6.5)
    return fig


@figure_data(
    Column("series", at_most=12),
    Column("scenario.common_threat"),
    Column("theta_star", missing=True),
    *_SHARE_BOUND,
    *_BINDING_ROUND,
    meta=(Meta("series", "text"), Meta("series_label", "text")),
    bands=_BANDS,
)
def common_threat_figure(data: pd.DataFrame, meta: Mapping[str, Any]) -> Figure:
    """Draw function of ``common_threat``: share bound vs theta, theta* marked (single column).

    ``data`` holds one row per (series, theta) with ``series`` the value of
    ``meta["series"]`` (a design key such as ``actors.Russia.relative_gains``)
    and ``theta_star`` (from the analysis) per series. The binding-round
    columns are kept in the table but not drawn: with best-responding actors
    the treaty binds in round 1 whenever it binds (docs/model.md section 9.3),
    which the gallery states in words.
    """
    x = "scenario.common_threat"
    skey = str(meta.get("series", ""))
    slabel = str(meta.get("series_label", skey))
    fig, ax = style.figure("single", height=2.6)
    values = sorted(pd.unique(data["series"]))
    for i, val in enumerate(values):
        grp = data[data["series"] == val].sort_values(x)
        st = style.series_style(i)
        band_line(
            grp[x],
            grp["share_bound"],
            grp["share_bound_lo"],
            grp["share_bound_hi"],
            ax=ax,
            series=st,
            label=f"{slabel} = {val:g}",
        )
        ts = grp["theta_star"].dropna()
        if not ts.empty:
            ax.axvline(float(ts.iloc[0]), color=st["color"], linestyle=":", linewidth=0.9)
            ax.annotate(
                rf"$\theta^*$ = {float(ts.iloc[0]):.2g}",
                (float(ts.iloc[0]), 0.5 + 0.12 * (i - 1)),
                xytext=(3, 0),
                textcoords="offset points",
                fontsize=6.5,
                color=st["color"],
                va="center",
            )
    ax.set_ylim(-0.03, 1.03)
    ax.set_ylabel("share bound by the horizon")
    ax.set_xlabel(r"common threat $\theta$")
    ax.legend(loc="lower right")
    return fig
