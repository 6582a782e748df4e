r"""Starting small: the stakes of each rung of a piecemeal ladder (docs/model.md section 13.8).

Each rung ``r`` of the ladder (in ladder order) gets a scale ``x_r > 0``. A
scaled rung has payoffs ``x_r (R, S, T, P)`` for both actors, threat term
``x_r theta s_r`` and greed term ``x_r g s_r``; its trust weight and effects
(transparency, caps) are unchanged (:func:`scale_ladder`). Scaling a stage
game scales its acceptance margin (docs/model.md section 3: ``Delta_i`` is
linear in the payoffs at fixed trust), so with myopic decisions at
``beta = inf`` scale never changes what is accepted and the expected joint
payoff is linear in each scale; scale matters through finite decision
precision (a larger margin is taken more surely, section 3.5) and through
forward-looking continuation values (section 13.4).

Objectives (``[ladder_design] objective``, :func:`evaluate`):

- ``"joint_payoff"``: the mean over replicates of both actors' discounted
  relative-gains utilities summed (the engine's ``relative_discounted``
  payoff, section 8; averaged over actor types, section 12.1), with the
  standard error of the replicate values;
- ``"bind_probability"``: the share bound by the horizon ``p``, with
  standard error ``sqrt(p (1 - p) / n)``.

Every evaluation runs the engine (piecemeal protocol) on the same root seed
(common random numbers, docs/model.md section 11), so two scale vectors are
compared on the same draws and the objective is a deterministic function of
the scales. :func:`design_ladder` maximises it with bounded Powell
(``scipy.optimize.minimize``; Powell 1964) over ``log x`` within
``[ladder_design] scale_bounds``, started from each point of a geometric
grid (at most :data:`MAX_STARTS` starts; a larger grid is thinned to evenly
spaced points in lexicographic order), and compares the optimum with
uniform stakes (the best common scale for every rung, and ``x = 1``, the
ladder as written). The optimum is chosen on the draws it is reported on, so
its objective is biased upwards by the selection; the standard error does
not include that bias. The engine decides by the scenario's own rule
(``[decisions] rule``): nothing here assumes myopic actors.

Each rung's margins (both actors' ``Delta_i``, section 3, of the scaled rung)
are reported at the trust on the no-incident path
(:func:`binding_sim.dynamics.engine.no_incident_path`) in the first round in
which the rung is the next one on offer (its predecessors implemented, the
treaty not tabled): the gate tables it only if both are at least ``-1e-9``.

References: Watson (1999, 2002) on starting small; Powell (1964) for the
direction-set method.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..config.scenario import Payoffs, Scenario
from ..config.schema import LADDER_OBJECTIVES
from ..dynamics.engine import no_incident_path, simulate
from ..dynamics.outcomes import Outcome
from ..dynamics.protocols.program import arrangement_slot
from ..errors import BindingSimError
from ..model.margins import TOL, margin_coefficients, margin_value

__all__ = [
    "MAX_STARTS",
    "PROTOCOL",
    "LadderDesignResult",
    "RungMargins",
    "design_ladder",
    "evaluate",
    "rung_margins",
    "scale_ladder",
    "start_points",
]

PROTOCOL = "piecemeal"
"""The protocol whose ladder is designed (docs/model.md section 5)."""

MAX_STARTS = 27
"""Most starting points of the multi-start search (``3`` per rung for three rungs)."""

XTOL = 1e-3
"""Powell's tolerance on ``log x`` (a relative change of 0.1% in a scale)."""

FTOL = 1e-10
"""Powell's relative tolerance on the objective."""

SNAP = 0.05
"""A Powell result within this distance in ``log x`` of a bound is tried at the bound."""


# ------------------------------------------------------------------ scaling
def _ladder(scenario: Scenario) -> tuple[str, ...]:
    if scenario.ladder is None:
        raise BindingSimError(
            f"scenario {scenario.name!r} ({scenario.source or 'no file'}) has no piecemeal "
            "ladder ([protocols.piecemeal] ladder = [...]); design-ladder scales the rungs "
            "of a ladder"
        )
    return scenario.ladder


def _scales(scenario: Scenario, scales: Sequence[float]) -> tuple[float, ...]:
    ladder = _ladder(scenario)
    try:
        xs = tuple(float(x) for x in scales)
    except (TypeError, ValueError):
        raise BindingSimError(
            f"scales = {scales!r}: must be {len(ladder)} numbers, one per rung "
            f"({', '.join(ladder)})"
        ) from None
    if len(xs) != len(ladder):
        raise BindingSimError(
            f"scales = {list(xs)!r}: must be {len(ladder)} numbers, one per rung "
            f"({', '.join(ladder)})"
        )
    if not all(math.isfinite(x) and x > 0 for x in xs):
        raise BindingSimError(f"scales = {list(xs)!r}: every scale must be a finite number > 0")
    return xs


def _scaled(p: Payoffs, x: float) -> Payoffs:
    return Payoffs(x * p.R, x * p.S, x * p.T, x * p.P)


def scale_ladder(scenario: Scenario, scales: Sequence[float]) -> Scenario:
    r"""The scenario with rung ``r`` of its ladder scaled by ``scales[r]`` (docs/model.md section 13.8).

    Both actors' payoffs ``(R, S, T, P)`` of the rung are multiplied by
    ``x_r``, and so is its scope ``s_r``. Scope enters the model only through
    the threat term ``theta s_r`` added to ``R``
    (:func:`binding_sim.model.payoffs.absolute_payoffs`) and a greedy type's
    value ``g s_r`` of exploiting a complier (docs/model.md section 12.1, read
    by the engine from each offer's scope), so scaling the scope scales
    exactly those two terms: the rung as played is ``x_r`` times the
    original stage game, for every type. Trust weight and effects are
    unchanged; the formal treaty and arrangements off the ladder are
    untouched.

    The scaled arrangements are built with :func:`dataclasses.replace`, not
    through the scenario schema, because a scaled scope may exceed 1 (a
    scenario file's bound). The result's ``raw`` is its own
    :meth:`~binding_sim.config.scenario.Scenario.to_dict`, so the scaled
    content is what any later reader sees; ``with_values`` on it validates
    anew and refuses a scope above 1.

    Parameters
    ----------
    scenario : Scenario
        A scenario with a piecemeal ladder.
    scales : sequence of float
        One finite scale ``> 0`` per rung, in ladder order.

    Returns
    -------
    Scenario
        ``x = 1`` for every rung returns a scenario whose simulations are
        identical to the original's.

    Raises
    ------
    BindingSimError
        No ladder, or not one finite positive scale per rung.

    Examples
    --------
    >>> sc = Scenario.load("krickovic2016")
    >>> big = scale_ladder(sc, [2.0, 1.0, 1.0])
    >>> big.arrangements["md_transparency"].payoffs[0], big.arrangements["md_transparency"].scope
    (Payoffs(R=2.0, S=-0.4, T=0.4, P=0.0), 0.4)
    """
    xs = _scales(scenario, scales)
    arrangements = dict(scenario.arrangements)
    for name, x in zip(_ladder(scenario), xs, strict=True):
        arr = arrangements[name]
        arrangements[name] = dataclasses.replace(
            arr,
            scope=x * arr.scope,
            payoffs=(_scaled(arr.payoffs[0], x), _scaled(arr.payoffs[1], x)),
        )
    scaled = dataclasses.replace(scenario, arrangements=arrangements)
    return dataclasses.replace(scaled, raw=scaled.to_dict())


# --------------------------------------------------------------- evaluation
def _objective(scenario: Scenario, objective: str | None) -> str:
    name = scenario.ladder_design.objective if objective is None else objective
    if name not in LADDER_OBJECTIVES:
        raise BindingSimError(
            f"objective = {name!r}: unknown ladder-design objective; choose one of "
            f"{', '.join(LADDER_OBJECTIVES)}"
        )
    return name


def _check_run(reps: Any, seed: Any) -> None:
    if isinstance(reps, bool) or not isinstance(reps, (int, np.integer)) or reps < 2:
        raise BindingSimError(
            f"reps = {reps!r}: must be an integer >= 2 (a standard error needs two replicates)"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise BindingSimError(f"seed = {seed!r}: must be an integer >= 0")


def _measure(out: Outcome, objective: str) -> tuple[float, float, dict[str, Any]]:
    """Objective, standard error and details of one engine outcome with per-replicate values."""
    assert out.replicates is not None
    n = out.reps
    per_rep = out.replicates.payoff("relative_discounted").sum(axis=1)
    joint = float(np.sum(out.mean_payoff_relative_discounted))
    joint_se = float(np.std(per_rep, ddof=1)) / math.sqrt(n)
    p = float(out.share_bound)
    p_se = math.sqrt(max(p * (1.0 - p), 0.0) / n)
    details = {
        "joint_payoff": joint,
        "joint_payoff_se": joint_se,
        "share_bound": p,
        "share_bound_se": p_se,
        "mean_rungs": float(out.mean_rungs),
        "mean_payoff_relative_discounted": {
            name: float(v)
            for name, v in zip(out.actor_names, out.mean_payoff_relative_discounted, strict=True)
        },
    }
    if objective == "joint_payoff":
        return joint, joint_se, details
    return p, p_se, details


def evaluate(
    scenario: Scenario,
    scales: Sequence[float],
    reps: int,
    seed: int,
    *,
    objective: str | None = None,
    workers: int | None = None,
    backend: str = "auto",
) -> tuple[float, float, dict[str, Any]]:
    """The design objective at ``scales``, by the engine on common random numbers (docs/model.md section 13.8).

    Parameters
    ----------
    scenario : Scenario
        A scenario with a piecemeal ladder.
    scales : sequence of float
        One scale per rung (:func:`scale_ladder`).
    reps : int
        Replicates (>= 2).
    seed : int
        Root seed (docs/model.md section 11); the same seed gives the same
        draws for every ``scales``.
    objective : {"joint_payoff", "bind_probability"}, optional
        Default: the scenario's ``ladder_design.objective``.
    workers, backend
        Passed to :func:`binding_sim.dynamics.engine.simulate`; results do not depend on them.

    Returns
    -------
    objective : float
        Mean joint discounted relative-gains utility, or share bound.
    standard_error : float
        Of the replicate values (``std / sqrt(n)``), or ``sqrt(p (1 - p) / n)``.
    details : dict
        ``joint_payoff``, ``joint_payoff_se``, ``share_bound``,
        ``share_bound_se``, ``mean_rungs`` and
        ``mean_payoff_relative_discounted`` (per actor name).
    """
    name = _objective(scenario, objective)
    _check_run(reps, seed)
    out = simulate(
        scale_ladder(scenario, scales),
        PROTOCOL,
        int(reps),
        int(seed),
        replicates=True,
        workers=workers,
        backend=backend,
    )
    return _measure(out, name)


# ------------------------------------------------------------------- margins
@dataclass(frozen=True)
class RungMargins:
    """One rung on the no-incident path (docs/model.md section 13.8).

    Attributes
    ----------
    name : str
        The rung's arrangement.
    scale : float
        Its scale ``x_r``.
    offered_round : int or None
        First round in which it is the next rung on offer (its predecessors
        implemented, the treaty not tabled); None if that never happens
        (the treaty binds first, or an earlier rung is never implemented).
    trust : tuple of float or None
        Both actors' trust at the start of that round.
    margins : tuple of float or None
        Both actors' ``Delta_i`` (docs/model.md section 3) of the scaled rung there.
    accepted : bool or None
        Whether both margins are at least ``-1e-9`` (the gate tables it).
    implemented_round : int or None
        First round at whose end it is implemented.
    """

    name: str
    scale: float
    offered_round: int | None
    trust: tuple[float, float] | None
    margins: tuple[float, float] | None
    accepted: bool | None
    implemented_round: int | None

    def to_dict(self, actor_names: tuple[str, str]) -> dict[str, Any]:
        """JSON-ready; per-actor values keyed by actor name."""

        def per_actor(v: tuple[float, float] | None) -> dict[str, float] | None:
            return None if v is None else dict(zip(actor_names, v, strict=True))

        return {
            "name": self.name,
            "scale": self.scale,
            "offered_round": self.offered_round,
            "trust": per_actor(self.trust),
            "margins": per_actor(self.margins),
            "accepted": self.accepted,
            "implemented_round": self.implemented_round,
        }


def rung_margins(scenario: Scenario, scales: Sequence[float]) -> tuple[RungMargins, ...]:
    """Each scaled rung's margins when first offered on the no-incident path (docs/model.md section 13.8).

    The path is :func:`binding_sim.dynamics.engine.no_incident_path` of the
    scaled scenario under the piecemeal protocol (no incidents, each actor
    complies whenever it may, trustworthy types). The margins are section
    3's myopic ``Delta_i`` of the scaled rung (threat applied, effective
    sensitivity of section 15.2) at the start-of-round trust.
    """
    xs = _scales(scenario, scales)
    sc = scale_ladder(scenario, xs)
    path = no_incident_path(sc, PROTOCOL)
    rung, bound, trust = path.rung[0], path.bound[0], path.trust[0]
    H = rung.shape[0] - 1
    k = sc.effective_relative_gains
    out = []
    for r, (name, x) in enumerate(zip(_ladder(sc), xs, strict=True)):
        slot = arrangement_slot(sc, name)
        offered = next(
            (t for t in range(1, H + 1) if rung[t - 1] == r and not bound[t - 1] and not bound[t]),
            None,
        )
        implemented = next((t for t in range(1, H + 1) if rung[t] > r), None)
        tau: tuple[float, float] | None = None
        margins: tuple[float, float] | None = None
        accepted = None
        if offered is not None:
            tau = (float(trust[offered - 1, 0]), float(trust[offered - 1, 1]))
            d = []
            for i in range(2):
                c2, c1, c0 = margin_coefficients(k[i], slot.payoffs[i], slot.payoffs[1 - i])
                d.append(float(margin_value(c2, c1, c0, tau[i])))
            margins = (d[0], d[1])
            accepted = d[0] >= -TOL and d[1] >= -TOL
        out.append(RungMargins(name, x, offered, tau, margins, accepted, implemented))
    return tuple(out)


# -------------------------------------------------------------------- search
def start_points(
    lower: float, upper: float, per_dim: int, dim: int, max_starts: int = MAX_STARTS
) -> list[tuple[float, ...]]:
    """Starting points of the multi-start search: a geometric grid, thinned deterministically.

    ``per_dim`` points per coordinate at the interior quantiles
    ``(j + 1/2) / per_dim`` of ``[log lower, log upper]`` (one point: the
    geometric mean), their Cartesian product in lexicographic order; if it
    holds more than ``max_starts`` points, ``max_starts`` evenly spaced ones
    (the first and the last included).

    Examples
    --------
    >>> [round(p[0], 4) for p in start_points(0.1, 10.0, 2, 1)]
    [0.3162, 3.1623]
    >>> len(start_points(0.1, 5.0, 3, 4)), len(start_points(0.1, 5.0, 3, 3))
    (27, 27)
    """
    lo, hi = math.log(lower), math.log(upper)
    axis = [math.exp(lo + (j + 0.5) / per_dim * (hi - lo)) for j in range(per_dim)]
    n = per_dim**dim
    if n <= max_starts:
        return list(itertools.product(axis, repeat=dim))
    picks = np.unique(np.round(np.linspace(0, n - 1, max_starts)).astype(np.int64))
    out = []
    for idx in picks:
        digits = []
        rest = int(idx)
        for _ in range(dim):
            rest, d = divmod(rest, per_dim)
            digits.append(d)
        out.append(tuple(axis[d] for d in reversed(digits)))
    return out


class _Objective:
    """The objective as a cached function of the scale vector (same draws for every point)."""

    def __init__(self, run: Callable[[tuple[float, ...]], tuple[float, float, dict[str, Any]]]):
        self.run = run
        self.cache: dict[tuple[float, ...], tuple[float, float, dict[str, Any]]] = {}

    def __call__(self, xs: tuple[float, ...]) -> tuple[float, float, dict[str, Any]]:
        if xs not in self.cache:
            self.cache[xs] = self.run(xs)
        return self.cache[xs]


def _to_scales(u: np.ndarray, lower: float, upper: float) -> tuple[float, ...]:
    lo, hi = math.log(lower), math.log(upper)
    return tuple(
        lower if v <= lo else upper if v >= hi else min(max(math.exp(v), lower), upper)
        for v in (float(w) for w in u)
    )


def _maximise(
    f: Callable[[tuple[float, ...]], float],
    dim: int,
    lower: float,
    upper: float,
    starts: list[tuple[float, ...]],
    max_evaluations: int,
    tick: Callable[[], None],
) -> tuple[tuple[float, ...], float]:
    """Bounded Powell over ``log x`` from every start; the best point (first start wins ties)."""
    from scipy.optimize import Bounds, minimize

    lo, hi = math.log(lower), math.log(upper)
    bounds = Bounds(np.full(dim, lo), np.full(dim, hi))
    best: tuple[tuple[float, ...], float] | None = None
    for x0 in starts:
        res = minimize(
            lambda u: -f(_to_scales(u, lower, upper)),
            np.log(np.asarray(x0, dtype=float)),
            method="Powell",
            bounds=bounds,
            options={"xtol": XTOL, "ftol": FTOL, "maxfev": max_evaluations},
        )
        xs = _to_scales(np.asarray(res.x), lower, upper)
        value = f(xs)
        # a piecewise-linear objective peaks at a bound: try the near bounds exactly
        u = [math.log(x) for x in xs]
        snapped = tuple(
            lower if v - lo < SNAP else upper if hi - v < SNAP else x
            for v, x in zip(u, xs, strict=True)
        )
        if snapped != xs and f(snapped) >= value:
            xs, value = snapped, f(snapped)
        if best is None or value > best[1]:
            best = (xs, value)
        tick()
    assert best is not None
    return best


@dataclass(frozen=True)
class LadderDesignResult:
    """What :func:`design_ladder` found (docs/model.md section 13.8).

    Attributes
    ----------
    scenario : str
    actor_names : tuple of str
    objective : str
        ``"joint_payoff"`` or ``"bind_probability"``.
    reps, seed : int
        Replicates per evaluation and the root seed (the same for every evaluation).
    scale_bounds : tuple of float
    rungs : tuple of str
        The ladder, in order.
    scales : tuple of float
        The optimal scale of each rung.
    value, standard_error : float
        The objective at the optimum and its standard error.
    details : dict
        :func:`evaluate`'s details at the optimum.
    uniform_scale, uniform_value, uniform_standard_error : float
        The best common scale for every rung and the objective there.
    unit_value, unit_standard_error : float
        The objective at ``x = 1`` for every rung (the ladder as written).
    margins : tuple of RungMargins
        Each rung at the optimum, on the no-incident path.
    starts : int
        Starting points of the search over the rung scales.
    evaluations : int
        Distinct scale vectors simulated.
    """

    scenario: str
    actor_names: tuple[str, str]
    objective: str
    reps: int
    seed: int
    scale_bounds: tuple[float, float]
    rungs: tuple[str, ...]
    scales: tuple[float, ...]
    value: float
    standard_error: float
    details: dict[str, Any] = field(repr=False)
    uniform_scale: float
    uniform_value: float
    uniform_standard_error: float
    unit_value: float
    unit_standard_error: float
    margins: tuple[RungMargins, ...] = field(repr=False)
    starts: int
    evaluations: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (the ``--json`` object of ``binding-sim design-ladder``)."""
        return {
            "scenario": self.scenario,
            "objective": self.objective,
            "reps": self.reps,
            "seed": self.seed,
            "scale_bounds": list(self.scale_bounds),
            "optimum": {
                "scales": dict(zip(self.rungs, self.scales, strict=True)),
                "value": self.value,
                "standard_error": self.standard_error,
                "details": self.details,
            },
            "uniform": {
                "scale": self.uniform_scale,
                "value": self.uniform_value,
                "standard_error": self.uniform_standard_error,
            },
            "as_written": {"value": self.unit_value, "standard_error": self.unit_standard_error},
            "margins": [m.to_dict(self.actor_names) for m in self.margins],
            "starts": self.starts,
            "evaluations": self.evaluations,
        }


def _progress(total: int, enabled: bool) -> Any:
    from tqdm import tqdm

    disable = not enabled or not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty())
    return tqdm(
        total=total,
        desc="design-ladder",
        unit="start",
        file=sys.stderr,
        disable=disable,
        dynamic_ncols=True,
    )


def design_ladder(
    scenario: Scenario,
    reps: int,
    seed: int,
    starts_per_rung: int = 3,
    *,
    objective: str | None = None,
    max_starts: int = MAX_STARTS,
    max_evaluations: int | None = None,
    workers: int | None = None,
    backend: str = "auto",
    progress: bool = False,
) -> LadderDesignResult:
    """Choose each rung's scale to maximise the objective (docs/model.md section 13.8).

    Parameters
    ----------
    scenario : Scenario
        A scenario with a piecemeal ladder; ``ladder_design.scale_bounds``
        bound every scale and ``ladder_design.objective`` is the default objective.
    reps : int
        Replicates per evaluation (>= 2).
    seed : int
        Root seed, the same for every evaluation (common random numbers).
    starts_per_rung : int
        Grid points per rung of the multi-start search (:func:`start_points`).
    objective : {"joint_payoff", "bind_probability"}, optional
        Overrides the scenario's.
    max_starts : int
        Most starting points (the grid is thinned beyond it).
    max_evaluations : int, optional
        Powell's ``maxfev`` per start (default ``50`` per dimension).
    workers, backend
        Passed to the engine; results do not depend on them.
    progress : bool
        A progress bar on stderr (only when stderr is a terminal).

    Returns
    -------
    LadderDesignResult
        Deterministic given ``seed`` (and every other argument).

    Raises
    ------
    BindingSimError
        No ladder, an unknown objective, ``reps < 2``, a negative seed or
        ``starts_per_rung < 1``.
    """
    ladder = _ladder(scenario)
    name = _objective(scenario, objective)
    _check_run(reps, seed)
    for label, count in (("starts_per_rung", starts_per_rung), ("max_starts", max_starts)):
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
            raise BindingSimError(f"{label} = {count!r}: must be an integer >= 1")
    lower, upper = scenario.ladder_design.scale_bounds
    L = len(ladder)
    cached = _Objective(
        lambda xs: evaluate(
            scenario, xs, reps, seed, objective=name, workers=workers, backend=backend
        )
    )

    def value(xs: tuple[float, ...]) -> float:
        return cached(xs)[0]

    def uniform(xs: tuple[float, ...]) -> float:
        return cached(xs * L)[0]

    starts = start_points(lower, upper, int(starts_per_rung), L, int(max_starts))
    starts_1 = start_points(lower, upper, int(starts_per_rung), 1, int(max_starts))
    with _progress(len(starts) + len(starts_1), progress) as bar:
        best, _ = _maximise(
            value, L, lower, upper, starts, max_evaluations or 50 * L, lambda: bar.update(1)
        )
        best_u, _ = _maximise(
            uniform, 1, lower, upper, starts_1, max_evaluations or 50, lambda: bar.update(1)
        )
    v, se, details = cached(best)
    uv, use, _ = cached(best_u * L)
    one, one_se, _ = cached((1.0,) * L)
    return LadderDesignResult(
        scenario=scenario.name,
        actor_names=scenario.actor_names,
        objective=name,
        reps=int(reps),
        seed=int(seed),
        scale_bounds=(lower, upper),
        rungs=ladder,
        scales=best,
        value=v,
        standard_error=se,
        details=details,
        uniform_scale=best_u[0],
        uniform_value=uv,
        uniform_standard_error=use,
        unit_value=one,
        unit_standard_error=one_se,
        margins=rung_margins(scenario, best),
        starts=len(starts),
        evaluations=len(cached.cache),
    )
