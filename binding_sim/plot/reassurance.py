r"""Figures of Bayesian reassurance: types, beliefs and binding (docs/model.md section 12).

Four draw functions, each the figure of one experiment of ``experiments/``:

- :func:`learning_models_figure`: the linear trust index of docs/model.md
  section 4 against Bayes' rule over types (section 12.2) on one game, share
  bound and share of trustworthy pairs in a spiral against the incident rate;
- :func:`spiral_empathy_figure`: heat maps of the share of trustworthy pairs
  in a spiral over empathy and the incident rate (Booth and Wheeler 2008);
- :func:`screening_figure`: share bound with a trustworthy partner against
  with a greedy one, formal and piecemeal, over the share of greedy types
  (Kydd 2005);
- :func:`stakes_figure`: the posterior after one perceived compliance and the
  share bound as the first rung's stakes are scaled (section 12.2, the
  "starting small" trade-off).

The spiral rate of a cell is ``share_spiral / share_both_trustworthy``
(section 12.4): the share of pairs of two trustworthy actors still unbound at
the horizon.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from . import style
from .heatmap import heatmap
from .registry import Column, Meta, figure_data

__all__ = [
    "learning_models_figure",
    "screening_figure",
    "spiral_empathy_figure",
    "spiral_rate",
    "stakes_figure",
]

_LABELS = {
    "incident_rate": r"incident rate $\epsilon$",
    "empathy": r"empathy $e$",
    "greed": r"greed $g$",
}
_MODEL_LINES = {"bayesian": "-", "linear": ":"}


def _label(key: str) -> str:
    """Axis label of a scenario key (its last part when known)."""
    return _LABELS.get(key.split(".")[-1], key)


def spiral_rate(data: pd.DataFrame) -> pd.Series:
    """``share_spiral / share_both_trustworthy`` (NaN where no pair is trustworthy; section 12.4)."""
    both = data["share_both_trustworthy"].astype(float)
    return (data["share_spiral"].astype(float) / both.where(both > 0)).clip(0.0, 1.0)


@figure_data(
    Column("model", "text", at_most=2),
    Column("variant", "text", at_most=4),
    Column("{x}"),
    Column("share_bound", "probability"),
    Column("spiral_rate", "probability", missing=True),
    meta=(Meta("x", "column", required=True),),
)
def learning_models_figure(data: pd.DataFrame, meta: Mapping[str, Any]) -> Figure:
    """Draw function of the ``learning_models`` figure.

    Two panels against ``meta["x"]`` (the incident rate): (a) the share bound,
    (b) the share of trustworthy pairs in a spiral. One colour per
    ``variant`` (formal offer rule or piecemeal), solid for the bayesian
    model and dotted for the linear one.
    """
    x = str(meta["x"])
    fig, axes = style.figure("double", height=2.8, ncols=2)
    variants = list(dict.fromkeys(data["variant"].astype(str)))
    for column, ax in zip(("share_bound", "spiral_rate"), axes, strict=True):
        for i, variant in enumerate(variants):
            for model in sorted(pd.unique(data["model"].astype(str))):
                grp = data[(data["variant"] == variant) & (data["model"] == model)].sort_values(x)
                st = style.series_style(i)
                st["linestyle"] = _MODEL_LINES.get(model, "--")
                ax.plot(grp[x], grp[column], label=f"{variant}, {model}", ms=2.5, **st)
        ax.set_xlabel(_label(x))
        ax.set_ylim(-0.02, 1.02)
    axes[0].set_ylabel("share bound")
    axes[1].set_ylabel("share of trustworthy pairs in a spiral")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=6.5)
    style.panel_labels(axes)
    return fig


@figure_data(
    Column("protocol", "text", at_most=2),
    Column("{x}"),
    Column("{y}"),
    Column("spiral_rate", "probability", missing=True),
    meta=(Meta("x", "column", required=True), Meta("y", "column", required=True)),
    grid=("{x}", "{y}"),
)
def spiral_empathy_figure(data: pd.DataFrame, meta: Mapping[str, Any]) -> Figure:
    """Draw function of the ``spiral_empathy`` figure.

    One heat map per protocol of the share of trustworthy pairs in a spiral
    over ``meta["x"]`` (the incident rate) and ``meta["y"]`` (empathy),
    with one colour bar; ``meta["point"]`` (``[x, y]``) marks the preset.
    """
    x, y = str(meta["x"]), str(meta["y"])
    protocols = [p for p in ("formal", "piecemeal") if p in set(data["protocol"])]
    fig, axes = style.figure("double", height=2.8, ncols=len(protocols), squeeze=False)
    axes = axes[0]
    mesh = None
    point = meta.get("point")
    for ax, protocol in zip(axes, protocols, strict=True):
        mesh = heatmap(data[data["protocol"] == protocol], x, y, "spiral_rate", ax=ax)
        if point is not None:
            ax.plot(
                [point[0]], [point[1]], marker="*", ms=8, color=style.PALETTE["orange"],
                mec="black", mew=0.5, ls="none",
            )  # fmt: skip
        ax.set_title(style.PROTOCOL_LABELS.get(protocol, protocol))
        ax.set_xlabel(_label(x))
        ax.set_ylabel(_label(y))
    if mesh is not None:
        fig.colorbar(mesh, ax=list(axes), label="share of trustworthy pairs in a spiral")
    if len(protocols) > 1:
        style.panel_labels(axes)
    return fig


@figure_data(
    Column("protocol", "text", at_most=2),
    Column("{panel}", at_most=4),
    Column("greedy_share", "probability"),
    Column("share_bound_trustworthy_pair", "probability", missing=True),
    Column("share_bound_with_greedy", "probability", missing=True),
    meta=(Meta("panel", "column", required=True),),
)
def screening_figure(data: pd.DataFrame, meta: Mapping[str, Any]) -> Figure:
    """Draw function of the ``screening`` figure.

    One panel per value of ``meta["panel"]`` (greed): against the share of
    greedy types ``1 - p``, the share bound among trustworthy pairs (solid)
    and among pairs with a greedy side (dashed), one colour per protocol.
    """
    panel = str(meta["panel"])
    values = sorted(pd.unique(data[panel]))
    fig, axes = style.figure("double", height=2.8, ncols=len(values), squeeze=False)
    axes = axes[0]
    for ax, val in zip(axes, values, strict=True):
        grp = data[data[panel] == val]
        for protocol in ("piecemeal", "formal"):
            rows = grp[grp["protocol"] == protocol].sort_values("greedy_share")
            if rows.empty:
                continue
            st = style.protocol_style(protocol)
            name = style.PROTOCOL_LABELS.get(protocol, protocol)
            for column, ls, who in (
                ("share_bound_trustworthy_pair", "-", "both trustworthy"),
                ("share_bound_with_greedy", "--", "a greedy side"),
            ):
                ax.plot(
                    rows["greedy_share"], rows[column], color=st["color"], marker=st["marker"],
                    ls=ls, ms=2.5, label=f"{name}: {who}",
                )  # fmt: skip
        ax.set_title(f"{_label(panel)} = {float(val):g}")
        ax.set_xlabel(r"share of greedy types $1 - p$")
        ax.set_ylabel("share bound")
        ax.set_ylim(-0.02, 1.02)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=6.5)
    if len(values) > 1:
        style.panel_labels(axes)
    return fig


@figure_data(
    Column("scale", positive=True),
    Column("posterior_after_compliance", "probability"),
    Column("posterior_after_defection", "probability"),
    Column("share_bound", "probability"),
    Column("share_bound_trustworthy_pair", "probability", missing=True),
    Column("share_bound_with_greedy", "probability", missing=True),
    meta=(Meta("prior", "number"),),
)
def stakes_figure(data: pd.DataFrame, meta: Mapping[str, Any]) -> Figure:
    """Draw function of the ``stakes`` figure.

    Against the scale ``x`` of the first rung's payoffs and scope (log axis):
    (a) the belief after one perceived compliance and after one perceived
    defection, from the prior ``meta["prior"]`` (dotted line); (b) the
    piecemeal share bound, overall and among trustworthy pairs and pairs
    with a greedy side.
    """
    data = data.sort_values("scale")
    fig, axes = style.figure("double", height=2.8, ncols=2)
    for i, (column, label) in enumerate(
        (
            ("posterior_after_compliance", "after one perceived compliance"),
            ("posterior_after_defection", "after one perceived defection"),
        )
    ):
        axes[0].plot(data["scale"], data[column], label=label, ms=2.5, **style.series_style(i))
    if meta.get("prior") is not None:
        axes[0].axhline(float(meta["prior"]), color="0.4", lw=0.8, ls=":", label="prior")
    axes[0].set_ylabel("belief that the other is trustworthy")
    for i, (column, label) in enumerate(
        (
            ("share_bound", "all pairs"),
            ("share_bound_trustworthy_pair", "both trustworthy"),
            ("share_bound_with_greedy", "a greedy side"),
        )
    ):
        axes[1].plot(data["scale"], data[column], label=label, ms=2.5, **style.series_style(i))
    axes[1].set_ylabel("piecemeal share bound")
    for ax in axes:
        ax.set_xscale("log")
        ticks = [v for v in (0.25, 0.5, 1.0, 2.0, 4.0) if data["scale"].min() <= v]
        ax.set_xticks(ticks, [f"{v:g}" for v in ticks])
        ax.minorticks_off()
        ax.set_xlabel(r"stakes of the first rung (scale $x$)")
        ax.set_ylim(-0.02, 1.02)
        ax.legend(loc="best", fontsize=6.5)
    style.panel_labels(axes)
    return fig
