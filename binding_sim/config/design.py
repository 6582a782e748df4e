"""Sweep designs: which parameter cells an experiment runs.

A design turns the ``[design]`` table of an experiment file into an ordered
list of *cells*, each a mapping from dotted scenario keys to values that is
applied to the experiment's base scenario with
:meth:`binding_sim.config.scenario.Scenario.with_values`. Three kinds:

``grid``
    Every combination of the values given per key, in the order written (the
    first key varies slowest, as in :func:`itertools.product`). A key's
    values are a list or ``{start, stop, num}`` (``numpy.linspace``,
    endpoints included).
``list``
    Explicit parameter sets (``points``), in the order written; keys may
    differ between points.
``lhs``
    A Latin hypercube of ``samples`` points over ``ranges`` (``[lo, hi]`` per
    key) from :class:`scipy.stats.qmc.LatinHypercube` (McKay, Beckman and
    Conover 1979), seeded from the experiment's root seed through the stream
    ``SeedSequence(seed, spawn_key=LHS_SPAWN_KEY)``, which no replicate block
    uses (blocks use one-element spawn keys, docs/model.md section 11). Integer
    keys are stratified over the integers ``lo..hi``.

Keys are any scenario key of :data:`binding_sim.config.schema.SCENARIO_KEYS` with
names filled in (``actors.NATO.relative_gains``,
``arrangements.buffer_zone.payoffs.R``); ``actors.*.KEY`` sets the key for
both actors together. Every key and value is checked against the schema, and
then every cell is built with ``with_values`` (which also checks the
cross-key constraints such as ``building_rate * trust_weight <= 1``), before
any simulation starts; a problem raises a one-line
:class:`~binding_sim.errors.ConfigError` naming the experiment file and the
key.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import MISSING, ConfigError, did_you_mean
from .cells import CellBuilder
from .scenario import Scenario
from .schema import (
    DESIGN_KEYS,
    DESIGN_KINDS,
    FIXED_KEYS,
    MAX_CELLS,
    SCENARIO_KEYS,
    KeySpec,
    TableSpec,
    check_value,
    spec_for,
    table_of,
)

__all__ = [
    "DESIGN_KINDS",
    "LHS_SPAWN_KEY",
    "MAX_CELLS",
    "Design",
    "column_value",
    "flatten",
    "grid_axis",
    "grid_points",
    "lhs_points",
    "linspace_values",
    "parse_design",
    "resolve_key",
    "scenario_value",
]

LHS_SPAWN_KEY = (2**32 - 1, 0)
"""Spawn key of the Latin-hypercube stream (two elements: never a block's)."""

_LINSPACE_KEYS = frozenset({"start", "stop", "num"})
_KIND_KEYS = DESIGN_KEYS


class KeyProblem(Exception):
    """A dotted key is not a sweepable scenario key (message: what is allowed)."""


# ----------------------------------------------------------------------- keys
def flatten(table: Mapping[str, Any], *, linspace: bool = False, prefix: str = "") -> dict:
    """Flatten nested tables into dotted keys.

    ``{"trust": {"building_rate": [..]}}`` and ``{"trust.building_rate": [..]}``
    (a quoted TOML key) both give ``{"trust.building_rate": [..]}``. With
    ``linspace=True`` a table whose keys are among ``start``, ``stop``,
    ``num`` is a value (a linspace specification), not a nested table.
    """
    out: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        is_leaf = not isinstance(value, dict) or (
            linspace and value and set(value) <= _LINSPACE_KEYS
        )
        if is_leaf or not value:
            out[dotted] = value
        else:
            out.update(flatten(value, linspace=linspace, prefix=dotted))
    return out


def _wildcards(pattern: str) -> list[tuple[int, TableSpec]]:
    """Position and table of each ``*`` of a key pattern (what the name there stands for)."""
    parts = pattern.split(".")
    out = []
    for i, part in enumerate(parts):
        if part == "*":
            table = table_of(".".join(parts[: i + 1]) + ".x")
            assert table is not None, pattern  # every "*" of a key ends a table pattern
            out.append((i, table))
    return out


def _names(scenario: Scenario, table: TableSpec) -> list[str]:
    """The names a ``*`` of ``table`` can take in ``scenario`` (its actors or arrangements)."""
    return list(scenario.actor_names if table.names == "actor" else scenario.arrangements)


def _candidates(scenario: Scenario) -> list[str]:
    """Every concrete sweepable key of ``scenario`` (for "did you mean" hints)."""
    out: list[str] = []
    for pattern in SCENARIO_KEYS:
        choices: list[list[str]] = [[part] for part in pattern.split(".")]
        for i, table in _wildcards(pattern):
            both = ["*"] if i == 1 and table.names == "actor" else []  # actors.*.KEY
            choices[i] = both + _names(scenario, table)
        out.extend(".".join(c) for c in itertools.product(*choices))
    return out


def resolve_key(
    key: str, scenario: Scenario, allow_fixed: bool = False
) -> tuple[KeySpec, list[str]]:
    """Check that ``key`` names a value of ``scenario``; return its spec and concrete keys.

    ``actors.*.KEY`` expands to both actors. Which names a ``*`` stands for,
    which tables a name lacks and which keys cannot be swept are read from
    :mod:`binding_sim.config.schema` (:data:`~binding_sim.config.schema.TABLES`,
    :data:`~binding_sim.config.schema.FIXED_KEYS`). Raises :class:`KeyProblem`
    with what is allowed otherwise. ``allow_fixed`` accepts the fixed keys
    too (an experiment's ``set`` table sets them once for every cell).
    """
    if not isinstance(key, str) or not key or any(not p.strip() for p in key.split(".")):
        raise KeyProblem("must be a dotted scenario key such as trust.building_rate")
    parts = key.split(".")
    spec = spec_for(key)
    if spec is None or key.startswith("arrangements.*") or key.count("*") > 1:
        hint = did_you_mean(key, _candidates(scenario))
        raise KeyProblem("unknown scenario key" + (hint or "; see docs/reference/config.md"))
    if "*" in parts and parts[:2] != ["actors", "*"]:
        raise KeyProblem("'*' is only allowed as actors.*.KEY (both actors)")
    if spec.key in FIXED_KEYS and not allow_fixed:
        raise KeyProblem("this key cannot be swept")
    for i, table in _wildcards(spec.key):
        name = parts[i]
        known = _names(scenario, table)
        if name == "*" or name in known:
            continue
        if table.names == "arrangement":
            raise KeyProblem(
                "unknown arrangement; the scenario defines "
                + ", ".join(known)
                + did_you_mean(name, known)
            )
        if i > 1:
            raise KeyProblem(
                "unknown actor in a per-actor payoff; the scenario's actors are "
                + ", ".join(known)
            )
        raise KeyProblem(
            "unknown actor; the scenario's actors are "
            + ", ".join(known)
            + did_you_mean(name, known)
        )
    holder = table_of(spec.key)
    if holder is not None and holder.not_for:
        owner = parts[_wildcards(holder.pattern)[-1][0]]
        if owner in holder.not_for:
            what = "the formal treaty" if owner == "formal" else owner
            raise KeyProblem(f"{what} has no {holder.pattern.split('.')[-1]}")
    if parts[0] == "arrangements" and parts[2] == "payoffs":
        arr = scenario.arrangements[parts[1]]
        if len(parts) == 4 and not arr.symmetric:
            raise KeyProblem(
                f"{parts[1]} has per-actor payoffs; use arrangements.{parts[1]}.payoffs.ACTOR.{parts[3]}"
            )
        if (
            len(parts) == 5
            and arr.unilateral
            and parts[4] == ("T" if parts[3] == arr.mover else "S")
        ):
            role = "mover" if parts[3] == arr.mover else "responder"
            raise KeyProblem(
                f"{parts[1]} is unilateral: its {role} {parts[3]} has no {parts[4]} "
                "(docs/model.md section 15.1)"
            )
        if len(parts) == 5 and arr.symmetric:
            raise KeyProblem(
                f"{parts[1]} has the same payoffs for both actors; use arrangements.{parts[1]}.payoffs.{parts[4]}"
            )
    if parts[:2] == ["protocols", "piecemeal"] and scenario.ladder is None:
        raise KeyProblem("the scenario has no [protocols.piecemeal] ladder to vary")
    if parts[:2] == ["actors", "*"]:
        concrete = [".".join(["actors", name, *parts[2:]]) for name in scenario.actor_names]
    else:
        concrete = [key]
    return spec, concrete


def normalize_value(spec: KeySpec, value: Any) -> Any:
    """Check ``value`` against ``spec``; return it as the key's type (or raise KeyProblem)."""
    problem = check_value(spec, value)
    if problem is not None:
        raise KeyProblem(problem)
    if spec.kind == "float":
        return float(value)
    if spec.kind == "str_list":
        return list(value)
    return value


def scenario_value(scenario: Scenario, key: str) -> Any:
    """The value of the dotted ``key`` in ``scenario`` (``actors.*``: common value or None)."""
    parts = key.split(".")
    resolved = scenario.to_dict()
    if parts[:2] == ["actors", "*"]:
        vals = [scenario_value(scenario, f"actors.{n}.{parts[2]}") for n in scenario.actor_names]
        return vals[0] if vals[0] == vals[1] else None
    if parts[0] == "protocols" and parts[-1] == "ladder":
        return list(scenario.ladder or ())
    if parts[0] == "protocols":
        return scenario.setback
    node: Any = resolved
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def column_value(value: Any) -> Any:
    """A design value as stored in a results table (lists become JSON text)."""
    if isinstance(value, (list, tuple)):
        return json.dumps(list(value))
    return value


# --------------------------------------------------------------- point makers
def linspace_values(start: float, stop: float, num: int) -> list[float]:
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive (numpy.linspace)."""
    return [float(x) for x in np.linspace(start, stop, num)]


def grid_points(axes: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the axes' values; the first key varies slowest."""
    keys = list(axes)
    return [
        dict(zip(keys, combo, strict=True))
        for combo in itertools.product(*(axes[k] for k in keys))
    ]


def lhs_points(
    ranges: Mapping[str, tuple[float, float]],
    kinds: Mapping[str, str],
    samples: int,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """A Latin hypercube of ``samples`` points over ``ranges`` (scipy.stats.qmc).

    Float keys are scaled linearly to ``[lo, hi]``; integer keys take
    ``lo + floor(u * (hi - lo + 1))`` so each integer gets an equal share of
    the strata.
    """
    from scipy.stats import qmc  # imported here: scipy.stats is slow to import

    keys = list(ranges)
    if not keys:
        return [{} for _ in range(samples)]
    unit = qmc.LatinHypercube(d=len(keys), rng=rng).random(samples)
    out: list[dict[str, Any]] = []
    for row in unit:
        point: dict[str, Any] = {}
        for u, key in zip(row, keys, strict=True):
            lo, hi = ranges[key]
            if kinds[key] == "int":
                point[key] = int(min(int(lo) + math.floor(u * (int(hi) - int(lo) + 1)), hi))
            else:
                point[key] = float(min(lo + u * (hi - lo), hi))
        out.append(point)
    return out


# --------------------------------------------------------------------- design
@dataclass(frozen=True)
class Design:
    """An ordered list of cells (dotted key -> value) over a base scenario.

    Attributes
    ----------
    kind : {"grid", "list", "lhs"}
        The design kind.
    params : tuple of str
        The design keys, in the order written (the results-table columns).
    points : tuple of dict
        One mapping per cell, in cell order (cell index = position).
    spec : dict
        The normalised ``[design]`` table (for the run record and fingerprint).
    """

    kind: str
    params: tuple[str, ...]
    points: tuple[dict[str, Any], ...]
    spec: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.points)

    def cell(self, base: Scenario, index: int) -> Scenario:
        """The scenario of cell ``index`` (``base`` with the cell's values).

        Built by :class:`~binding_sim.config.cells.CellBuilder` from the
        validated base: equal to ``base.with_values(point)``, without
        validating the whole scenario again.
        """
        return CellBuilder(base).build(self.points[index])

    def iter_cells(self, base: Scenario) -> Iterator[Scenario]:
        """Every cell's scenario, in cell order (built lazily, one builder for all)."""
        builder = CellBuilder(base)
        for point in self.points:
            yield builder.build(point)

    def row_values(self, base: Scenario, index: int) -> dict[str, Any]:
        """The design columns of cell ``index`` (a key a point omits: the base value)."""
        point = self.points[index]
        return {
            k: column_value(point[k] if k in point else scenario_value(base, k))
            for k in self.params
        }

    def validate(self, base: Scenario, source: str) -> None:
        """Build every cell (nothing is kept); raise a one-line ConfigError on the first bad one.

        Each cell is built by :class:`~binding_sim.config.cells.CellBuilder`,
        which checks exactly what ``base.with_values(point)`` would (each
        value's range and the rules between keys) at a few microseconds a
        cell, so a design of 10^5 cells is checked in well under a second
        (``benchmarks/bench_sweep.py --validation``).
        """
        where = {"grid": "design.grid", "list": "design.points", "lhs": "design.ranges"}[self.kind]
        builder = CellBuilder(base)
        for i, point in enumerate(self.points):
            try:
                builder.check(point)
            except ConfigError as exc:
                blamed = _blame(point, exc.key)
                key = f"{where}.{blamed}" if blamed else where
                if self.kind == "list":
                    key = f"design.points[{i}].{blamed}" if blamed else f"design.points[{i}]"
                value = point.get(blamed, MISSING) if blamed else dict(point)
                raise ConfigError(
                    source,
                    key,
                    value,
                    f"cell {i} gives {exc.key} = {exc.value!r}: {exc.allowed}",
                ) from None


def _blame(point: Mapping[str, Any], failing_key: str) -> str | None:
    """The design key of ``point`` most related to the failing concrete key."""
    for k in point:
        pattern = k.split(".")
        failing = failing_key.split(".")
        if len(pattern) == len(failing) and all(
            a in ("*", b) for a, b in zip(pattern, failing, strict=True)
        ):
            return k
    for k in point:
        if failing_key.split(".")[0] == k.split(".")[0]:
            return k
    return next(iter(point), None)


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _check_overlap(keys: Sequence[str], scenario: Scenario, source: str, where: str) -> None:
    seen: dict[str, str] = {}
    for key in keys:
        _, concrete = resolve_key(key, scenario)
        for c in concrete:
            if c in seen:
                raise ConfigError(
                    source,
                    f"{where}.{key}",
                    c,
                    f"sets the same scenario key as {where}.{seen[c]}; give each key once",
                )
            seen[c] = key


def grid_axis(key: str, raw: Any, spec: KeySpec, source: str, where: str) -> list[Any]:
    """The values of one grid axis: a list, or ``{start, stop, num}`` (:func:`linspace_values`).

    Every value is checked against ``spec``; a problem is a one-line
    :class:`ConfigError` naming ``WHERE.KEY`` in ``source``.
    """
    full = f"{where}.{key}"
    if isinstance(raw, dict):
        missing = sorted(_LINSPACE_KEYS - set(raw))
        if missing:
            raise ConfigError(
                source,
                full,
                raw,
                f"a range needs start, stop and num (missing {', '.join(missing)})",
            )
        start, stop, num = raw["start"], raw["stop"], raw["num"]
        if not (_is_number(start) and _is_number(stop)):
            raise ConfigError(source, full, raw, "start and stop must be numbers")
        if not isinstance(num, int) or isinstance(num, bool) or num < 1:
            raise ConfigError(source, f"{full}.num", num, "must be an integer >= 1 (empty range)")
        if num > MAX_CELLS:
            raise ConfigError(source, f"{full}.num", num, f"must be <= {MAX_CELLS}")
        if spec.kind not in ("float", "int"):
            raise ConfigError(source, full, raw, f"a range needs a numeric key; {spec.allowed()}")
        values: list[Any] = linspace_values(float(start), float(stop), num)
        if spec.kind == "int":
            if any(v != round(v) for v in values):
                raise ConfigError(
                    source, full, raw, "gives non-integer values for an integer key; use a list"
                )
            values = [round(v) for v in values]
    elif isinstance(raw, list):
        if not raw:
            raise ConfigError(source, full, raw, "empty list: give at least one value")
        values = list(raw)
    else:
        raise ConfigError(
            source, full, raw, "must be a list of values or a range { start, stop, num }"
        )
    out = []
    for v in values:
        try:
            out.append(normalize_value(spec, v))
        except KeyProblem as exc:
            raise ConfigError(source, full, v, str(exc)) from None
    return out


def parse_design(table: Any, scenario: Scenario, source: str, seed: int) -> Design:
    """Parse and check the ``[design]`` table of an experiment (cells are validated too).

    Parameters
    ----------
    table : dict
        The ``[design]`` table (``{}`` when absent: one cell, the base scenario).
    scenario : Scenario
        The base scenario (with the experiment's fixed ``set`` values applied).
    source : str
        The experiment file, for error messages.
    seed : int
        The experiment's root seed (seeds the Latin hypercube).
    """
    if not isinstance(table, dict):
        raise ConfigError(source, "design", table, "must be a table")
    kind = table.get("kind", "grid")
    if kind not in DESIGN_KINDS:
        raise ConfigError(
            source,
            "design.kind",
            kind,
            "must be one of "
            + ", ".join(repr(k) for k in DESIGN_KINDS)
            + did_you_mean(str(kind), DESIGN_KINDS),
        )
    allowed = ["kind", *_KIND_KEYS[kind]]
    for key in table:
        if key not in allowed:
            others = [k for k, v in _KIND_KEYS.items() if key in v]
            why = (
                f"only for kind = {others[0]!r}"
                if others
                else "unknown key; allowed here: "
                + ", ".join(allowed)
                + did_you_mean(key, allowed)
            )
            raise ConfigError(source, f"design.{key}", table[key], why)

    def spec_of(key: str, where: str, value: Any) -> KeySpec:
        try:
            return resolve_key(key, scenario)[0]
        except KeyProblem as exc:
            raise ConfigError(source, f"{where}.{key}", value, str(exc)) from None

    if kind == "grid":
        grid = table.get("grid", {})
        if not isinstance(grid, dict):
            raise ConfigError(source, "design.grid", grid, "must be a table of key = values")
        axes_raw = flatten(grid, linspace=True)
        axes: dict[str, list[Any]] = {}
        size = 1
        for key, raw in axes_raw.items():
            spec = spec_of(key, "design.grid", raw)
            axes[key] = grid_axis(key, raw, spec, source, "design.grid")
            size *= len(axes[key])
            if size > MAX_CELLS:
                raise ConfigError(
                    source, f"design.grid.{key}", raw, f"the grid exceeds {MAX_CELLS} cells"
                )
        _check_overlap(list(axes), scenario, source, "design.grid")
        points = grid_points(axes)
        params = tuple(axes)
        spec_out: dict[str, Any] = {"kind": kind, "grid": axes}
    elif kind == "list":
        raw_points = table.get("points", MISSING)
        if raw_points is MISSING:
            raise ConfigError(source, "design.points", MISSING, "required for kind = 'list'")
        if not isinstance(raw_points, list) or not raw_points:
            raise ConfigError(
                source, "design.points", raw_points, "must be a non-empty list of tables"
            )
        points = []
        params_list: list[str] = []
        for i, raw in enumerate(raw_points):
            where = f"design.points[{i}]"
            if not isinstance(raw, dict):
                raise ConfigError(source, where, raw, "must be a table of key = value")
            point = {}
            flat = flatten(raw)
            for key, value in flat.items():
                spec = spec_of(key, where, value)
                try:
                    point[key] = normalize_value(spec, value)
                except KeyProblem as exc:
                    raise ConfigError(source, f"{where}.{key}", value, str(exc)) from None
                if key not in params_list:
                    params_list.append(key)
            _check_overlap(list(point), scenario, source, where)
            points.append(point)
        params = tuple(params_list)
        spec_out = {"kind": kind, "points": points}
    else:
        samples = table.get("samples", MISSING)
        if samples is MISSING:
            raise ConfigError(source, "design.samples", MISSING, "required for kind = 'lhs'")
        if (
            not isinstance(samples, int)
            or isinstance(samples, bool)
            or not (1 <= samples <= MAX_CELLS)
        ):
            raise ConfigError(
                source, "design.samples", samples, f"must be an integer in [1, {MAX_CELLS}]"
            )
        ranges_raw = table.get("ranges", MISSING)
        if ranges_raw is MISSING:
            raise ConfigError(source, "design.ranges", MISSING, "required for kind = 'lhs'")
        if not isinstance(ranges_raw, dict) or not ranges_raw:
            raise ConfigError(
                source, "design.ranges", ranges_raw, "must be a non-empty table of key = [lo, hi]"
            )
        ranges: dict[str, tuple[Any, Any]] = {}
        kinds: dict[str, str] = {}
        for key, raw in flatten(ranges_raw).items():
            full = f"design.ranges.{key}"
            spec = spec_of(key, "design.ranges", raw)
            if spec.kind not in ("float", "int"):
                raise ConfigError(source, full, raw, "a Latin hypercube needs numeric keys")
            if not (isinstance(raw, list) and len(raw) == 2 and all(_is_number(x) for x in raw)):
                raise ConfigError(source, full, raw, "must be [lo, hi] (two numbers)")
            lo, hi = raw
            if not lo < hi:
                raise ConfigError(source, full, raw, "empty range: need lo < hi")
            for x in (lo, hi):
                if not math.isfinite(x):
                    raise ConfigError(source, full, raw, "range ends must be finite")
                try:
                    normalize_value(spec, x)
                except KeyProblem as exc:
                    raise ConfigError(source, full, x, str(exc)) from None
            ranges[key] = (lo, hi)
            kinds[key] = spec.kind
        _check_overlap(list(ranges), scenario, source, "design.ranges")
        rng = np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(seed, spawn_key=LHS_SPAWN_KEY))
        )
        points = lhs_points(ranges, kinds, samples, rng)
        params = tuple(ranges)
        spec_out = {
            "kind": kind,
            "samples": samples,
            "ranges": {k: list(v) for k, v in ranges.items()},
        }
    design = Design(kind=kind, params=params, points=tuple(points), spec=spec_out)
    design.validate(scenario, source)
    return design
