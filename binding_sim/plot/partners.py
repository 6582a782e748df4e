r"""Partners: the formal treaty's threshold and critical sensitivity against the number of actors.

docs/model.md section 15.3 (Snidal 1991). With ``N`` actors each values an
outcome against the mean of the others' payoffs, so relative-gains concern
rescales the margin by ``1 / (N - 1)``: the treaty threshold ``tau*_N``
falls toward ``(P - S) / (R' - T + P - S)`` (``R' = R + theta s``), where
relative gains no longer matter, and the critical sensitivity ``k*_N``
rises until no ``k`` makes an actor reject. Partners are non-voting: only
the two actors' acceptance is shown.

:func:`partners_table` evaluates :func:`binding_sim.analysis.n_actor_analysis`
for ``N = 2 .. n_max`` (pure analysis, no drawing); :func:`threshold_lines`
draws one curve per actor on one axes; :func:`partners_figure` is the draw
function of the ``partners`` figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..analysis import n_actor_analysis
from ..config.scenario import Scenario
from ..model.payoffs import absolute_payoffs
from . import style
from .registry import Column, Meta, figure_data

__all__ = ["dilution_limit", "partners_figure", "partners_table", "threshold_lines"]


def dilution_limit(scenario: Scenario) -> float:
    """``(P - S) / (R' - T + P - S)``: the limit of ``tau*_N`` as ``N`` grows (section 15.3)."""
    R, S, T, P = (float(x) for x in absolute_payoffs(scenario.formal, scenario.common_threat)[0])
    return (P - S) / ((R - T) + (P - S))


def partners_table(scenario: Scenario, n_max: int) -> pd.DataFrame:
    """The formal treaty among ``N = 2 .. n_max`` actors, one row per ``N`` and voting actor.

    Returns
    -------
    DataFrame
        Columns ``N``, ``actor``, ``relative_gains`` and ``initial_trust`` (the
        actor's own), ``tau_star`` (``tau*_N``), ``k_star`` (``k*_N``; NaN
        when no ``k`` makes the actor reject), ``margin_at_start``
        (``Delta_N`` at its initial trust), ``accepted_at_start`` and
        ``tau_star_limit`` (:func:`dilution_limit`).
    """
    report = n_actor_analysis(scenario, n_max)
    limit = dilution_limit(scenario)
    rows = []
    for n, row in report.items():
        for act in scenario.actors:
            a = row[act.name]
            rows.append(
                {
                    "N": n,
                    "actor": act.name,
                    "relative_gains": act.relative_gains,
                    "initial_trust": act.initial_trust,
                    "tau_star": np.nan if a["tau_star"] is None else a["tau_star"],
                    "k_star": np.nan if a["k_star"] is None else a["k_star"],
                    "margin_at_start": a["margin_at_start"],
                    "accepted_at_start": a["accepted_at_start"],
                    "tau_star_limit": limit,
                }
            )
    return pd.DataFrame(rows)


def threshold_lines(
    data: pd.DataFrame, y: str, own: str | None = None, ax: Axes | None = None
) -> list[Line2D]:
    """One curve of column ``y`` against ``N`` per actor; ``own``: the actor's own value, dotted."""
    if ax is None:
        _, ax = style.figure("single")
    lines = []
    for i, (actor, grp) in enumerate(data.groupby("actor", sort=False)):
        grp = grp.sort_values("N")
        st = style.series_style(i)
        (line,) = ax.plot(grp["N"], grp[y], label=str(actor), **st)
        lines.append(line)
        if own is not None:
            ax.axhline(float(grp[own].iloc[0]), color=st["color"], linestyle=":", linewidth=0.9)
    return lines


@figure_data(
    Column("N", "count"),
    Column("actor", "text", at_most=12),
    Column("relative_gains"),
    Column("initial_trust", "probability"),
    Column("tau_star", "probability", missing=True),
    Column("k_star", missing=True),
    Column("tau_star_limit", "probability"),
    meta=(Meta("n_partners", "integer"),),
)
def partners_figure(data: pd.DataFrame, meta: Mapping[str, Any]) -> Figure:
    """Draw function of the ``partners`` figure (two panels: ``tau*_N`` and ``k*_N`` against ``N``).

    Dotted lines are each actor's own initial trust (a) and sensitivity (b):
    an actor accepts the treaty at the start where its ``tau*_N`` is below
    its trust, equivalently where its ``k`` is below ``k*_N``. ``meta``
    holds ``n_partners`` (the scenario's partners: ``N = 2 + n_partners`` is
    marked), ``partners`` (their names) and ``theta`` (the common threat).
    """
    fig, axes = style.figure("double", height=2.6, ncols=2)
    threshold_lines(data, "tau_star", own="initial_trust", ax=axes[0])
    limit = float(data["tau_star_limit"].iloc[0])
    axes[0].axhline(limit, color="0.35", linestyle="--", linewidth=0.9)
    axes[0].annotate(
        f"limit (P - S) / (R + \u03b8s - T + P - S) = {limit:.3g}",
        (float(data["N"].max()), limit),
        xytext=(0, -3),
        textcoords="offset points",
        ha="right",
        va="top",
        fontsize=6.5,
        color="0.35",
    )
    axes[0].set_ylabel(r"treaty threshold $\tau^*_N$")
    axes[0].set_ylim(0.0, max(0.7, float(np.nanmax(data["tau_star"])) + 0.05))
    threshold_lines(data, "k_star", own="relative_gains", ax=axes[1])
    axes[1].set_yscale("log")
    axes[1].set_ylabel(r"critical sensitivity $k^*_N$")
    axes[1].text(
        0.98,
        0.97,
        r"no point: $k^*_N$ is none" "\n" "(no $k$ makes the actor reject)",
        transform=axes[1].transAxes,
        ha="right",
        va="top",
        fontsize=6.5,
        color="0.2",
    )
    n_partners = meta.get("n_partners")
    for ax in axes:
        ax.set_xlabel(r"number of actors $N$ (two voting, the rest partners)")
        ax.set_xlim(float(data["N"].min()) - 0.2, float(data["N"].max()) + 0.2)
        ax.xaxis.get_major_locator().set_params(integer=True)
        if n_partners:
            ax.axvline(2 + int(n_partners), color="0.55", linestyle="-.", linewidth=0.9, zorder=0)
    if n_partners:
        names = ", ".join(meta.get("partners", []))
        axes[0].annotate(
            f"the 2010 essay's partners\n({names})",
            (2 + int(n_partners), 0.02),
            xytext=(3, 0),
            textcoords="offset points",
            fontsize=6.5,
            color="0.2",
            va="bottom",
        )
    theta = meta.get("theta")
    handles, labels = axes[0].get_legend_handles_labels()
    handles.append(Line2D([], [], color="0.35", linestyle=":", linewidth=0.9))
    labels.append("actor's own initial trust (a) and $k$ (b)")
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncol=3,
        fontsize=6.5,
        title=None if theta is None else rf"common threat $\theta$ = {float(theta):g}",
        title_fontsize=6.5,
    )
    style.panel_labels(axes)
    return fig
