r"""The two channels of a common threat: the minimal threat ``theta*`` against initial trust.

docs/model.md section 15.2. The liberal channel raises every ``R`` by
``theta s``, which an actor earns only when the other complies, so its
effect on the margin is ``tau_0 s theta``: it vanishes for a distrustful
state, and ``theta*`` of the liberal channel alone grows like ``1 / tau_0``.
The realist channel divides ``kappa`` by ``1 + rho theta`` (Walt 1987), and
is largest where trust is lowest. A fully distrustful state
(``tau_0 = 0``) can be moved only by the realist channel, and only if
``S > P``, at ``theta* = (k (T - S) / (S - P) - 1) / rho``.

:func:`threat_channels_table` evaluates the analysis's ``theta*``
(:func:`binding_sim.analysis.theta_star`) over a grid of scenario keys
(pure analysis, no drawing); :func:`theta_star_lines` draws one curve per
value of the realist channel's ``rho`` on one axes;
:func:`threat_channels_figure` is the draw function of the
``threat_channels`` figure (one panel per value of an optional panel column,
e.g. the bilateral treaty and the unilateral guarantee of docs/model.md
section 15.1, whose responder earns the liberal term ``s theta`` in full: it
has seen the extension).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..analysis import theta_star
from ..config.cells import CellBuilder
from ..config.scenario import Scenario
from . import style
from .registry import Column, Meta, figure_data

__all__ = ["theta_star_lines", "threat_channels_figure", "threat_channels_table"]

_LABELS = {
    "scenario.threat_dilution": r"$\rho$",
    "scenario.common_threat": r"$\theta$",
    "initial_trust": r"initial trust $\tau_0$",
    "relative_gains": r"relative-gains sensitivity $k$",
}


def _label(key: str) -> str:
    """Axis or legend label of a scenario key."""
    if key in _LABELS:
        return _LABELS[key]
    parts = key.split(".")
    if parts[0] == "actors" and parts[-1] in _LABELS:
        who = "" if parts[1] == "*" else f" ({parts[1]})"
        return _LABELS[parts[-1]] + who
    if parts[0] == "arrangements" and parts[-2] == "payoffs":
        return f"${parts[-1]}$ of {parts[1]}"
    return key


def _panel_key(value: Any) -> str:
    """A panel value as text: a number formatted with ``:g``, anything else as itself."""
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return str(value)


def threat_channels_table(scenario: Scenario, grid: Mapping[str, Sequence[float]]) -> pd.DataFrame:
    """``theta*`` (both channels, docs/model.md section 15.2) at every point of a grid.

    Parameters
    ----------
    scenario : Scenario
        The base scenario; every key the grid does not set is its own.
    grid : mapping
        Scenario keys (dotted, as in a sweep design) to their values; every
        combination is evaluated, first key slowest.

    Returns
    -------
    DataFrame
        One row per grid point: the grid keys and ``theta_star``, the minimal
        common threat at which both actors accept the formal treaty at their
        initial trust (NaN where no finite threat works; for a unilateral
        treaty: the mover extends and the responder reciprocates, section 15.2).
    """
    keys = list(grid)
    builder = CellBuilder(scenario)
    rows = []
    for values in itertools.product(*(list(grid[k]) for k in keys)):
        point = dict(zip(keys, values, strict=True))
        t = theta_star(builder.build(point))
        rows.append({**point, "theta_star": np.nan if t is None else t})
    return pd.DataFrame(rows, columns=[*keys, "theta_star"])


def theta_star_lines(
    data: pd.DataFrame, x: str, series: str, ax: Axes | None = None, markers: int = 0
) -> list[Line2D]:
    """One ``theta*`` curve against ``x`` per value of ``series`` (``rho = 0``: liberal only)."""
    if ax is None:
        _, ax = style.figure("single")
    lines = []
    for i, val in enumerate(sorted(float(v) for v in pd.unique(data[series]))):
        grp = data[data[series] == val].sort_values(x)
        st = style.series_style(i)
        if not markers:
            st["marker"] = None
        if series == "scenario.threat_dilution" and val == 0.0:
            label = r"liberal channel alone ($\rho$ = 0)"
        else:
            label = f"{_label(series)} = {val:g}"
        (line,) = ax.plot(grp[x], grp["theta_star"], label=label, **st)
        lines.append(line)
    return lines


@figure_data(
    Column("{x}"),
    Column("{series}", at_most=12),
    Column("{panel}", kind="text", at_most=6),
    Column("theta_star", missing=True),
    meta=(
        Meta("x", "column", required=True),
        Meta("series", "column", required=True),
        Meta("panel", "column", required=True),
        Meta("y_max", "number"),
    ),
)
def threat_channels_figure(data: pd.DataFrame, meta: Mapping[str, Any]) -> Figure:
    """Draw function of the ``threat_channels`` figure.

    ``meta`` holds ``x`` (the trust key), ``series`` (the realist channel's
    ``scenario.threat_dilution``), optionally ``panel`` (a column with one
    panel per value: a scenario key, or ``scenario``, the scenario's name,
    panels in order of appearance), ``y_max`` (top of the theta axis: the
    liberal curve leaves it as trust falls), ``points`` (a list of
    ``{"x", "theta", "panel"}``: each panel's preset trust and threat,
    marked; or one such ``point``, labelled with ``scenario``'s name) and
    ``panel_titles`` (panel value, a number formatted with ``:g`` -> title).
    """
    x, series = str(meta["x"]), str(meta["series"])
    panel = meta.get("panel")
    if not panel:
        values: list[Any] = [None]
    elif pd.api.types.is_numeric_dtype(data[panel]):
        values = sorted(pd.unique(data[panel]))
    else:
        values = list(pd.unique(data[panel]))
    width = "double" if len(values) > 1 else "single"
    fig, axes = style.figure(width, height=2.7, ncols=len(values), squeeze=False)
    axes = axes[0]
    y_max = float(meta.get("y_max", np.nanmax(data["theta_star"])))
    points = meta.get("points") or ([meta["point"]] if meta.get("point") else [])
    for ax, val in zip(axes, values, strict=True):
        grp = data if val is None else data[data[panel] == val]
        theta_star_lines(grp, x, series, ax=ax)
        for point in points:
            if val is not None and _panel_key(point.get("panel", val)) != _panel_key(val):
                continue
            name = "the preset" if "points" in meta else meta.get("scenario", "preset")
            ax.plot(
                [point["x"]],
                [point["theta"]],
                marker="*",
                ms=8,
                color=style.PALETTE["orange"],
                mec="black",
                mew=0.5,
                ls="none",
                zorder=5,
                label=rf"{name} ($\theta$ = {point['theta']:g})",
            )
        if val is not None:
            titles = meta.get("panel_titles") or {}
            key = _panel_key(val)
            ax.set_title(titles.get(key, f"{_label(str(panel))} = {key}"))
        ax.set_xlim(float(grp[x].min()), float(grp[x].max()))
        ax.set_ylim(0.0, y_max)
        ax.set_xlabel(_label(x))
        ax.set_ylabel(r"minimal common threat $\theta^*$")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=6.5)
    if len(values) > 1:
        style.panel_labels(axes)
    return fig
