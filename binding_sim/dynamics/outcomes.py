r"""Outcomes of a simulation run: per-block statistics and their aggregate (docs/model.md section 8).

The engine reduces every fixed block of replicates (docs/model.md section 11) to
:class:`BlockStats`, the sufficient statistics of one parameter cell: the
histogram of binding rounds, integer counts and float sums. Blocks are
combined in block order (:meth:`BlockStats.combine`), so aggregates are
bit-identical however the work was batched. :func:`summarize` turns the
combined statistics into an :class:`Outcome`:

- share bound by the horizon with its Wilson (1927) score interval
  (:func:`wilson_interval`);
- the binding-time distribution ``bound_by_round[t-1]``, the share bound by
  the end of round ``t`` (not conditioned on success);
- median and quartiles of the binding round over bound replicates, with
  numpy's default (linear) quantile method, computed exactly from the
  histogram;
- means over replicates of final trust, incidents (total and per observer),
  rungs implemented, rounds of mutual defection, idle rounds, share trapped,
  and cumulative absolute and relative-gains payoffs, undiscounted and
  discounted by ``delta^(t-1)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from ..errors import BindingSimError

__all__ = [
    "PAYOFF_KINDS",
    "BlockStats",
    "NonFiniteResultError",
    "Outcome",
    "Trajectories",
    "summarize",
    "wilson_interval",
]

PAYOFF_KINDS = ("absolute", "relative", "absolute_discounted", "relative_discounted")
"""The four cumulative payoffs, in the engine's storage order."""

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


@dataclass(frozen=True)
class Trajectories:
    """Per-round paths of every replicate (only when the engine is asked to record).

    Attributes
    ----------
    trust : ndarray, shape (reps, H + 1, 2)
        Trust of each actor at the end of each round; column 0 is the initial state.
    rung : ndarray of int, shape (reps, H + 1)
        Number of rungs implemented at the end of each round.
    bound : ndarray of bool, shape (reps, H + 1)
        Whether the replicate is bound at the end of each round.
    """

    trust: np.ndarray
    rung: np.ndarray
    bound: np.ndarray

    def trust_quantiles(self, q: tuple[float, ...] = (0.1, 0.5, 0.9)) -> np.ndarray:
        """Quantiles of trust over replicates, shape ``(len(q), H + 1, 2)``."""
        return np.quantile(self.trust, q, axis=0)


@dataclass
class BlockStats:
    """Sufficient statistics of one cell over some replicates (a block or a union of blocks).

    Float sums are combined strictly in block order by :meth:`combine`.
    """

    reps: int
    horizon: int
    bind_hist: np.ndarray  # int64 (H + 1,): replicates bound in round t (index 0 unused)
    n_trapped: int
    sum_incidents: np.ndarray  # int64 (2,): per observer
    sum_rungs: int
    sum_mutual_defection: int
    sum_idle: int
    sum_final_trust: np.ndarray  # float (2,)
    sum_payoffs: np.ndarray  # float (4, 2): PAYOFF_KINDS x actor

    @classmethod
    def from_replicates(
        cls,
        horizon: int,
        bind_round: np.ndarray,
        trapped: np.ndarray,
        incidents: np.ndarray,
        rungs: np.ndarray,
        mutual_defection: np.ndarray,
        idle: np.ndarray,
        final_trust: np.ndarray,
        payoffs: np.ndarray,
    ) -> BlockStats:
        """Reduce per-replicate values of one block of one cell.

        Parameters
        ----------
        bind_round : int array (n,)
            Round in which the replicate bound (1..H), 0 if never.
        trapped : bool array (n,)
        incidents : int array (2, n)
            Incidents perceived by each actor.
        rungs, mutual_defection, idle : int arrays (n,)
        final_trust : float array (2, n)
        payoffs : float array (8, n)
            ``PAYOFF_KINDS`` x actor, flattened kind-major.
        """
        n = int(bind_round.shape[0])
        return cls(
            reps=n,
            horizon=horizon,
            bind_hist=np.bincount(bind_round, minlength=horizon + 1).astype(np.int64),
            n_trapped=int(np.count_nonzero(trapped)),
            sum_incidents=np.array([int(incidents[0].sum()), int(incidents[1].sum())]),
            sum_rungs=int(rungs.sum()),
            sum_mutual_defection=int(mutual_defection.sum()),
            sum_idle=int(idle.sum()),
            sum_final_trust=np.array(
                [float(np.ascontiguousarray(final_trust[i]).sum()) for i in range(2)]
            ),
            sum_payoffs=np.array(
                [float(np.ascontiguousarray(payoffs[q]).sum()) for q in range(8)]
            ).reshape(4, 2),
        )

    def combine(self, later: BlockStats) -> BlockStats:
        """Statistics of ``self`` followed by ``later`` (the next blocks in order)."""
        if later.horizon != self.horizon:
            raise ValueError("cannot combine statistics of different horizons")
        return BlockStats(
            reps=self.reps + later.reps,
            horizon=self.horizon,
            bind_hist=self.bind_hist + later.bind_hist,
            n_trapped=self.n_trapped + later.n_trapped,
            sum_incidents=self.sum_incidents + later.sum_incidents,
            sum_rungs=self.sum_rungs + later.sum_rungs,
            sum_mutual_defection=self.sum_mutual_defection + later.sum_mutual_defection,
            sum_idle=self.sum_idle + later.sum_idle,
            sum_final_trust=self.sum_final_trust + later.sum_final_trust,
            sum_payoffs=self.sum_payoffs + later.sum_payoffs,
        )


def _pair(names: tuple[str, str], values: np.ndarray) -> dict[str, float]:
    return {names[0]: float(values[0]), names[1]: float(values[1])}


@dataclass(frozen=True, eq=False)
class Outcome:
    """Aggregated outcome of one protocol on one parameter cell (docs/model.md section 8).

    Per-actor arrays are in actor order (the first actor of the scenario file first).
    Two outcomes are equal when every aggregate is bit-identical (trajectories
    are not compared).
    """

    protocol: str
    reps: int
    horizon: int
    actor_names: tuple[str, str]
    share_bound: float
    share_bound_ci: tuple[float, float]
    bound_by_round: np.ndarray
    time_to_bind_median: float | None
    time_to_bind_q25: float | None
    time_to_bind_q75: float | None
    mean_final_trust: np.ndarray
    mean_incidents: float
    mean_incidents_by_actor: np.ndarray
    mean_rungs: float
    mean_mutual_defection: float
    mean_idle: float
    share_trapped: float
    mean_payoff_absolute: np.ndarray
    mean_payoff_relative: np.ndarray
    mean_payoff_absolute_discounted: np.ndarray
    mean_payoff_relative_discounted: np.ndarray
    trajectories: Trajectories | None = field(default=None, repr=False, compare=False)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Outcome):
            return NotImplemented
        for f in fields(self):
            if f.name == "trajectories":
                continue
            a, b = getattr(self, f.name), getattr(other, f.name)
            if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                if not np.array_equal(a, b):
                    return False
            elif a != b:
                return False
        return True

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the ``--json`` object for one protocol)."""
        names = self.actor_names
        return {
            "share_bound": self.share_bound,
            "share_bound_ci": [self.share_bound_ci[0], self.share_bound_ci[1]],
            "time_to_bind": {
                "median": self.time_to_bind_median,
                "q25": self.time_to_bind_q25,
                "q75": self.time_to_bind_q75,
            },
            "mean_final_trust": _pair(names, self.mean_final_trust),
            "mean_incidents": self.mean_incidents,
            "mean_incidents_by_actor": _pair(names, self.mean_incidents_by_actor),
            "mean_rungs": self.mean_rungs,
            "mean_mutual_defection": self.mean_mutual_defection,
            "mean_idle": self.mean_idle,
            "share_trapped": self.share_trapped,
            "bound_by_round": [float(x) for x in self.bound_by_round],
            "payoffs": {
                "absolute": _pair(names, self.mean_payoff_absolute),
                "relative": _pair(names, self.mean_payoff_relative),
                "absolute_discounted": _pair(names, self.mean_payoff_absolute_discounted),
                "relative_discounted": _pair(names, self.mean_payoff_relative_discounted),
            },
        }

    def columns(self) -> dict[str, float | None]:
        """Flat dict of every scalar aggregate, for tidy tables (A = first actor, B = second)."""
        out: dict[str, float | None] = {
            "share_bound": self.share_bound,
            "share_bound_lo": self.share_bound_ci[0],
            "share_bound_hi": self.share_bound_ci[1],
            "time_to_bind_median": self.time_to_bind_median,
            "time_to_bind_q25": self.time_to_bind_q25,
            "time_to_bind_q75": self.time_to_bind_q75,
            "mean_final_trust_A": float(self.mean_final_trust[0]),
            "mean_final_trust_B": float(self.mean_final_trust[1]),
            "mean_incidents": self.mean_incidents,
            "mean_incidents_A": float(self.mean_incidents_by_actor[0]),
            "mean_incidents_B": float(self.mean_incidents_by_actor[1]),
            "mean_rungs": self.mean_rungs,
            "mean_mutual_defection": self.mean_mutual_defection,
            "mean_idle": self.mean_idle,
            "share_trapped": self.share_trapped,
        }
        for kind, arr in (
            ("absolute", self.mean_payoff_absolute),
            ("relative", self.mean_payoff_relative),
            ("absolute_discounted", self.mean_payoff_absolute_discounted),
            ("relative_discounted", self.mean_payoff_relative_discounted),
        ):
            out[f"payoff_{kind}_A"] = float(arr[0])
            out[f"payoff_{kind}_B"] = float(arr[1])
        return out


def _binding_quantiles(hist: np.ndarray) -> tuple[float | None, float | None, float | None]:
    """Median and quartiles of the binding round over bound replicates (numpy's default method).

    ``hist[t]`` counts replicates bound in round ``t`` (``hist[0]``, the
    unbound ones, is ignored); the sorted sample is rebuilt exactly from it.
    """
    rounds = np.repeat(np.arange(1, hist.shape[0]), hist[1:])
    if rounds.size == 0:
        return (None, None, None)
    q25, q50, q75 = np.quantile(rounds, [0.25, 0.5, 0.75])
    return (float(q50), float(q25), float(q75))


def summarize(
    stats: BlockStats,
    protocol: str,
    actor_names: tuple[str, str],
    trajectories: Trajectories | None = None,
) -> Outcome:
    """Turn combined :class:`BlockStats` into an :class:`Outcome` (docs/model.md section 8)."""
    n = stats.reps
    hist = stats.bind_hist
    n_bound = int(hist[1:].sum())
    median, q25, q75 = _binding_quantiles(hist)
    pay = stats.sum_payoffs / n
    out = Outcome(
        protocol=protocol,
        reps=n,
        horizon=stats.horizon,
        actor_names=(actor_names[0], actor_names[1]),
        share_bound=n_bound / n,
        share_bound_ci=wilson_interval(n_bound, n),
        bound_by_round=np.cumsum(hist[1:]) / n,
        time_to_bind_median=median,
        time_to_bind_q25=q25,
        time_to_bind_q75=q75,
        mean_final_trust=stats.sum_final_trust / n,
        mean_incidents=int(stats.sum_incidents.sum()) / n,
        mean_incidents_by_actor=stats.sum_incidents / n,
        mean_rungs=stats.sum_rungs / n,
        mean_mutual_defection=stats.sum_mutual_defection / n,
        mean_idle=stats.sum_idle / n,
        share_trapped=stats.n_trapped / n,
        mean_payoff_absolute=pay[0].copy(),
        mean_payoff_relative=pay[1].copy(),
        mean_payoff_absolute_discounted=pay[2].copy(),
        mean_payoff_relative_discounted=pay[3].copy(),
        trajectories=trajectories,
    )
    _check_finite(out)
    return out


class NonFiniteResultError(BindingSimError):
    """An aggregate came out NaN or infinite: the engine raises rather than emit it."""


def _check_finite(out: Outcome) -> None:
    """Raise :class:`NonFiniteResultError` naming every non-finite aggregate of ``out``."""
    bad = [k for k, v in out.columns().items() if v is not None and not math.isfinite(v)]
    if not np.all(np.isfinite(out.bound_by_round)):
        bad.append("bound_by_round")
    if bad:
        raise NonFiniteResultError(
            f"{out.protocol}: non-finite aggregate(s) {', '.join(bad)} over {out.reps} "
            "replicates; check the scenario's payoffs and rates"
        )
