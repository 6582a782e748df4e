"""Analysis-only experiment files: a scenario and a grid for figures computed without simulation.

Some figures are drawn from the closed forms of :mod:`binding_sim.analysis`
or from exact Markov-chain values of matches, not from the engine: their
experiment files have no protocols, replicates or seed, but may carry keys
of their own (tournament settings, a ``[ranking]`` table)::

    [experiment]
    name = "catch22_map"
    scenario = "krickovic2016"          # preset name, or path relative to this file
    set = { "scenario.common_threat" = 1.0 }   # optional fixed overrides

    [design]
    kind = "grid"                       # the only kind: axes are read, not simulated
    grid = { "actors.*.relative_gains" = { start = 0.0, stop = 3.0, num = 91 } }

They are read by :mod:`binding_sim.config.loader` and validated through the
same schema as every other file (:mod:`binding_sim.config.schema`): the
``[experiment]`` keys ``name``, ``description``, ``scenario`` and ``set`` as
in experiment files (:data:`~binding_sim.config.schema.EXPERIMENT_KEYS`),
the further keys of :data:`~binding_sim.config.schema.ANALYSIS_KEYS` that
the figure declares, grid keys and values as in sweep designs
(:func:`~binding_sim.config.design.resolve_key`,
:func:`~binding_sim.config.design.grid_axis`). Unknown keys, wrong types and
out-of-range values are one-line :class:`~binding_sim.errors.ConfigError`
messages naming the file and the key (exit status 2 on the command line).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import MISSING, ConfigError, did_you_mean
from .design import KeyProblem, flatten, grid_axis, resolve_key
from .experiment import apply_fixed, fixed_values, load_scenario_ref
from .loader import read_toml
from .scenario import Scenario
from .schema import (
    ANALYSIS_COMMON,
    ANALYSIS_KEYS,
    ARRANGEMENT_NAME_KEYS,
    EXPERIMENT_KEYS,
    KeySpec,
    check_value,
    spec_for,
)

__all__ = ["AnalysisFile", "axis_values", "load_analysis_file"]


@dataclass(frozen=True)
class AnalysisFile:
    """A validated analysis-only experiment file.

    Attributes
    ----------
    source : str
        The file (for messages).
    name, description : str
        From the file (``name`` defaults to the file's stem).
    scenario : Scenario
        ``experiment.scenario`` with ``experiment.set`` applied.
    grid : dict
        The ``design.grid`` axes as written (dotted key -> list or
        ``{start, stop, num}``), in file order; every value checked.
    values : dict
        The declared keys of :data:`~binding_sim.config.schema.ANALYSIS_KEYS`
        (dotted key -> value; a key not in the file: its default).
    raw : dict
        The parsed file.
    """

    source: str
    name: str
    description: str
    scenario: Scenario
    grid: Mapping[str, Any]
    values: Mapping[str, Any]
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def axis(self, key: str, quick_num: int | None = None) -> list[Any]:
        """The values of grid axis ``key``; ``quick_num`` caps a range's ``num``."""
        return axis_values(self.grid[key], key, self.source, quick_num)


def axis_values(spec: Any, key: str, source: str, quick_num: int | None = None) -> list[Any]:
    """Values of one grid axis (a list or ``{start, stop, num}``), checked against ``key``'s spec.

    ``quick_num`` caps a range's ``num`` (figures' quick mode).
    """
    key_spec = spec_for(key) if isinstance(key, str) else None
    if key_spec is None:
        raise ConfigError(
            source,
            f"design.grid.{key}",
            spec,
            "unknown scenario key; see docs/reference/config.md",
        )
    if isinstance(spec, dict) and quick_num is not None and isinstance(spec.get("num"), int):
        spec = {**spec, "num": min(spec["num"], quick_num)}
    return grid_axis(key, spec, key_spec, source, "design.grid")


def load_analysis_file(
    path: str | Path,
    keys: Iterable[str] | None = None,
    required: Iterable[str] = (),
) -> AnalysisFile:
    """Read and validate an analysis-only experiment file.

    Parameters
    ----------
    path : str or Path
        The TOML file.
    keys : iterable of str, optional
        The keys of :data:`~binding_sim.config.schema.ANALYSIS_KEYS` this file
        may hold (default: all of them); any other key is an error.
    required : iterable of str
        Those of ``keys`` the file must give.

    Raises
    ------
    ConfigError
        On any invalid input, one line naming the file and the key.
    """
    p = Path(path)
    source = str(path)
    raw = read_toml(p, "experiment file")
    allowed = list(ANALYSIS_KEYS) if keys is None else list(keys)
    for key in allowed:
        if key not in ANALYSIS_KEYS:  # a programming error in the figure script
            raise ValueError(f"{key!r} is not a key of ANALYSIS_KEYS")
    specs: dict[str, KeySpec] = {k: EXPERIMENT_KEYS[k] for k in ANALYSIS_COMMON}
    specs.update({k: ANALYSIS_KEYS[k] for k in allowed})
    must = set(required)

    tables: dict[str, list[str]] = {"experiment": [], "design": ["kind", "grid"]}
    for key in specs:
        head, _, name = key.partition(".")
        tables.setdefault(head, []).append(name)
    tables["experiment"].append("set")
    for head, value in raw.items():
        if head not in tables:
            raise ConfigError(
                source,
                head,
                value,
                "unknown section; allowed: "
                + ", ".join(f"[{t}]" for t in tables)
                + did_you_mean(head, tables),
            )
    values: dict[str, Any] = {}
    for head, names in tables.items():
        table = raw.get(head, MISSING)
        if table is MISSING:
            if head == "experiment":
                raise ConfigError(
                    source, "experiment", MISSING, "the [experiment] table is required"
                )
            table = {}
        if not isinstance(table, dict):
            raise ConfigError(source, head, table, "must be a table")
        for name, value in table.items():
            if name not in names:
                raise ConfigError(
                    source,
                    f"{head}.{name}",
                    value,
                    "unknown key; allowed here: " + ", ".join(names) + did_you_mean(name, names),
                )
        for name in names:
            key = f"{head}.{name}"
            if key not in specs:
                continue
            spec = specs[key]
            if name not in table:
                if spec.required or key in must:
                    raise ConfigError(
                        source, key, MISSING, "required key is missing; " + spec.allowed()
                    )
                values[key] = spec.default
                continue
            problem = check_value(spec, table[name])
            if problem is not None:
                raise ConfigError(source, key, table[name], problem)
            values[key] = table[name]

    head = raw["experiment"]
    scenario = load_scenario_ref(values["experiment.scenario"], p.resolve().parent, source)
    scenario = apply_fixed(scenario, fixed_values(head.get("set", {}), scenario, source), source)
    for key in ARRANGEMENT_NAME_KEYS:
        given = values.get(key)
        for name in [given] if isinstance(given, str) else given or []:
            if name not in scenario.arrangements:
                known = list(scenario.arrangements)
                raise ConfigError(
                    source,
                    key,
                    name,
                    "unknown arrangement; the scenario defines "
                    + ", ".join(known)
                    + did_you_mean(name, known),
                )

    design = raw.get("design", {})
    kind = design.get("kind", "grid")
    if kind != "grid":
        raise ConfigError(
            source, "design.kind", kind, "an analysis-only file has a grid only: must be 'grid'"
        )
    grid_raw = design.get("grid", {})
    if not isinstance(grid_raw, dict):
        raise ConfigError(source, "design.grid", grid_raw, "must be a table of key = values")
    grid = flatten(grid_raw, linspace=True)
    for key, axis in grid.items():
        try:
            spec = resolve_key(key, scenario)[0]
        except KeyProblem as exc:
            raise ConfigError(source, f"design.grid.{key}", axis, str(exc)) from None
        grid_axis(key, axis, spec, source, "design.grid")

    name = values["experiment.name"]
    return AnalysisFile(
        source=source,
        name=name if name is not None else p.stem,
        description=values["experiment.description"],
        scenario=scenario,
        grid=grid,
        values={k: v for k, v in values.items() if k in ANALYSIS_KEYS},
        raw=raw,
    )
