"""Sweep cells: a validated base scenario with a design point's values, built cheaply.

A cell of a sweep design (:mod:`binding_sim.config.design`) is the
experiment's base scenario with a few keys changed. Building it with
:meth:`~binding_sim.config.scenario.Scenario.with_values` deep-copies the raw
mapping and validates the whole scenario again, about 0.3 ms a cell: most of
the start-up of a sweep of 10^5 cells, and again in the batch runner.
:class:`CellBuilder` changes only what a point sets:

1. each value is checked against its key's
   :class:`~binding_sim.config.schema.KeySpec` (type and range);
2. the attribute the schema places the key at
   (:func:`~binding_sim.config.schema.target`) is replaced in copies of the
   objects on its way (the scenario, one actor or arrangement, one payoffs
   record), everything else is shared with the base; the raw mapping is
   path-copied the same way (no deep copy);
3. the rules between keys that a changed value can break,
   ``building_rate * trust_weight <= 1`` (docs/model.md section 4), the
   forward-looking rules (section 13.2) and those of power and breakdown
   (section 14), are checked again with
   :func:`~binding_sim.config.scenario.trust_weight_problem`,
   :func:`~binding_sim.config.scenario.forward_problem` and
   :func:`~binding_sim.config.scenario.power_problem`, the functions the
   validator uses.

Everything else about the scenario was validated with the base and cannot
change. Keys whose value takes part in other rules (the ladder, whose names
must be defined rungs; the formal treaty's scope, which must be 1; with
``[partners]``, one actor's formal payoff, which must stay equal to the
other's, docs/model.md section 15.3; a mover, and any arrangement key of a
scenario with a unilateral arrangement, section 15.1), keys the
schema does not place, and a payoff key of the other shape than the raw
table (per-actor against shared) go through ``with_values`` instead. The
result equals ``base.with_values(point)``, ``raw`` included, and the first
broken rule raises the same :class:`~binding_sim.errors.ConfigError` (key,
value, what is allowed); ``tests/test_design.py`` checks both paths against
each other on generated points.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..errors import ConfigError
from .scenario import (
    FORMAL,
    Scenario,
    forward_problem,
    power_problem,
    relative_gains_given,
    trust_weight_problem,
)
from .schema import FIXED_KEYS, TABLES, KeySpec, check_value, spec_for, target

__all__ = ["CellBuilder", "build_cell"]

_TABLE_PATTERNS = frozenset(t.pattern for t in TABLES)
# value rules involving other keys that only the full validator checks
_FULL_CHECK_PATTERNS = frozenset(
    {"protocols.piecemeal.ladder", "ladder_design.scale_bounds", "arrangements.*.mover"}
)
_FULL_CHECK_KEYS = frozenset({"arrangements.formal.scope"})
_WEIGHT_PATTERNS = frozenset({"trust.building_rate", "arrangements.*.trust_weight"})
# with [partners], the formal treaty's payoffs must stay the same for both actors
_PER_ACTOR_PAYOFFS = frozenset(f"arrangements.*.payoffs.*.{p}" for p in "RSTP")


@dataclasses.dataclass(frozen=True)
class _Step:
    """One concrete key of a design key: its spec, raw path and attribute steps."""

    key: str
    spec: KeySpec
    parts: tuple[str, ...]
    steps: tuple[str, ...]


class CellBuilder:
    """Build the cells of one base scenario (see the module docstring).

    Parameters
    ----------
    base : Scenario
        The validated base scenario (an experiment's, with its fixed ``set``).
    """

    def __init__(self, base: Scenario) -> None:
        self.base = base
        self._index = {name: i for i, name in enumerate(base.actor_names)}
        self._plans: dict[str, tuple[_Step, ...] | None] = {}
        # with a unilateral arrangement (docs/model.md section 15.1) its absent cells follow P
        # and caps must stay off a unilateral treaty: arrangement keys are validated in full
        self._unilateral = any(a.unilateral for a in base.arrangements.values())

    # ------------------------------------------------------------------ plans
    def _plan(self, key: str) -> tuple[_Step, ...] | None:
        """The concrete keys of design key ``key``, or ``None`` for a full validation."""
        if key in self._plans:
            return self._plans[key]
        plan: tuple[_Step, ...] | None = None
        parts = key.split(".")
        spec = spec_for(key)
        if (
            spec is not None
            and spec.key not in FIXED_KEYS
            and spec.key not in _FULL_CHECK_PATTERNS
            and key not in _FULL_CHECK_KEYS
            and not (self.base.partners and spec.key in _PER_ACTOR_PAYOFFS and parts[1] == FORMAL)
            and not (parts[0] == "arrangements" and self._unilateral)
        ):
            if parts[:2] == ["actors", "*"]:
                concrete = [".".join(["actors", n, *parts[2:]]) for n in self.base.actor_names]
            else:
                concrete = [key]
            steps: list[_Step] = []
            for c in concrete:
                where = target(c) if "*" not in c else None
                if where is None or not self._shape_matches(c, spec):
                    steps = []
                    break
                steps.append(_Step(c, spec, tuple(c.split(".")), where))
            plan = tuple(steps) or None
        self._plans[key] = plan
        return plan

    def _shape_matches(self, key: str, spec: KeySpec) -> bool:
        """Whether the raw table of ``key`` has the shape its pattern assumes.

        A table with a per-name alternative (``payoffs`` holds ``R, S, T, P``
        or one table per actor) must hold the form the key is written in.
        """
        table = spec.key.rsplit(".", 1)[0]
        parts = key.split(".")[:-1]
        node: Any = self.base.raw
        for part in parts:
            node = node.get(part) if isinstance(node, dict) else None
        if table + ".*" in _TABLE_PATTERNS:  # the shared form: no per-name tables
            return not (isinstance(node, dict) and any(isinstance(v, dict) for v in node.values()))
        if table.endswith(".*") and table[:-2] in _TABLE_PATTERNS:  # the per-name form
            parent: Any = self.base.raw
            for part in parts[:-1]:
                parent = parent.get(part) if isinstance(parent, dict) else None
            return isinstance(parent, dict) and all(isinstance(v, dict) for v in parent.values())
        return True

    # ------------------------------------------------------------------ build
    def build(self, point: Mapping[str, Any]) -> Scenario:
        """The scenario of ``point`` (dotted key -> value), equal to ``base.with_values(point)``.

        Raises
        ------
        ConfigError
            The first value or rule the point breaks, as ``with_values`` does.
        """
        return self._build(point, keep_raw=True)

    def check(self, point: Mapping[str, Any]) -> None:
        """Raise what :meth:`build` raises for ``point``; build nothing that is not needed."""
        self._build(point, keep_raw=False)

    def _build(self, point: Mapping[str, Any], keep_raw: bool) -> Scenario:
        plans = [self._plan(key) for key in point]
        if any(plan is None for plan in plans):
            return self.base.with_values(point)
        sc = self.base
        raw: dict[str, Any] = dict(sc.raw)
        copied: set[int] = set()
        weights = False
        for (key, value), plan in zip(point.items(), plans, strict=True):
            assert plan is not None
            for step in plan:
                problem = check_value(step.spec, value)
                if problem is not None:
                    raise ConfigError(self._origin(key, value), step.key, value, problem)
                given = float(value) if step.spec.kind == "float" else value
                sc = _set_attr(sc, step.steps, given, self._index)
                if keep_raw:
                    _set_raw(raw, step.parts, value, copied)
                weights = weights or step.spec.key in _WEIGHT_PATTERNS
        if weights:
            broken = trust_weight_problem(sc.building_rate, sc.arrangements)
            if broken is not None:
                name, allowed = broken
                wkey = f"arrangements.{name}.trust_weight"
                value = sc.arrangements[name].trust_weight
                origin = next(
                    (
                        self._origin(k, v)
                        for k, v in point.items()
                        if k in (wkey, "trust.building_rate")
                    ),
                    self.base.source,
                )
                raise ConfigError(origin, wkey, value, allowed)
        forward = forward_problem(sc)
        if forward is not None:
            fkey, fvalue, allowed = forward
            origin = next(
                (
                    self._origin(k, v)
                    for k, v in point.items()
                    if k in ("decisions.rule", fkey) or fkey.endswith(k.rsplit(".", 1)[-1])
                ),
                self.base.source,
            )
            raise ConfigError(origin, fkey, fvalue, allowed)
        given = set(relative_gains_given(self.base.raw))
        for k in point:
            parts = k.split(".")
            if parts[0] == "actors" and parts[-1] == "relative_gains":
                given.update(self.base.actor_names if parts[1] == "*" else (parts[1],))
        power_rule = power_problem(sc, tuple(given))
        if power_rule is not None:
            pkey, pvalue, allowed = power_rule
            origin = next(
                (
                    self._origin(k, v)
                    for k, v in point.items()
                    if k.startswith("power.")
                    or k == pkey
                    or k.rsplit(".", 1)[-1] == pkey.rsplit(".", 1)[-1]
                ),
                self.base.source,
            )
            raise ConfigError(origin, pkey, pvalue, allowed)
        return _replace(sc, "raw", raw) if keep_raw else sc

    def _origin(self, key: str, value: Any) -> str:
        origin = f"value {key}={value!r}"
        return f"{origin} ({self.base.source})" if self.base.source else origin


def build_cell(base: Scenario, point: Mapping[str, Any]) -> Scenario:
    """``base`` with the values of ``point``, built by a :class:`CellBuilder` (one-off)."""
    return CellBuilder(base).build(point)


def _replace(obj: Any, attr: str, value: Any) -> Any:
    """A copy of the frozen dataclass ``obj`` with ``attr`` set (no validation, fields shared)."""
    if not hasattr(obj, "__dict__"):  # a slotted dataclass
        return dataclasses.replace(obj, **{attr: value})
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    object.__setattr__(new, attr, value)
    return new


def _set_attr(obj: Any, steps: tuple[str, ...], value: Any, index: Mapping[str, int]) -> Any:
    """``obj`` with the attribute at ``steps`` set to ``value`` (see :func:`schema.target`)."""
    step = steps[0]
    if len(steps) == 1:
        return _replace(obj, step, value)
    attr, bracket, sel = step.partition("[")
    sel = sel[:-1]
    coll = getattr(obj, attr)
    new: Any
    if not bracket:  # a nested settings object (Scenario.decisions)
        new = _set_attr(coll, steps[1:], value, index)
    elif isinstance(coll, Mapping):
        new = dict(coll)
        for name in [sel] if sel else list(coll):
            new[name] = _set_attr(coll[name], steps[1:], value, index)
    else:
        items = list(coll)
        for i in [index[sel]] if sel else range(len(items)):
            items[i] = _set_attr(items[i], steps[1:], value, index)
        new = tuple(items)
    return _replace(obj, attr, new)


def _set_raw(root: dict[str, Any], parts: tuple[str, ...], value: Any, copied: set[int]) -> None:
    """Set ``parts`` in ``root``, copying each table on the way once (``copied``: done)."""
    node = root
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
        elif id(child) not in copied:
            child = dict(child)
        copied.add(id(child))
        node[part] = child
        node = child
    node[parts[-1]] = list(value) if isinstance(value, list) else value
