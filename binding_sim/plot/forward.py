r"""Figures of forward-looking actors and revocable binding (docs/model.md section 13).

- :func:`shadow_of_future_figure`: (a) the forward treaty threshold
  ``tau*_delta`` against the discount factor under absorbing and revocable
  binding, with the myopic threshold and the initial trust (section 13.6);
  (b) the share bound at the horizon against the discount factor, formal
  against piecemeal, absorbing against revocable binding, with Wilson
  intervals (sections 8.1 and 13.1). At ``delta = 0`` forward-looking
  decisions are the myopic ones (section 13.4), so the left end of each
  curve is the myopic result.
- :func:`starting_small_figure`: the optimal stakes of each rung of the
  ladder and what they buy against uniform stakes (section 13.8).

The tables are tidy: one row per point, a ``series`` column naming the
curve.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from . import style
from .registry import Column, Meta, figure_data

__all__ = ["shadow_of_future_figure", "starting_small_figure"]

_BINDING_LINES = {"absorbing": "-", "revocable": "--"}


@figure_data(
    Column("quantity", "text", at_most=3),
    Column("protocol", "text", at_most=2),
    Column("binding", "text", at_most=2),
    Column("discount_factor", "probability"),
    Column("value", "number", missing=True),
    Column("lo", "probability", missing=True),
    Column("hi", "probability", missing=True),
    meta=(
        Meta("initial_trust", "number", required=True),
        Meta("myopic_tau_star", "number", required=True),
        Meta("delta_critical", "number"),
    ),
    bands=(("value", "lo", "hi"),),
)
def shadow_of_future_figure(data: pd.DataFrame, meta: Mapping[str, Any]) -> Figure:
    """Draw function of the ``shadow_of_future`` figure (docs/model.md sections 13.6 and 13.1).

    Rows with ``quantity = "tau_star"`` give the formal treaty's forward
    threshold (``value``; empty where no trust level accepts); rows with
    ``quantity = "share_bound"`` the share bound at the horizon with its
    Wilson interval ``lo``, ``hi``, and ``"share_ever_bound"`` the share
    bound in some round (drawn thin and dotted for revocable binding, where
    the two differ). ``meta``: the initial trust, the myopic
    threshold and (optional) the discount factor above which the treaty is
    accepted at the initial trust under absorbing binding.
    """
    fig, axes = style.figure("double", height=2.8, ncols=2)
    thr = data[data["quantity"] == "tau_star"].sort_values("discount_factor")
    ax = axes[0]
    for i, (binding, rows) in enumerate(thr.groupby("binding", sort=True)):
        st = style.series_style(i)
        ax.plot(
            rows["discount_factor"],
            rows["value"].astype(float),
            color=st["color"],
            marker=st["marker"],
            ms=2.5,
            ls=_BINDING_LINES.get(str(binding), "-"),
            label=f"forward-looking, {binding} binding",
        )
    ax.axhline(
        float(meta["myopic_tau_star"]), color="0.3", lw=0.8, ls=":", label=r"myopic $\tau^*$"
    )
    ax.axhline(float(meta["initial_trust"]), color="0.6", lw=0.8, ls="-.", label=r"initial trust")
    if meta.get("delta_critical") is not None:
        dc = float(meta["delta_critical"])
        ax.axvline(dc, color="0.6", lw=0.6, ls=":")
        ax.annotate(
            rf"$\delta = {dc:.3f}$",
            (dc, 0.02),
            xytext=(3, 0),
            textcoords="offset points",
            fontsize=6.5,
            color="0.3",
        )
    ax.set_xlabel(r"discount factor $\delta$")
    ax.set_ylabel(r"formal treaty threshold $\tau^*_\delta$")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(loc="upper right", fontsize=6.5)

    ax = axes[1]
    share = data[data["quantity"] == "share_bound"].sort_values("discount_factor")
    for key, rows in share.groupby(["protocol", "binding"], sort=True):
        protocol, rule = (str(v) for v in key)
        st = style.protocol_style(protocol)
        x = rows["discount_factor"]
        ax.fill_between(
            x, rows["lo"].astype(float), rows["hi"].astype(float), color=st["color"], alpha=0.15
        )
        ax.plot(
            x,
            rows["value"].astype(float),
            color=st["color"],
            marker=st["marker"],
            ms=2.5,
            ls=_BINDING_LINES.get(rule, "-"),
            label=f"{protocol}, {rule}",
        )
    ever = data[(data["quantity"] == "share_ever_bound") & (data["binding"] == "revocable")]
    for name, rows in ever.sort_values("discount_factor").groupby("protocol", sort=True):
        st = style.protocol_style(str(name))
        ax.plot(
            rows["discount_factor"],
            rows["value"].astype(float),
            color=st["color"],
            lw=0.8,
            ls=":",
            label=f"{name}, revocable: ever bound",
        )
    ax.set_xlabel(r"discount factor $\delta$")
    ax.set_ylabel("share bound at the horizon")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(loc="best", fontsize=6.5)
    style.panel_labels(axes)
    return fig


@figure_data(
    Column("series", "text", at_most=6),
    Column("rung", "text"),
    Column("position", "count"),
    Column("scale", positive=True),
    Column("design", "text", at_most=3),
    Column("reached", "flag"),
    Column("objective", "probability"),
    Column("objective_se", "number"),
    meta=(Meta("objective_name", "text", required=True),),
)
def starting_small_figure(data: pd.DataFrame, meta: Mapping[str, Any]) -> Figure:
    """Draw function of the ``starting_small`` figure (docs/model.md section 13.8).

    One row per condition (``series``: a decision rule and precision),
    design (``"optimal"`` per rung, ``"uniform"``: the best common scale,
    ``"as written"``: every scale 1) and rung (``position`` in ladder order):
    (a) each rung's scale under the optimal design, per condition (log
    axis; a rung the no-incident path never offers, ``reached`` false, has
    no effect on the objective there and is left out, and so is a condition
    whose designs all reach the same value: its objective is flat in the
    scales and its "optimum" arbitrary); (b) the objective
    each design reaches, with two standard errors.
    """
    fig, axes = style.figure("double", height=2.8, ncols=2)
    order = list(dict.fromkeys(data["series"]))
    best = data[(data["design"] == "optimal") & data["reached"].astype(bool)]
    rungs = data.sort_values("position").drop_duplicates("position")
    for i, name in enumerate(order):
        rows = best[best["series"] == name].sort_values("position")
        if data.loc[data["series"] == name, "objective"].nunique() == 1:
            continue  # every design reaches the same value: the objective is flat in the scales
        st = style.series_style(i)
        axes[0].plot(
            rows["position"], rows["scale"], color=st["color"], marker=st["marker"], ms=3,
            ls="-", label=str(name),
        )  # fmt: skip
    axes[0].set_yscale("log")
    axes[0].set_xticks(rungs["position"], [str(r) for r in rungs["rung"]], fontsize=6.5)
    axes[0].set_xlabel("rung (in ladder order)")
    axes[0].set_ylabel(r"optimal stakes (scale $x_r$)")
    axes[0].legend(loc="best", fontsize=6)
    designs = list(dict.fromkeys(data["design"]))
    first = data.drop_duplicates(["series", "design"])
    width = 0.8 / max(len(designs), 1)
    for k, design in enumerate(designs):
        rows = first[first["design"] == design].set_index("series").reindex(order)
        ys = [i + (k - (len(designs) - 1) / 2) * width for i in range(len(order))]
        axes[1].barh(
            ys,
            rows["objective"].astype(float),
            xerr=2 * rows["objective_se"].astype(float),
            height=width,
            color=str(0.25 + 0.25 * k),
            label=str(design),
        )
    axes[1].set_yticks(list(range(len(order))), [str(s) for s in order], fontsize=6)
    axes[1].invert_yaxis()
    axes[1].set_xlabel(str(meta["objective_name"]) + r" ($\pm$ 2 s.e.)")
    axes[1].legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=3, fontsize=6, frameon=False)
    style.panel_labels(axes)
    return fig
