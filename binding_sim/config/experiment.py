"""Experiment files: a scenario, a design, protocols, replicates and a root seed.

An experiment is one TOML file with an ``[experiment]`` table and an optional
``[design]`` table (see :mod:`binding_sim.config.design` and ``docs/sweeps.md``)::

    [experiment]
    name = "trust_rate_sweep"
    scenario = "krickovic2016"          # preset name, or path relative to this file
    protocols = ["formal", "piecemeal"]
    reps = 2000
    horizon = 200                        # optional: default the scenario's horizon
    seed = 20161                         # optional: drawn, printed and recorded
    set = { "trust.erosion_rate" = 0.3 } # optional fixed scenario overrides

    [design]
    kind = "grid"
    grid = { "trust.building_rate" = { start = 0.01, stop = 0.3, num = 30 } }

Every key is documented in :data:`~binding_sim.config.schema.EXPERIMENT_KEYS`
(type, default, range), like the scenario keys, in :mod:`binding_sim.config.schema`;
the file is read by :mod:`binding_sim.config.loader`. ``name`` must be a plain
file name (it is the default output folder ``sweeps/NAME``). :meth:`Experiment.load`
checks everything, including every cell of the design, before returning;
errors are one-line :class:`~binding_sim.errors.ConfigError` messages
naming the experiment file and the key. The random streams follow docs/model.md
section 11: the root seed is the only seed a sweep needs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import MISSING, ConfigError, did_you_mean
from ..rng import draw_root_seed
from ..serialize import dumps
from .design import (
    Design,
    KeyProblem,
    flatten,
    normalize_value,
    parse_design,
    resolve_key,
)
from .loader import read_toml
from .scenario import Scenario, preset_names
from .schema import EXPERIMENT_KEYS, PROTOCOL_NAMES, SEED_MAX, check_value

__all__ = [
    "EXPERIMENT_KEYS",
    "PROTOCOLS",
    "SEED_MAX",
    "Experiment",
    "apply_fixed",
    "fixed_values",
    "load_scenario_ref",
]

PROTOCOLS = PROTOCOL_NAMES
"""The binding protocols of docs/model.md section 5."""

_EXPERIMENT_TABLE_KEYS = [k.split(".", 1)[1] for k in EXPERIMENT_KEYS] + ["set"]
_SECTIONS = ("experiment", "design")


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: base scenario, design, protocols, replicates and seed.

    Build one with :meth:`load` (a TOML file) or :meth:`from_dict`.

    Attributes
    ----------
    name, description : str
        From the file (``name`` defaults to the file's stem).
    source : str
        The experiment file (for messages).
    scenario_ref : str
        ``experiment.scenario`` as written.
    scenario : Scenario
        The base scenario: loaded, with ``set`` and ``horizon`` applied.
    design : Design
        The cells (each validated).
    protocols : tuple of str
        Protocols run in every cell.
    reps : int
        Replicates per cell and protocol (after ``--reps`` / quick mode).
    seed : int
        Root seed (docs/model.md section 11).
    seed_drawn : bool
        Whether the seed was drawn from the OS (no seed in the file or call).
    fixed : dict
        The ``set`` overrides (dotted key -> value).
    horizon : int or None
        ``experiment.horizon`` if given.
    quick : bool
        Whether quick mode was asked for.
    base_dir : str
        Folder that relative scenario paths are resolved against.
    """

    name: str
    description: str
    source: str
    scenario_ref: str
    scenario: Scenario
    design: Design
    protocols: tuple[str, ...]
    reps: int
    seed: int
    seed_drawn: bool = False
    fixed: Mapping[str, Any] = field(default_factory=dict)
    horizon: int | None = None
    quick: bool = False
    base_dir: str = "."
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    # ----------------------------------------------------------------- loading
    @classmethod
    def load(
        cls,
        path: str | Path,
        reps: int | None = None,
        seed: int | None = None,
        quick: bool = False,
    ) -> Experiment:
        """Load and fully validate an experiment file.

        Parameters
        ----------
        path : str or Path
            The TOML file.
        reps : int, optional
            Overrides ``experiment.reps`` (and quick mode).
        seed : int, optional
            Overrides ``experiment.seed``.
        quick : bool
            Use ``experiment.quick_reps`` replicates (unless ``reps`` is given).

        Raises
        ------
        ConfigError
            On any invalid input, with a one-line message naming the file and key.
        """
        p = Path(path)
        source = str(path)
        raw = read_toml(p, "experiment file")
        return cls.from_dict(
            raw,
            source=source,
            base_dir=p.resolve().parent,
            default_name=p.stem,
            reps=reps,
            seed=seed,
            quick=quick,
        )

    @classmethod
    def from_dict(
        cls,
        raw: Mapping[str, Any],
        source: str = "<experiment>",
        base_dir: str | Path = ".",
        default_name: str = "experiment",
        reps: int | None = None,
        seed: int | None = None,
        quick: bool = False,
    ) -> Experiment:
        """Validate a parsed experiment mapping (see :meth:`load`)."""
        if not isinstance(raw, Mapping):
            raise ConfigError(source, "(file)", raw, "must be a TOML document")
        for key in raw:
            if key not in _SECTIONS:
                raise ConfigError(
                    source,
                    key,
                    raw[key],
                    "unknown section; allowed: [experiment], [design]"
                    + did_you_mean(key, _SECTIONS),
                )
        exp = raw.get("experiment", MISSING)
        if exp is MISSING:
            raise ConfigError(source, "experiment", MISSING, "the [experiment] table is required")
        if not isinstance(exp, dict):
            raise ConfigError(source, "experiment", exp, "must be a table")
        for key in exp:
            if key not in _EXPERIMENT_TABLE_KEYS:
                raise ConfigError(
                    source,
                    f"experiment.{key}",
                    exp[key],
                    "unknown key; allowed here: "
                    + ", ".join(_EXPERIMENT_TABLE_KEYS)
                    + did_you_mean(key, _EXPERIMENT_TABLE_KEYS),
                )
        vals = {
            k.split(".", 1)[1]: _value(source, exp, k.split(".", 1)[1]) for k in EXPERIMENT_KEYS
        }
        for name, given in (("reps", reps), ("seed", seed)):
            if given is not None:
                problem = check_value(EXPERIMENT_KEYS[f"experiment.{name}"], given)
                if problem is not None:
                    raise ConfigError(f"--{name}", name, given, problem)
        scenario_ref = vals["scenario"]
        scenario = load_scenario_ref(scenario_ref, Path(base_dir), source)

        fixed = fixed_values(exp.get("set", {}), scenario, source)
        if vals["horizon"] is not None:
            fixed["scenario.horizon"] = vals["horizon"]
        scenario = apply_fixed(scenario, fixed, source)

        protocols = vals["protocols"]
        if protocols is None:
            protocols = [p for p in PROTOCOLS if p != "piecemeal" or scenario.ladder is not None]
        if not protocols:
            raise ConfigError(
                source, "experiment.protocols", protocols, "give at least one protocol"
            )
        for proto in protocols:
            if proto not in PROTOCOLS:
                raise ConfigError(
                    source,
                    "experiment.protocols",
                    proto,
                    "unknown protocol; choose from "
                    + ", ".join(PROTOCOLS)
                    + did_you_mean(proto, PROTOCOLS),
                )
        if len(set(protocols)) != len(protocols):
            raise ConfigError(
                source, "experiment.protocols", protocols, "each protocol may appear once"
            )
        if "piecemeal" in protocols and scenario.ladder is None:
            raise ConfigError(
                source,
                "experiment.protocols",
                protocols,
                f"scenario {scenario.name!r} has no piecemeal ladder ([protocols.piecemeal])",
            )

        seed_drawn = False
        if seed is None:
            seed = vals["seed"]
        if seed is None:
            seed = draw_root_seed()
            seed_drawn = True
        if reps is None:
            reps = min(vals["reps"], vals["quick_reps"]) if quick else vals["reps"]

        design = parse_design(raw.get("design", {}), scenario, source, int(seed))
        return cls(
            name=vals["name"] if vals["name"] is not None else default_name,
            description=vals["description"],
            source=source,
            scenario_ref=scenario_ref,
            scenario=scenario,
            design=design,
            protocols=tuple(protocols),
            reps=int(reps),
            seed=int(seed),
            seed_drawn=seed_drawn,
            fixed=fixed,
            horizon=vals["horizon"],
            quick=quick,
            base_dir=str(base_dir),
            raw=dict(raw),
        )

    def with_seed(self, seed: int) -> Experiment:
        """The same experiment with another root seed (the design is re-derived)."""
        return Experiment.from_dict(
            self.raw,
            source=self.source,
            base_dir=self.base_dir,
            default_name=self.name,
            reps=self.reps,
            seed=seed,
            quick=self.quick,
        )

    # ----------------------------------------------------------------- records
    @property
    def n_cells(self) -> int:
        """Number of cells of the design."""
        return len(self.design)

    def cell(self, index: int) -> Scenario:
        """The scenario of cell ``index``."""
        return self.design.cell(self.scenario, index)

    def to_dict(self) -> dict[str, Any]:
        """The fully resolved experiment (every default filled in) as plain data."""
        return {
            "experiment": {
                "name": self.name,
                "description": self.description,
                "source": self.source,
                "scenario": self.scenario_ref,
                "protocols": list(self.protocols),
                "reps": self.reps,
                "horizon": self.scenario.horizon,
                "seed": self.seed,
                "seed_drawn": self.seed_drawn,
                "set": dict(self.fixed),
                "quick": self.quick,
            },
            "design": {
                **self.design.spec,
                "params": list(self.design.params),
                "cells": len(self.design),
            },
        }

    def fingerprint(self) -> str:
        """SHA-256 of what determines the results: resolved experiment, scenario and every cell.

        Excludes where the file lives and presentation-only fields (name,
        description, quick flag), so a moved or renamed file still resumes.
        """
        exp = self.to_dict()
        for key in ("name", "description", "source", "quick", "seed_drawn"):
            exp["experiment"].pop(key)
        payload = {
            "experiment": exp,
            "scenario": self.scenario.to_dict(),
            "points": list(self.design.points),
        }
        return hashlib.sha256(dumps(payload, indent=None).encode()).hexdigest()


def fixed_values(table: Any, scenario: Scenario, source: str) -> dict[str, Any]:
    """Check the ``experiment.set`` table against ``scenario``: dotted key -> normalised value.

    Unlike a design, ``set`` may give the keys a design cannot vary
    (``trust.model``, for instance): it applies once, to the base scenario.
    """
    if not isinstance(table, dict):
        raise ConfigError(source, "experiment.set", table, "must be a table of key = value")
    fixed: dict[str, Any] = {}
    for key, value in flatten(table).items():
        try:
            spec, _ = resolve_key(key, scenario, allow_fixed=True)
            fixed[key] = normalize_value(spec, value)
        except KeyProblem as exc:
            raise ConfigError(source, f"experiment.set.{key}", value, str(exc)) from None
    return fixed


def apply_fixed(scenario: Scenario, fixed: Mapping[str, Any], source: str) -> Scenario:
    """``scenario`` with the ``experiment.set`` values (fully validated, cross-key rules too)."""
    if not fixed:
        return scenario
    try:
        return scenario.with_values(fixed)
    except ConfigError as exc:
        raise ConfigError(
            source,
            "experiment.set",
            dict(fixed),
            f"gives {exc.key} = {exc.value!r}: {exc.allowed}",
        ) from None


def _value(source: str, table: Mapping[str, Any], name: str) -> Any:
    spec = EXPERIMENT_KEYS[f"experiment.{name}"]
    if name not in table:
        if spec.required:
            raise ConfigError(
                source, f"experiment.{name}", MISSING, "required key is missing; " + spec.allowed()
            )
        return spec.default
    value = table[name]
    problem = check_value(spec, value)
    if problem is not None:
        raise ConfigError(source, f"experiment.{name}", value, problem)
    return value


def load_scenario_ref(
    ref: str, base_dir: Path, source: str, key: str = "experiment.scenario"
) -> Scenario:
    """Load ``experiment.scenario`` (or the scenario ``key``): a preset name, or a path relative to the file."""
    candidate = Path(ref) if Path(ref).is_absolute() else base_dir / ref
    looks_like_path = ref.endswith(".toml") or "/" in ref or "\\" in ref or candidate.exists()
    if looks_like_path:
        if not candidate.is_file():
            raise ConfigError(source, key, ref, f"scenario file not found: {candidate}")
        return Scenario.load(candidate)
    if ref not in preset_names():
        raise ConfigError(
            source,
            key,
            ref,
            "neither a preset ("
            + ", ".join(preset_names())
            + ") nor a path to a .toml file relative to the experiment file"
            + did_you_mean(ref, preset_names()),
        )
    return Scenario.load(ref)
