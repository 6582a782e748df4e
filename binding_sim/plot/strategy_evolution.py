r"""Which repeated-game strategies survive relative-gains concern: the ``strategy_evolution`` figure.

For each arrangement and relative-gains sensitivity ``k`` (both actors, at
fixed trust), a round-robin tournament of the classic memory-one strategies
(:func:`binding_sim.games.tournament.tournament`; exact values from the match's
Markov chain) gives the matrix of mean scores per turn; the replicator
dynamics over it (Taylor and Jonker 1978; :mod:`binding_sim.games.evolution`)
from a uniform population give the long-run shares. The figure shows

(a) the long-run share of the reciprocating strategies (TFT, GTFT, WSLS,
    Grim; :data:`binding_sim.games.tournament.RECIPROCATORS`) against ``k`` for
    each arrangement, with a dotted line where the transformed stage game
    turns from an assurance game into a Prisoner's Dilemma (``T' > R'``: for
    symmetric payoffs at ``k = (R - T) / ((T - S)(1 - tau))``). Left of that
    line GTFT's forgiveness clips to 1 and GTFT is AllC (docs/model.md
    section 7; Nowak and Sigmund 1992), so a share there counts unconditional
    cooperators too;
(b, c) the tournament ranking (mean score per turn against every strategy,
    own twin included; Axelrod 1984) at a low and a high ``k`` on one
    arrangement.

:func:`strategy_evolution_table` prepares the tidy table (no drawing);
:func:`reciprocity_curves` and :func:`ranking_bars` draw on one axes;
:func:`strategy_evolution_figure` is the draw function of the figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..config.scenario import Scenario
from ..games.match import arrangement_game
from ..games.tournament import DEFAULT_PLAYERS, RECIPROCATORS, tournament
from . import style
from .registry import Column, Meta, figure_data

__all__ = [
    "ranking_bars",
    "reciprocity_curves",
    "strategy_evolution_figure",
    "strategy_evolution_table",
    "temptation_onset",
]

_LABELS = {
    "allc": "AllC",
    "alld": "AllD",
    "tft": "TFT",
    "stft": "STFT",
    "grim": "Grim",
    "wsls": "WSLS",
    "gtft": "GTFT",
    "random": "Random",
    "alternator": "Alternator",
}


SHARE_DECIMALS = 6
"""Long-run shares are rounded to this many decimals (the replicator stops at speed 1e-9)."""


def _label(name: str) -> str:
    return _LABELS.get(name, name)


# --------------------------------------------------------------- data preparation
def strategy_evolution_table(
    scenario: Scenario,
    arrangements: Sequence[str],
    relative_gains: npt.ArrayLike,
    *,
    players: Sequence[str] = DEFAULT_PLAYERS,
    turns: int = 200,
    noise: float = 0.05,
    trust: float | Sequence[float] | None = None,
    horizon: float = 2000.0,
) -> pd.DataFrame:
    """Tidy table: one row per arrangement, ``k`` and strategy.

    Parameters
    ----------
    scenario : Scenario
        Base scenario; every parameter but both actors' ``relative_gains`` is its own.
    arrangements : sequence of str
        Arrangements to play (e.g. ``["formal", "md_transparency"]``).
    relative_gains : array_like
        Values of ``k`` (both actors).
    players, turns, noise, trust
        As in :func:`binding_sim.games.tournament.tournament` (exact values, no simulation).
    horizon : float
        Replicator run length in units of the payoff spread.

    Returns
    -------
    DataFrame
        Columns ``arrangement``, ``relative_gains``, ``player``,
        ``mean_score`` (per turn, against every strategy), ``rank`` (1 =
        best), ``share`` (long-run replicator share from a uniform start),
        ``reciprocating_share`` (sum over the reciprocators, repeated on each
        row of the tournament), ``reciprocator`` (bool), ``converged``,
        ``game_class`` (class of actor A's transformed stage game) and
        ``k_pd`` (:func:`temptation_onset` of the arrangement).
    """
    rows: list[dict[str, Any]] = []
    for arrangement in arrangements:
        k_pd = temptation_onset(scenario, arrangement, trust)
        for k in np.asarray(relative_gains, dtype=float):
            res = tournament(
                scenario,
                arrangement,
                trust=trust,
                relative_gains=float(k),
                players=players,
                turns=turns,
                noise=noise,
            )
            rep = res.replicator(horizon=horizon)
            # Shares of strategies on their way out (1e-8 down to 1e-39) are set by the
            # ODE solver's rounding and differ between machines: rounded so that the
            # table is the same everywhere.
            recip = [p in RECIPROCATORS for p in res.players]
            shares = np.round(rep.shares, SHARE_DECIMALS) + 0.0
            total = round(float(np.sum(rep.shares[recip])), SHARE_DECIMALS) + 0.0
            rank = {p: r for r, p in enumerate(res.ranking, 1)}
            game_class = res.game.classes()[0]
            for i, p in enumerate(res.players):
                rows.append(
                    {
                        "arrangement": arrangement,
                        "relative_gains": float(k),
                        "player": p,
                        "mean_score": float(res.mean_scores[i]),
                        "rank": rank[p],
                        "share": float(shares[i]),
                        "reciprocating_share": total,
                        "reciprocator": recip[i],
                        "converged": rep.converged,
                        "game_class": game_class,
                        "k_pd": k_pd,
                    }
                )
    return pd.DataFrame(rows)


def temptation_onset(
    scenario: Scenario, arrangement: str, trust: float | Sequence[float] | None = None
) -> float:
    r"""Smallest ``k`` (both actors) at which actor A's transformed ``T'`` exceeds ``R'``.

    ``T' - R' = (T_A - R_A) + kappa [(T_A - S_B) - (R_A - R_B)]`` is linear in
    ``kappa = k (1 - tau_A)`` (docs/model.md section 2), so the onset is read off
    the games at ``k = 0`` and ``k = 1``: ``0`` if ``T' >= R'`` already, NaN if
    it never happens. For symmetric payoffs this is ``(R - T) / ((T - S)(1 - tau))``,
    where an assurance game turns into a Prisoner's Dilemma.
    """
    d = []
    for k in (0.0, 1.0):
        s = scenario.with_values({"actors.*.relative_gains": k})
        R, _, T, _ = arrangement_game(s, arrangement, trust).payoffs(0)
        d.append(T - R)
    if d[0] >= 0:
        return 0.0
    slope = d[1] - d[0]
    return float(-d[0] / slope) if slope > 0 else float("nan")


# --------------------------------------------------------------- drawing
def reciprocity_curves(
    data: pd.DataFrame, ax: Axes | None = None, arrangements: Sequence[str] | None = None
) -> list[Line2D]:
    """Reciprocating share against ``k``, one line per arrangement; ``T' > R'`` onset marked.

    Returns the lines (one per arrangement).
    """
    if ax is None:
        _, ax = style.figure("single")
    names = list(arrangements) if arrangements else list(pd.unique(data["arrangement"]))
    lines = []
    for i, name in enumerate(names):
        grp = (
            data[data["arrangement"] == name]
            .drop_duplicates("relative_gains")
            .sort_values("relative_gains")
        )
        st = style.series_style(i)
        n = len(grp)
        (line,) = ax.plot(
            grp["relative_gains"],
            grp["reciprocating_share"],
            label=name.replace("_", " "),
            markevery=max(1, round(n / 8)),
            **st,
        )
        lines.append(line)
        k_pd = float(grp["k_pd"].iloc[0]) if "k_pd" in grp and len(grp) else float("nan")
        if (
            np.isfinite(k_pd)
            and grp["relative_gains"].min() <= k_pd <= grp["relative_gains"].max()
        ):
            ax.axvline(k_pd, color=st["color"], linestyle=":", linewidth=0.8)
            ax.annotate(
                "PD",
                (k_pd, 0.02 + 0.08 * i),
                xytext=(2, 0),
                textcoords="offset points",
                color=st["color"],
                fontsize=6.5,
            )
    ax.set_ylim(-0.03, 1.05)
    ax.set_xlabel("relative-gains sensitivity $k$ (both actors)")
    # GTFT's forgiveness clips to 1 in an assurance game (R' > T', left of k_PD): it is AllC
    # there, so the low-k plateau counts unconditional cooperators, not reciprocators.
    ax.set_ylabel("long-run share of TFT, GTFT, WSLS, Grim\n(GTFT = AllC left of the PD line)")
    ax.legend(loc="center right")
    return lines


def ranking_bars(
    data: pd.DataFrame, arrangement: str, k: float, ax: Axes | None = None
) -> BarContainer:
    """Horizontal bars of mean score per turn, best strategy on top; reciprocators filled.

    Uses the rows of ``data`` for ``arrangement`` at the grid value nearest ``k``.
    """
    if ax is None:
        _, ax = style.figure("single")
    sub = data[data["arrangement"] == arrangement]
    ks = np.unique(sub["relative_gains"].to_numpy(dtype=float))
    k_at = float(ks[np.argmin(np.abs(ks - k))])
    grp = sub[np.isclose(sub["relative_gains"], k_at)].sort_values("rank", ascending=False)
    recip = grp["reciprocator"].astype(bool).to_numpy()
    colours = [style.PALETTE["blue"] if r else "white" for r in recip]
    bars = ax.barh(
        [_label(p) for p in grp["player"]],
        grp["mean_score"],
        color=colours,
        edgecolor="black",
        linewidth=0.5,
        height=0.7,
    )
    for bar, r in zip(bars, recip, strict=True):
        if not r:
            bar.set_hatch("////")
    ax.axvline(0.0, color="black", linewidth=0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("mean score per turn")
    ax.set_title(f"{arrangement.replace('_', ' ')}, $k$ = {k_at:g}")
    return bars


@figure_data(
    Column("arrangement", "text", at_most=12),
    Column("relative_gains"),
    Column("reciprocating_share", "probability"),
    Column("k_pd", missing=True),
    Column("player", "text", at_most=50),
    Column("mean_score"),
    Column("rank", "count"),
    Column("reciprocator", "flag"),
    meta=(
        Meta("ranking_k", "pair", required=True),
        Meta("ranking_arrangement", "member", required=True, column="arrangement"),
        Meta("arrangements", "texts"),
        Meta("turns", "integer"),
        Meta("noise", "number"),
        Meta("scenario", "text"),
    ),
)
def strategy_evolution_figure(data: pd.DataFrame, meta: Mapping[str, Any]) -> Figure:
    """Draw function of ``strategy_evolution`` (double column, three panels).

    ``meta`` holds ``ranking_arrangement`` and ``ranking_k`` (low, high), and
    optionally ``arrangements``, ``scenario``, ``turns``, ``noise`` and ``trust``.
    """
    fig, axes = style.figure("double", height=2.6, ncols=3, width_ratios=[1.4, 1, 1])
    reciprocity_curves(data, ax=axes[0], arrangements=meta.get("arrangements"))
    low, high = (float(v) for v in meta["ranking_k"])
    arrangement = str(meta["ranking_arrangement"])
    ranking_bars(data, arrangement, low, ax=axes[1])
    ranking_bars(data, arrangement, high, ax=axes[2])
    axes[2].legend(
        handles=[
            Patch(facecolor=style.PALETTE["blue"], edgecolor="black", label="reciprocator"),
            Patch(facecolor="white", edgecolor="black", hatch="////", label="other"),
        ],
        loc="lower right",
    )
    for ax, tag in zip(axes, "abc", strict=True):
        ax.text(-0.02, 1.02, f"({tag})", transform=ax.transAxes, ha="right", va="bottom")
    if "noise" in meta and "turns" in meta:
        axes[0].set_title(
            f"{meta.get('scenario', '')}: {int(meta['turns'])} turns, noise {float(meta['noise']):g}"
        )
    return fig
