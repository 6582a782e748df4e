r"""The Catch-22 map: where formal binding, only piecemeal binding, or nothing can start.

Over a grid of two parameters (by default the relative-gains sensitivity
``k`` and the initial trust ``tau_0`` of both actors), docs/model.md sections 3
and 7 decide at the start of play:

- ``formal``: both actors accept the formal treaty ``F`` (``Delta_i >= -1e-9``);
- ``piecemeal_only``: they do not both accept ``F`` but both accept the first
  rung of the ladder, so only the piecemeal protocol can start;
- ``neither``: they do not both accept either.

Overlaid: each actor's stage-game class boundaries for the relative-gains
transformed treaty game (Stag Hunt, Prisoner's Dilemma, ...), i.e. the zero
lines of ``R' - T'``, ``S' - P'`` and (where ``T' > R'`` and ``P' > S'``)
``R' - P'``; each class is named beside its boundary with an arrow into it, since a
class covers the whole area on its side of the line, across the three regions.
For symmetric payoffs the formal boundary is the closed form
``tau_0 = b / (a + b)`` with ``a = R + theta s - T``, ``b = (P - S) + k (T - S)``
(the Catch-22 of Krickovic 2016: above ``k*_F(tau_0)`` no treaty is ever
accepted).

:func:`catch22_table` prepares the tidy table (pure analysis, no drawing);
:func:`region_map` and :func:`class_boundaries` draw on one axes;
:func:`catch22_map_figure` is the draw function of the ``catch22_map`` figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.patches as mpatches
import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..config.scenario import FORMAL, Scenario
from ..errors import BindingSimError
from ..model.margins import TOL, acceptance_margin
from ..model.payoffs import absolute_payoffs, kappa, transformed_payoffs
from ..model.stage_game import classify
from ..model.threat import effective_sensitivity
from . import style
from .registry import Column, Meta, figure_data

__all__ = [
    "REGIONS",
    "SWEEPABLE",
    "catch22_map_figure",
    "catch22_table",
    "class_boundaries",
    "region_handles",
    "region_map",
]

REGIONS = ("formal", "piecemeal_only", "neither")
"""Region codes of the map, in drawing order."""

REGION_LABELS = {
    "formal": "both accept the formal treaty",
    "piecemeal_only": "only the first rung accepted\n(only piecemeal can start)",
    "neither": "neither accepted",
}
# Three Okabe-Ito tones of clearly different lightness (distinct in greyscale).
REGION_COLOURS = {
    "formal": style.PALETTE["blue"],
    "piecemeal_only": style.PALETTE["sky_blue"],
    "neither": "#F2F2F2",
}

SWEEPABLE = ("relative_gains", "initial_trust")
"""Actor keys the map can sweep (``actors.*.KEY`` or ``actors.NAME.KEY``), besides ``scenario.common_threat``."""

_CLASS_LABELS = {
    "harmony": "Harmony",
    "stag_hunt": "Stag Hunt",
    "chicken": "Chicken",
    "prisoners_dilemma": "PD",
    "deadlock": "Deadlock",
    "other": "",
}


# --------------------------------------------------------------- data preparation
def _axis_values(scenario: Scenario, key: str, values: np.ndarray) -> dict[Any, np.ndarray]:
    """Which per-actor parameter (or theta) a grid key sets: {'theta'} or {(i, attr)}."""
    parts = key.split(".")
    if key == "scenario.common_threat":
        return {"theta": values}
    if len(parts) == 3 and parts[0] == "actors" and parts[2] in SWEEPABLE:
        names = scenario.actor_names
        if parts[1] == "*":
            idx = [0, 1]
        elif parts[1] in names:
            idx = [names.index(parts[1])]
        else:
            raise BindingSimError(
                f"catch22_map: {key}: unknown actor {parts[1]!r} (actors: {', '.join(names)})"
            )
        return {(i, parts[2]): values for i in idx}
    raise BindingSimError(
        f"catch22_map: {key}: the map sweeps actors.*.relative_gains, actors.*.initial_trust "
        "(or actors.NAME.KEY) and scenario.common_threat"
    )


def catch22_table(
    scenario: Scenario,
    x_key: str,
    x_values: npt.ArrayLike,
    y_key: str,
    y_values: npt.ArrayLike,
) -> pd.DataFrame:
    """Tidy table of the Catch-22 map over a grid of two scenario keys.

    Parameters
    ----------
    scenario : Scenario
        The base scenario (e.g. ``krickovic2016``); every other parameter is
        taken from it.
    x_key, y_key : str
        ``actors.*.relative_gains``, ``actors.*.initial_trust`` (or with an
        actor's name instead of ``*``) or ``scenario.common_threat``.
    x_values, y_values : array_like
        Grid values (every combination is evaluated).

    Returns
    -------
    DataFrame
        One row per grid point: the two keys, ``formal_margin`` and
        ``rung_margin`` (the smaller of the two actors' ``Delta_i`` at initial
        trust for ``F`` and for the first rung; NaN without a ladder),
        ``region`` (see :data:`REGIONS`), and per actor ``X`` in (A, B):
        ``class_X`` (class of the transformed treaty game, docs/model.md section 7)
        and the class margins ``rt_X = R' - T'``, ``sp_X = S' - P'``,
        ``rp_X = R' - P'``.
    """
    xv = np.asarray(x_values, dtype=float)
    yv = np.asarray(y_values, dtype=float)
    X, Y = np.meshgrid(xv, yv, indexing="ij")
    setters: dict[Any, np.ndarray] = {}
    setters.update(_axis_values(scenario, x_key, X))
    setters.update(_axis_values(scenario, y_key, Y))
    theta = setters.get("theta", np.full(X.shape, scenario.common_threat))
    # each actor's k with the realist channel at each grid point's theta folded in
    # (docs/model.md section 15.2; k itself when threat_dilution = 0)
    k = [
        effective_sensitivity(
            setters.get((i, "relative_gains"), np.full(X.shape, a.relative_gains)),
            scenario.threat_dilution,
            theta,
        )
        for i, a in enumerate(scenario.actors)
    ]
    tau = [
        setters.get((i, "initial_trust"), np.full(X.shape, a.initial_trust))
        for i, a in enumerate(scenario.actors)
    ]

    def payoffs(name: str) -> np.ndarray:
        return absolute_payoffs(scenario.arrangements[name], theta)

    def margins(name: str) -> list[np.ndarray]:
        pay = payoffs(name)
        return [
            acceptance_margin(tau[i], k[i], pay[..., i, :], pay[..., 1 - i, :]) for i in range(2)
        ]

    formal = np.minimum(*margins(FORMAL))
    if scenario.ladder:
        rung = np.minimum(*margins(scenario.ladder[0]))
    else:
        rung = np.full(X.shape, np.nan)
    region = np.where(
        formal >= -TOL, "formal", np.where(rung >= -TOL, "piecemeal_only", "neither")
    )
    out: dict[str, Any] = {
        x_key: X.ravel(),
        y_key: Y.ravel(),
        "formal_margin": formal.ravel(),
        "rung_margin": rung.ravel(),
        "region": region.ravel(),
    }
    pay_f = payoffs(FORMAL)
    for i, tag in enumerate("AB"):
        kap = kappa(k[i], tau[i])
        Rp, Sp, Tp, Pp = transformed_payoffs(kap, pay_f[..., i, :], pay_f[..., 1 - i, :])
        flat = [a.ravel() for a in (Rp, Sp, Tp, Pp)]
        out[f"class_{tag}"] = [classify(*p) for p in zip(*flat, strict=True)]
        out[f"rt_{tag}"] = (Rp - Tp).ravel()
        out[f"sp_{tag}"] = (Sp - Pp).ravel()
        out[f"rp_{tag}"] = (Rp - Pp).ravel()
    return pd.DataFrame(out)


def _grid(
    data: pd.DataFrame, x: str, y: str, column: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reshape a tidy column over the (x, y) grid to a 2-D array indexed [y, x]."""
    table = data.pivot_table(index=y, columns=x, values=column, aggfunc="first", dropna=False)
    return table.columns.to_numpy(float), table.index.to_numpy(float), table.to_numpy(float)


# ------------------------------------------------------------------------ drawing
def region_map(data: pd.DataFrame, x: str, y: str, ax: Axes | None = None) -> Any:
    """Fill the three Catch-22 regions over the ``(x, y)`` grid; return the contour set.

    Region edges are the zero lines of ``formal_margin`` and ``rung_margin``
    (smooth, not staircase).
    """
    if ax is None:
        _, ax = style.figure("single")
    xs, ys, formal = _grid(data, x, y, "formal_margin")
    _, _, rung = _grid(data, x, y, "rung_margin")
    ax.set_facecolor(REGION_COLOURS["neither"])
    top = float(max(np.nanmax(np.abs(formal)), np.nanmax(np.abs(np.nan_to_num(rung))), 1.0)) * 2
    if np.isfinite(rung).any():
        ax.contourf(xs, ys, rung, levels=[-TOL, top], colors=[REGION_COLOURS["piecemeal_only"]])
    artist = ax.contourf(xs, ys, formal, levels=[-TOL, top], colors=[REGION_COLOURS["formal"]])
    ax.set_xlim(xs.min(), xs.max())
    ax.set_ylim(ys.min(), ys.max())
    ax.grid(False)
    return artist


def region_handles(data: pd.DataFrame) -> list[mpatches.Patch]:
    """Legend patches of the regions present in ``data`` (formal first)."""
    present = set(data["region"])
    return [
        mpatches.Patch(
            facecolor=REGION_COLOURS[r], edgecolor="0.4", linewidth=0.4, label=REGION_LABELS[r]
        )
        for r in REGIONS
        if r in present
    ]


def class_boundaries(
    data: pd.DataFrame,
    x: str,
    y: str,
    ax: Axes | None = None,
    actors: Sequence[str] = ("A", "B"),
    label_classes: bool = True,
) -> list[Any]:
    """Overlay each actor's class boundaries of the transformed treaty game; return the contour sets.

    Actor A: solid black lines; actor B: dashed dark-orange lines (where the
    two coincide, as with symmetric actors, the dashes sit on the solid line).
    """
    if ax is None:
        _, ax = style.figure("single")
    styles: list[dict[str, Any]] = [
        {"colors": "black", "linestyles": "solid", "linewidths": 0.9},
        {"colors": style.PALETTE["vermillion"], "linestyles": [(0, (3, 2))], "linewidths": 0.9},
    ]
    out = []
    for tag, st in zip("AB", styles, strict=True):
        xs, ys, rt = _grid(data, x, y, f"rt_{tag}")
        _, _, sp = _grid(data, x, y, f"sp_{tag}")
        _, _, rp = _grid(data, x, y, f"rp_{tag}")
        rp = np.where((rt < 0) & (sp < 0), rp, np.nan)
        for field in (rt, sp, rp):
            if np.isnan(field).all():  # no cell of this class: no boundary to draw
                continue
            if np.nanmin(field) < 0 < np.nanmax(field):
                out.append(ax.contour(xs, ys, field, levels=[0.0], **st))
    if label_classes:
        _label_classes(data, x, y, ax)
    return out


_ARROWS = {(0, 1): "\u2191", (0, -1): "\u2193", (1, 0): "\u2192", (-1, 0): "\u2190"}


def _label_classes(data: pd.DataFrame, x: str, y: str, ax: Axes) -> None:
    """Name actor A's classes beside the class boundary, each with an arrow pointing into it.

    A class covers the whole area on its side of the boundary, across the
    Catch-22 regions, so its name sits at the boundary (at the middle of the
    boundary's cells of that class) with an arrow pointing away from the
    line, rather than at the centre of its cells, which would place it inside
    one region. A class with no boundary in view is named at its centre.
    """
    xs, ys, _ = _grid(data, x, y, "rt_A")
    table = data.pivot_table(index=y, columns=x, values="class_A", aggfunc="first")
    classes = table.reindex(index=ys, columns=xs).to_numpy(object)
    ny, nx = classes.shape
    for cls, grp in data.groupby("class_A"):
        text = _CLASS_LABELS.get(str(cls), "")
        if not text or len(grp) < 0.03 * len(data):
            continue
        edge: list[tuple[int, int, int, int]] = []  # (row, col, drow, dcol) away from the line
        for i in range(ny):
            for j in range(nx):
                if classes[i, j] != cls:
                    continue
                for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                    ii, jj = i + di, j + dj
                    if 0 <= ii < ny and 0 <= jj < nx and classes[ii, jj] != cls:
                        edge.append((i, j, -di, -dj))
                        break
        kw: dict[str, Any] = {
            "fontsize": 7,
            "style": "italic",
            "bbox": {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
        }
        if not edge:
            ax.text(
                float(grp[x].median()),
                float(grp[y].median()),
                text,
                ha="center",
                va="center",
                **kw,
            )
            continue
        i, j, di, dj = sorted(edge, key=lambda e: (e[1], e[0]))[len(edge) // 2]
        # a rising boundary (rows growing with columns) leaves the upper left and the lower
        # right free: shift the label sideways that way so it never sits on the line
        rows = np.array([e[0] for e in edge], float)
        cols = np.array([e[1] for e in edge], float)
        rising = rows.std() == 0 or cols.std() == 0 or np.corrcoef(cols, rows)[0, 1] >= 0
        side = -1 if rising else 1
        sx, sy = (side * di, 0) if di else (0, side * dj)
        arrow = _ARROWS[(dj, di)]
        ax.annotate(
            f"{arrow} {text}" if (dj or sx) <= 0 else f"{text} {arrow}",
            (float(xs[j]), float(ys[i])),
            xytext=(8 * dj + 3 * sx, 8 * di + 3 * sy),
            textcoords="offset points",
            ha={1: "left", -1: "right"}.get(dj or sx, "center"),
            va={1: "bottom", -1: "top"}.get(di or sy, "center"),
            **kw,
        )


@figure_data(
    Column("{x}"),
    Column("{y}"),
    Column("formal_margin"),
    Column("rung_margin", missing=True),
    Column("region", "text"),
    Column("class_A", "text"),
    *(Column(f"{m}_{t}") for t in "AB" for m in ("rt", "sp", "rp")),
    meta=(
        Meta("x", "column", required=True),
        Meta("y", "column", required=True),
        Meta("actors", "texts", length=2),
        Meta("point", "pair"),
        Meta("scenario", "text"),
    ),
    grid=("{x}", "{y}"),
)
def catch22_map_figure(data: pd.DataFrame, meta: Mapping[str, Any]) -> Figure:
    """Draw function of the ``catch22_map`` figure (single column).

    ``meta`` holds ``x`` and ``y`` (the grid keys), ``actors`` (names of A
    and B) and optionally ``point`` (the preset's ``(x, y)``, marked) and
    ``scenario``.
    """
    x, y = str(meta["x"]), str(meta["y"])
    actors = list(meta.get("actors", ("A", "B")))
    fig, ax = style.figure("single", height=3.3)
    region_map(data, x, y, ax=ax)
    class_boundaries(data, x, y, ax=ax)
    handles: list[Any] = list(region_handles(data))
    handles += [
        Line2D([], [], color="black", lw=0.9, label=f"class boundary, {actors[0]}"),
        Line2D(
            [],
            [],
            color=style.PALETTE["vermillion"],
            lw=0.9,
            ls=(0, (3, 2)),
            label=f"class boundary, {actors[1]}",
        ),
    ]
    if meta.get("point") is not None:
        px, py = meta["point"]
        ax.plot(
            [px],
            [py],
            marker="*",
            ms=8,
            color=style.PALETTE["orange"],
            mec="black",
            mew=0.5,
            ls="none",
            zorder=5,
        )
        handles.append(
            Line2D(
                [],
                [],
                marker="*",
                ms=8,
                color=style.PALETTE["orange"],
                mec="black",
                mew=0.5,
                ls="none",
                label=f"{meta.get('scenario', 'preset')}",
            )
        )
    ax.set_xlabel(style.key_label(x))
    ax.set_ylabel(style.key_label(y))
    fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=6.5, handlelength=1.8)
    return fig
