r"""Outcomes of a simulation run: per-block statistics and their aggregate (docs/model.md section 8).

The engine reduces every fixed block of replicates (docs/model.md section 11) to
:class:`BlockStats`, the sufficient statistics of one parameter cell: the
histogram of binding rounds, integer counts and float sums. Blocks are
combined in block order (:meth:`BlockStats.combine`), so aggregates are
bit-identical however the work was batched. :func:`summarize` turns the
combined statistics into an :class:`Outcome`, one value per metric of the
registry :mod:`binding_sim.dynamics.metrics`:

- share bound at the horizon with its Wilson (1927) score interval
  (:func:`wilson_interval`);
- the binding-time distribution ``bound_by_round[t-1]``, the share bound by
  the end of round ``t`` (not conditioned on success; under revocable
  binding, docs/model.md section 13.1, the share that has bound by then);
- median and quartiles of the (first) binding round over bound replicates,
  with numpy's default (linear) quantile method, computed exactly from the
  histogram;
- docs/model.md section 13.1's share ever bound (with its Wilson interval)
  and mean treaties broken, which under absorbing binding are the share
  bound and 0;
- means over replicates of final trust, incidents (total and per observer),
  rungs implemented, rounds of mutual defection, idle rounds, share trapped,
  and cumulative absolute and relative-gains payoffs, undiscounted and
  discounted by ``delta^(t-1)``;
- the outcomes of actor types (docs/model.md section 12.4): the share with
  both actors trustworthy at the end, the share bound among those pairs and
  among the rest, the share in a spiral, exploited rounds and the final
  belief error per actor.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import BindingSimError
from .metrics import METRICS, Totals, columns_of, json_of, wilson_interval

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
    bind_hist: np.ndarray  # int64 (H + 1,): replicates first bound in round t (index 0 unused)
    n_bound: int  # bound at the horizon (docs/model.md section 13.1)
    sum_broken: int  # treaties broken, summed over replicates (section 13.1)
    n_trapped: int
    sum_incidents: np.ndarray  # int64 (2,): per observer
    sum_rungs: int
    sum_mutual_defection: int
    sum_idle: int
    sum_final_trust: np.ndarray  # float (2,)
    sum_payoffs: np.ndarray  # float (4, 2): PAYOFF_KINDS x actor
    n_both_trustworthy: int  # both actors trustworthy at the end (docs/model.md section 12.4)
    n_bound_both_trustworthy: int  # ... and bound at the horizon
    sum_exploited: np.ndarray  # int64 (2,): rounds complied while the other defected
    sum_belief_error: np.ndarray  # float (2,): |tau_i - 1{other trustworthy}| at the end

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
        trustworthy: np.ndarray,
        exploited: np.ndarray,
        *,
        bound_end: np.ndarray | None = None,
        broken: np.ndarray | None = None,
    ) -> BlockStats:
        """Reduce per-replicate values of one block of one cell.

        Parameters
        ----------
        bind_round : int array (n,)
            Round in which the replicate first bound (1..H), 0 if never.
        trapped : bool array (n,)
        incidents : int array (2, n)
            Incidents perceived by each actor.
        rungs, mutual_defection, idle : int arrays (n,)
        final_trust : float array (2, n)
        payoffs : float array (8, n)
            ``PAYOFF_KINDS`` x actor, flattened kind-major.
        trustworthy : bool array (2, n)
            Each actor's type at the end of the run (docs/model.md section 12.1).
        exploited : int array (2, n)
            Rounds in which each actor complied while the other actually defected.
        bound_end : bool array (n,), optional
            Bound at the horizon (docs/model.md section 13.1); default
            ``bind_round != 0``, which is the same under absorbing binding.
        broken : int array (n,), optional
            Treaties broken (revocable binding); default none.
        """
        n = int(bind_round.shape[0])
        trustworthy = np.asarray(trustworthy, dtype=bool)
        both = trustworthy[0] & trustworthy[1]
        bound = np.asarray(bind_round) != 0 if bound_end is None else np.asarray(bound_end, bool)
        # actor i's belief error is about the other's type: |tau_i - 1{j trustworthy}|
        error = [
            float(np.abs(np.ascontiguousarray(final_trust[i]) - trustworthy[1 - i]).sum())
            for i in range(2)
        ]
        return cls(
            reps=n,
            horizon=horizon,
            bind_hist=np.bincount(bind_round, minlength=horizon + 1).astype(np.int64),
            n_bound=int(np.count_nonzero(bound)),
            sum_broken=0 if broken is None else int(np.asarray(broken).sum()),
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
            n_both_trustworthy=int(np.count_nonzero(both)),
            n_bound_both_trustworthy=int(np.count_nonzero(both & bound)),
            sum_exploited=np.array([int(exploited[0].sum()), int(exploited[1].sum())]),
            sum_belief_error=np.array(error),
        )

    def combine(self, later: BlockStats) -> BlockStats:
        """Statistics of ``self`` followed by ``later`` (the next blocks in order)."""
        if later.horizon != self.horizon:
            raise ValueError("cannot combine statistics of different horizons")
        return BlockStats(
            reps=self.reps + later.reps,
            horizon=self.horizon,
            bind_hist=self.bind_hist + later.bind_hist,
            n_bound=self.n_bound + later.n_bound,
            sum_broken=self.sum_broken + later.sum_broken,
            n_trapped=self.n_trapped + later.n_trapped,
            sum_incidents=self.sum_incidents + later.sum_incidents,
            sum_rungs=self.sum_rungs + later.sum_rungs,
            sum_mutual_defection=self.sum_mutual_defection + later.sum_mutual_defection,
            sum_idle=self.sum_idle + later.sum_idle,
            sum_final_trust=self.sum_final_trust + later.sum_final_trust,
            sum_payoffs=self.sum_payoffs + later.sum_payoffs,
            n_both_trustworthy=self.n_both_trustworthy + later.n_both_trustworthy,
            n_bound_both_trustworthy=self.n_bound_both_trustworthy
            + later.n_bound_both_trustworthy,
            sum_exploited=self.sum_exploited + later.sum_exploited,
            sum_belief_error=self.sum_belief_error + later.sum_belief_error,
        )


@dataclass(frozen=True, eq=False)
class Outcome:
    """Aggregated outcome of one protocol on one parameter cell (docs/model.md section 8).

    Every registered metric (:data:`binding_sim.dynamics.metrics.METRICS`) is
    an attribute: ``share_bound``, ``share_bound_ci``, ``time_to_bind_median``
    (``_q25``, ``_q75``), ``mean_final_trust`` (per actor), ``mean_incidents``,
    ``mean_incidents_by_actor``, ``mean_rungs``, ``mean_mutual_defection``,
    ``mean_idle``, ``share_trapped``, ``bound_by_round``, the four
    ``mean_payoff_*`` (per actor), docs/model.md section 12.4's
    ``share_both_trustworthy``, ``share_bound_trustworthy_pair``,
    ``share_bound_with_greedy``, ``share_spiral``, ``mean_exploited_rounds``
    and ``mean_belief_error`` (per actor), and section 13.1's
    ``share_ever_bound``, ``share_ever_bound_ci`` and ``mean_broken_treaties``. Per-actor arrays are in actor order (the
    first actor of the scenario file first); ``actor_names`` names them. Two
    outcomes are equal when every aggregate is bit-identical (trajectories
    are not compared).
    """

    protocol: str
    reps: int
    horizon: int
    actor_names: tuple[str, str]
    values: Mapping[str, Any] = field(repr=False)
    trajectories: Trajectories | None = field(default=None, repr=False, compare=False)

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("values")
        if values is not None and name in values:
            return values[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self.__dict__.get("values", {})})

    def __repr__(self) -> str:
        return (
            f"Outcome(protocol={self.protocol!r}, reps={self.reps}, horizon={self.horizon}, "
            f"actor_names={self.actor_names!r}, share_bound={self.values['share_bound']!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Outcome):
            return NotImplemented
        if (self.protocol, self.reps, self.horizon, self.actor_names) != (
            other.protocol,
            other.reps,
            other.horizon,
            other.actor_names,
        ):
            return False
        if set(self.values) != set(other.values):
            return False
        for name, a in self.values.items():
            b = other.values[name]
            if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                if not np.array_equal(a, b):
                    return False
            elif a != b:
                return False
        return True

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the ``--json`` object for one protocol); per-actor values keyed by name."""
        return json_of(self.values, self.actor_names)

    def columns(self) -> dict[str, float | None]:
        """Flat dict of every scalar aggregate, for tidy tables.

        Per-actor columns are ``{metric}_{actor}`` with the scenario's actor
        names (e.g. ``mean_final_trust_NATO``); see :mod:`binding_sim.dynamics.metrics`.
        """
        return columns_of(self.values, self.actor_names)


def summarize(
    stats: BlockStats,
    protocol: str,
    actor_names: tuple[str, str],
    trajectories: Trajectories | None = None,
) -> Outcome:
    """Turn combined :class:`BlockStats` into an :class:`Outcome` (docs/model.md section 8)."""
    totals = Totals(stats)
    out = Outcome(
        protocol=protocol,
        reps=stats.reps,
        horizon=stats.horizon,
        actor_names=(actor_names[0], actor_names[1]),
        values={name: m.compute(totals) for name, m in METRICS.items()},
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
