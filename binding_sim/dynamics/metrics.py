r"""Outcome metrics as a registry (docs/model.md sections 8, 12.4, 13.1 and 14.4).

Each :class:`Metric` declares its name, whether it is per actor, what it
means, and how it is computed from the combined block totals
(:class:`~binding_sim.dynamics.outcomes.BlockStats`, seen through
:class:`Totals`). :class:`~binding_sim.dynamics.outcomes.Outcome` holds one
value per registered metric (as an attribute of that name), and both of its
views derive from :data:`METRICS`, in registry order:

- :meth:`~binding_sim.dynamics.outcomes.Outcome.columns`, the flat row of a
  sweep table: a scalar metric is one column (its ``column`` name); a per-actor
  metric one column per actor, ``{column}_{actor}`` with the scenario's actor
  names (``mean_final_trust_NATO``, ``payoff_relative_discounted_Russia``); a
  metric with ``parts`` one column per part (``share_bound_lo``,
  ``share_bound_hi``); a per-actor metric with parts one column per actor
  and part (``final_power_share_NATO_mean``); a curve (``in_columns=False``)
  none;
- :meth:`~binding_sim.dynamics.outcomes.Outcome.to_dict`, the JSON object:
  each metric at its ``json_path``, per-actor values keyed by actor name,
  parts and curves as lists (a per-actor metric with parts: a table of parts
  per actor name).

A metric whose denominator can be 0 (the conditional shares of actor types:
bound among trustworthy pairs, bound among the rest) is ``None`` then: an
empty cell (NaN) in tables and ``null`` in JSON, like the binding-round
quantiles when nothing bound.

Adding a metric is one registration in :data:`METRICS` when the block totals
already hold what it needs; a metric that needs a new per-replicate count
also needs that count in the kernel and a field of ``BlockStats``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .outcomes import BlockStats

__all__ = ["METRICS", "Metric", "Totals", "columns_of", "json_of", "metric", "wilson_interval"]

_Z95 = 1.959963984540054


def wilson_interval(successes: int, n: int, z: float = _Z95) -> tuple[float, float]:
    r"""Wilson score interval for a binomial proportion (Wilson 1927).

    .. math::

        \frac{\hat p + z^2/2n \pm z\sqrt{\hat p(1-\hat p)/n + z^2/4n^2}}{1 + z^2/n}

    Parameters
    ----------
    successes, n : int
        Number of successes and of trials (``n >= 1``).
    z : float
        Standard normal quantile; the default gives a 95% interval.

    Returns
    -------
    (lo, hi) : tuple of float
        Clipped to [0, 1]; ``lo = 0`` when ``successes = 0`` and ``hi = 1``
        when ``successes = n``.
    """
    if n <= 0:
        raise ValueError(f"n must be >= 1, got {n}")
    p = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    center = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1.0 - p) / n + z2 / (4 * n * n)) / denom
    lo = 0.0 if successes == 0 else max(0.0, center - half)
    hi = 1.0 if successes == n else min(1.0, center + half)
    return (lo, hi)


def _share(count: int, among: int) -> float | None:
    """``count / among``, or ``None`` when ``among`` is 0 (NaN in tables, null in JSON)."""
    return count / among if among > 0 else None


def _round_quartiles(hist: np.ndarray | None) -> tuple[float | None, float | None, float | None]:
    """Median, q25 and q75 (numpy's default method) of the rounds counted by ``hist``.

    ``hist[t]`` counts replicates whose event happened in round ``t`` (index 0,
    those without it, is ignored); the sorted sample is rebuilt exactly from it.
    ``None`` for each when no replicate has the event.
    """
    if hist is None:
        return (None, None, None)
    rounds = np.repeat(np.arange(1, hist.shape[0]), hist[1:])
    if rounds.size == 0:
        return (None, None, None)
    q25, q50, q75 = np.quantile(rounds, [0.25, 0.5, 0.75])
    return (float(q50), float(q25), float(q75))


class Totals:
    """Read-only view of combined :class:`~binding_sim.dynamics.outcomes.BlockStats` for metrics.

    Attributes
    ----------
    stats : BlockStats
    n : int
        Replicates.
    """

    def __init__(self, stats: BlockStats) -> None:
        self.stats = stats
        self.n = stats.reps

    @property
    def n_bound(self) -> int:
        """Replicates bound at the horizon (docs/model.md section 13.1)."""
        return self.stats.n_bound

    @cached_property
    def n_ever_bound(self) -> int:
        """Replicates bound in some round (under absorbing binding: :attr:`n_bound`)."""
        return int(self.stats.bind_hist[1:].sum())

    @cached_property
    def binding_quantiles(self) -> tuple[float | None, float | None, float | None]:
        """Median, q25 and q75 of the first binding round over replicates ever bound (numpy's default method).

        ``bind_hist[t]`` counts replicates first bound in round ``t`` (index 0, the
        unbound ones, is ignored); the sorted sample is rebuilt exactly from it.
        """
        return _round_quartiles(self.stats.bind_hist)

    @cached_property
    def n_war(self) -> int:
        """Replicates at war at the horizon (war is absorbing; docs/model.md section 14.3)."""
        hist = self.stats.war_hist
        return 0 if hist is None else int(hist[1:].sum())

    @cached_property
    def war_quantiles(self) -> tuple[float | None, float | None, float | None]:
        """Median, q25 and q75 of the round war broke out, over replicates at war."""
        return _round_quartiles(self.stats.war_hist)

    @cached_property
    def war_rounds(self) -> int:
        """Rounds at war summed over replicates (a war from round t lasts H - t + 1 rounds)."""
        hist = self.stats.war_hist
        if hist is None:
            return 0
        t = np.arange(hist.shape[0])
        return int((hist[1:] * (self.stats.horizon - t[1:] + 1)).sum())

    @cached_property
    def power_summary(self) -> np.ndarray:
        """``(2, 4)``: mean, q25, median and q75 of each actor's final share of power.

        The first actor's share is ``p``, the second's ``1 - p``; every share is
        ``p_0`` (``1 - p_0``) when power cannot move (no values are kept).
        """
        values = self.stats.final_power
        out = np.empty((2, 4))
        if values is None:
            p0 = self.stats.initial_share
            out[0] = p0
            out[1] = 1.0 - p0
            return out
        for i, shares in enumerate((values, 1.0 - values)):
            q25, q50, q75 = np.quantile(shares, [0.25, 0.5, 0.75])
            mean = self.stats.sum_final_power / self.n
            out[i] = (mean if i == 0 else float(shares.sum()) / self.n, q25, q50, q75)
        return out

    @cached_property
    def mean_payoffs(self) -> np.ndarray:
        """Mean cumulative payoffs, ``(4, 2)``: ``PAYOFF_KINDS`` x actor."""
        return np.asarray(self.stats.sum_payoffs / self.n)


@dataclass(frozen=True)
class Metric:
    """One outcome metric (docs/model.md section 8).

    Attributes
    ----------
    name : str
        Attribute of :class:`~binding_sim.dynamics.outcomes.Outcome`.
    doc : str
        What it is, in one line.
    compute : callable
        ``compute(totals) -> value`` from :class:`Totals`: a float (or
        ``None``), an array of two (per actor), a tuple (``parts``) or an
        array over rounds (a curve).
    per_actor : bool
        One value per actor, in actor order.
    column : str, optional
        Stem of its flat column name(s) (default: ``name``).
    parts : tuple of str
        Names of the components of a tuple value (columns ``{column}_{part}``).
    in_columns : bool
        Whether it appears in :meth:`~binding_sim.dynamics.outcomes.Outcome.columns`.
    json_path : tuple of str, optional
        Where it goes in the JSON object (default: ``(name,)``).

    A metric both ``per_actor`` and with ``parts`` has a value of shape
    ``(2, len(parts))``: columns ``{column}_{actor}_{part}``, JSON
    ``{actor: {part: value}}``.
    """

    name: str
    doc: str
    compute: Callable[[Totals], Any]
    per_actor: bool = False
    column: str | None = None
    parts: tuple[str, ...] = ()
    in_columns: bool = True
    json_path: tuple[str, ...] | None = None

    @property
    def column_stem(self) -> str:
        return self.column or self.name

    @property
    def path(self) -> tuple[str, ...]:
        return self.json_path or (self.name,)

    def column_names(self, actor_names: tuple[str, str]) -> list[str]:
        """Its flat column names for a scenario with these actors."""
        if not self.in_columns:
            return []
        if self.per_actor and self.parts:
            return [f"{self.column_stem}_{a}_{p}" for a in actor_names for p in self.parts]
        if self.per_actor:
            return [f"{self.column_stem}_{a}" for a in actor_names]
        if self.parts:
            return [f"{self.column_stem}_{p}" for p in self.parts]
        return [self.column_stem]


def _payoff(kind: int, label: str) -> Metric:
    return Metric(
        f"mean_payoff_{label}",
        f"mean cumulative {label.replace('_', ', ')} payoff of each actor"
        + (" (relative-gains utility)" if "relative" in label else ""),
        lambda tot: tot.mean_payoffs[kind].copy(),
        per_actor=True,
        column=f"payoff_{label}",
        json_path=("payoffs", label),
    )


def _share_metrics(
    name: str, doc: str, count: Callable[[Any], int], what: str
) -> tuple[Metric, Metric]:
    """A share of replicates (``count / n``) and its Wilson 95% interval (docs/model.md section 8.1)."""
    return (
        Metric(name, doc, lambda tot: count(tot) / tot.n),
        Metric(
            f"{name}_ci",
            f"Wilson 95% interval of the {what}",
            lambda tot: wilson_interval(count(tot), tot.n),
            column=name,
            parts=("lo", "hi"),
        ),
    )


def _quantile_getter(quantiles: Callable[[Any], Any], k: int) -> Callable[[Any], Any]:
    """A metric's value: entry ``k`` of ``quantiles(totals)``."""
    return lambda tot: quantiles(tot)[k]


def _quartile_metrics(
    prefix: str, json_key: str, docs: tuple[str, str, str], quantiles: Callable[[Any], Any]
) -> tuple[Metric, ...]:
    """The median, first and third quartile of a round over some replicates (``quantiles``: in that order)."""
    return tuple(
        Metric(
            f"{prefix}_{part}",
            doc,
            _quantile_getter(quantiles, k),
            json_path=(json_key, part),
        )
        for k, (part, doc) in enumerate(zip(("median", "q25", "q75"), docs, strict=True))
    )


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        *_share_metrics(
            "share_bound", "share bound at the horizon", lambda tot: tot.n_bound, "share bound"
        ),
        *_quartile_metrics(
            "time_to_bind",
            "time_to_bind",
            (
                "median (first) binding round over bound replicates (None if none bound)",
                "first quartile of the binding round over bound replicates",
                "third quartile of the binding round over bound replicates",
            ),
            lambda tot: tot.binding_quantiles,
        ),
        Metric(
            "mean_final_trust",
            "mean trust of each actor at the end of the run",
            lambda tot: tot.stats.sum_final_trust / tot.n,
            per_actor=True,
        ),
        Metric(
            "mean_incidents",
            "mean incidents per replicate, both actors' misperceptions summed",
            lambda tot: int(tot.stats.sum_incidents.sum()) / tot.n,
        ),
        Metric(
            "mean_incidents_by_actor",
            "mean incidents perceived by each actor",
            lambda tot: tot.stats.sum_incidents / tot.n,
            per_actor=True,
            column="mean_incidents",
        ),
        Metric(
            "mean_rungs",
            "mean number of rungs implemented at the end",
            lambda tot: tot.stats.sum_rungs / tot.n,
        ),
        Metric(
            "mean_mutual_defection",
            "mean rounds of mutual defection",
            lambda tot: tot.stats.sum_mutual_defection / tot.n,
        ),
        Metric(
            "mean_idle",
            "mean idle rounds (nothing on the table)",
            lambda tot: tot.stats.sum_idle / tot.n,
        ),
        Metric(
            "share_trapped",
            "share unbound at the end with nothing the protocol could table accepted by both",
            lambda tot: tot.stats.n_trapped / tot.n,
        ),
        Metric(
            "bound_by_round",
            "share bound (for the first time) by the end of each round t = 1..H "
            "(the binding-time distribution)",
            lambda tot: np.cumsum(tot.stats.bind_hist[1:]) / tot.n,
            in_columns=False,
        ),
        _payoff(0, "absolute"),
        _payoff(1, "relative"),
        _payoff(2, "absolute_discounted"),
        _payoff(3, "relative_discounted"),
        Metric(
            "share_both_trustworthy",
            "share of replicates with both actors trustworthy at the end",
            lambda tot: tot.stats.n_both_trustworthy / tot.n,
        ),
        Metric(
            "share_bound_trustworthy_pair",
            "share bound among the replicates with both actors trustworthy "
            "(None if there are none)",
            lambda tot: _share(tot.stats.n_bound_both_trustworthy, tot.stats.n_both_trustworthy),
        ),
        Metric(
            "share_bound_with_greedy",
            "share bound among the replicates with a greedy actor (None if there are none)",
            lambda tot: _share(
                tot.n_bound - tot.stats.n_bound_both_trustworthy,
                tot.n - tot.stats.n_both_trustworthy,
            ),
        ),
        Metric(
            "share_spiral",
            "share of all replicates with both actors trustworthy, unbound and not at war at "
            "the horizon",
            lambda tot: (
                (
                    tot.stats.n_both_trustworthy
                    - tot.stats.n_bound_both_trustworthy
                    - tot.stats.n_war_both_trustworthy
                )
                / tot.n
            ),
        ),
        Metric(
            "mean_exploited_rounds",
            "mean rounds in which each actor complied while the other actually defected",
            lambda tot: tot.stats.sum_exploited / tot.n,
            per_actor=True,
        ),
        Metric(
            "mean_belief_error",
            "mean |trust - 1{other trustworthy}| of each actor at the end",
            lambda tot: tot.stats.sum_belief_error / tot.n,
            per_actor=True,
        ),
        *_share_metrics(
            "share_ever_bound",
            "share bound in some round (revocable binding; absorbing: the share bound)",
            lambda tot: tot.n_ever_bound,
            "share ever bound",
        ),
        Metric(
            "mean_broken_treaties",
            "mean treaties broken per replicate (revocable binding; absorbing: 0)",
            lambda tot: tot.stats.sum_broken / tot.n,
        ),
        *_share_metrics(
            "share_war",
            "share of replicates at war at the horizon (docs/model.md section 14.3)",
            lambda tot: tot.n_war,
            "share at war",
        ),
        *_quartile_metrics(
            "war_round",
            "war_round",
            (
                "median round in which war broke out, over replicates at war (None if none)",
                "first quartile of the round in which war broke out",
                "third quartile of the round in which war broke out",
            ),
            lambda tot: tot.war_quantiles,
        ),
        Metric(
            "war_initiator_share",
            "share of replicates in which each actor started a war (they sum to share_war)",
            lambda tot: (
                np.zeros(2) if tot.stats.sum_initiated is None else tot.stats.sum_initiated / tot.n
            ),
            per_actor=True,
        ),
        Metric(
            "mean_war_rounds",
            "mean rounds at war per replicate (not counted as idle or mutual defection)",
            lambda tot: tot.war_rounds / tot.n,
        ),
        Metric(
            "final_power_share",
            "each actor's share of power at the end (the first actor's p, the second's "
            "1 - p): mean and quartiles over replicates (docs/model.md section 14.1)",
            lambda tot: tot.power_summary,
            per_actor=True,
            parts=("mean", "q25", "median", "q75"),
        ),
    )
}
"""Registered outcome metrics, in the order of tables and JSON."""


def metric(name: str) -> Metric:
    """The registered metric called ``name`` (``KeyError`` if none)."""
    return METRICS[name]


def columns_of(values: Mapping[str, Any], actor_names: tuple[str, str]) -> dict[str, Any]:
    """Flat columns of metric ``values`` (see the module docstring)."""
    out: dict[str, Any] = {}
    for m in METRICS.values():
        if not m.in_columns:
            continue
        v = values[m.name]
        names = m.column_names(actor_names)
        if m.per_actor and m.parts:
            flat = np.asarray(v, dtype=float).reshape(-1)
            out.update({c: float(flat[i]) for i, c in enumerate(names)})
        elif m.per_actor:
            out.update({c: float(v[i]) for i, c in enumerate(names)})
        elif m.parts:
            out.update({c: v[i] for i, c in enumerate(names)})
        else:
            out[names[0]] = v
    return out


def json_of(values: Mapping[str, Any], actor_names: tuple[str, str]) -> dict[str, Any]:
    """JSON-ready nested dict of metric ``values`` (see the module docstring)."""
    out: dict[str, Any] = {}
    for m in METRICS.values():
        v = values[m.name]
        if m.per_actor and m.parts:
            v = {
                a: {p: float(v[i][k]) for k, p in enumerate(m.parts)}
                for i, a in enumerate(actor_names)
            }
        elif m.per_actor:
            v = {a: float(v[i]) for i, a in enumerate(actor_names)}
        elif m.parts:
            v = list(v)
        elif isinstance(v, np.ndarray):
            v = [float(x) for x in v]
        node = out
        for key in m.path[:-1]:
            node = node.setdefault(key, {})
        node[m.path[-1]] = v
    return out
