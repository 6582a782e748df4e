"""Scenario files: loading, validation, overrides and presets (docs/model.md section 10).

A scenario is one TOML file describing the two actors, the arrangements
(the formal treaty ``formal`` and the piecemeal rungs) and the protocols.
:meth:`Scenario.load` accepts a preset name (``krickovic2016``,
``exporting_security2010``) or a path, applies ``--set dotted.key=value``
overrides, and validates everything against :data:`binding_sim.config.schema.SCENARIO_KEYS`
before anything is returned: nothing is half-applied. Every user error is a
:class:`~binding_sim.errors.ConfigError` whose one-line message names the
file (or the override), the dotted key, the value and what is allowed.

Payoff convention (nashpy's): for each actor the absolute payoffs are
``R`` (both comply), ``S`` (it complies, the other defects), ``T`` (it
defects, the other complies) and ``P`` (both defect).
"""

from __future__ import annotations

import copy
import dataclasses
import math
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import MISSING, ConfigError, did_you_mean
from ..model.arrangement import Arrangement, Payoffs
from ..model.threat import effective_sensitivity
from .loader import parse_toml, read_text
from .schema import SCENARIO_KEYS, KeySpec, check_value, sections, table_keys

__all__ = [
    "FORMAL",
    "Actor",
    "Arrangement",
    "Decisions",
    "LadderDesign",
    "Payoffs",
    "Power",
    "Scenario",
    "apply_overrides",
    "forward_problem",
    "parse_override",
    "power_problem",
    "preset_names",
    "preset_path",
    "relative_gains_given",
    "trust_weight_problem",
]

FORMAL = "formal"
"""Name of the comprehensive treaty ``F`` (required in every scenario)."""

_SECTIONS = sections()
_TOL = 1e-12


@dataclass(frozen=True)
class Actor:
    """One actor's parameters (docs/model.md sections 2 to 4 and 12.1-12.2).

    ``trustworthy_prob`` (``p_i``), ``greed`` (``g_i``) and ``empathy``
    (``e_i``) describe its types and how it reads the other's moves; their
    defaults (1, 0, 1) give the model of sections 1-11. ``war_cost``
    (``C_i``, default ``inf``) is its one-time cost of war (section 14.2).
    """

    name: str
    relative_gains: float
    initial_trust: float
    incident_rate: float
    decision_precision: float
    trustworthy_prob: float = 1.0
    greed: float = 0.0
    empathy: float = 1.0
    war_cost: float = math.inf


@dataclass(frozen=True)
class Power:
    """Power that shifts with relative gains, and breakdown (``[power]``, docs/model.md section 14).

    Attributes
    ----------
    conversion_rate : float
        ``eta >= 0``: ``logit p' = logit p + eta (pi_A - pi_B)`` (section 14.1).
    initial_share : float
        ``p_0`` in (0, 1), the first actor's share of power at the start.
    stake : float
        ``G > 0``, the per-round value of what war would redistribute (14.2).
    derive_relative_gains : bool
        Both actors' ``k`` derived each round from the balance of power and
        the cost of war (section 14.2) instead of ``relative_gains``.
    breakdown : bool
        The declining actor may wage war (section 14.3).

    With the defaults (``eta = 0``, both flags false) the model is that of
    sections 1-13, bit for bit.
    """

    conversion_rate: float = 0.0
    initial_share: float = 0.5
    stake: float = 1.0
    derive_relative_gains: bool = False
    breakdown: bool = False

    @property
    def active(self) -> bool:
        """Whether any section-14 feature is on (shifts, derived ``k`` or breakdown)."""
        return self.conversion_rate > 0.0 or self.derive_relative_gains or self.breakdown


@dataclass(frozen=True)
class Decisions:
    """How actors decide (``[decisions]``, docs/model.md sections 3 and 13.2).

    Attributes
    ----------
    rule : {"myopic", "forward"}
        Myopic best response or logit (section 3), or forward-looking
        (each actor solves its dynamic decision problem, section 13.4).
    grid_points : int
        ``n_grid``, grid points per trust axis of the forward solver (13.5).
    tolerance : float
        Sup-norm error of the solved value function, in utility units.
    max_iterations : int
        Value-iteration sweeps before an unconverged solve is an error.
    fixed_point_max : int
        Rounds of the proposal-map loop before a map that has not settled is an error.
    cycles : {"error", "union"}
        A proposal map that cycles (returns to an earlier map): an error, or
        the union of the cycle's maps, solved once more and reported (13.5).
    """

    rule: str = "myopic"
    grid_points: int = 201
    tolerance: float = 1e-10
    max_iterations: int = 100000
    fixed_point_max: int = 50
    cycles: str = "error"


@dataclass(frozen=True)
class LadderDesign:
    """What ``binding-sim design-ladder`` optimises (``[ladder_design]``, docs/model.md section 13.8).

    Attributes
    ----------
    scale_bounds : tuple of float
        ``(lower, upper)`` bounds of each rung's scale ``x_r``.
    objective : {"joint_payoff", "bind_probability"}
        The expected discounted joint relative-gains utility, or the share
        bound by the horizon.
    """

    scale_bounds: tuple[float, float] = (0.1, 5.0)
    objective: str = "joint_payoff"


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: the front door to analysis and simulation.

    Build one with :meth:`load` (preset name or path) or :meth:`from_dict`;
    derive variants with :meth:`with_values`. Attributes mirror the scenario
    file (see ``docs/reference/config.md``).
    """

    name: str
    description: str
    horizon: int
    discount_factor: float
    common_threat: float
    building_rate: float
    erosion_rate: float
    recovery_rate: float
    trust_model: str
    actors: tuple[Actor, Actor]
    arrangements: Mapping[str, Arrangement]
    ladder: tuple[str, ...] | None
    setback: int
    offer: str = "every_round"
    threat_dilution: float = 0.0
    partners: tuple[str, ...] = ()
    binding: str = "absorbing"
    decisions: Decisions = field(default_factory=Decisions)
    ladder_design: LadderDesign = field(default_factory=LadderDesign)
    power: Power = field(default_factory=Power)
    source: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, scenario: str | Path, overrides: Iterable[str] = ()) -> Scenario:
        """Load a preset by name or a TOML file by path, then apply ``--set`` overrides.

        Parameters
        ----------
        scenario : str or Path
            A preset name (see :func:`preset_names`) or a path to a TOML file.
        overrides : iterable of str
            ``dotted.key=value`` strings; values use TOML syntax (bare words
            are taken as strings). ``actors.*.KEY`` sets a key for both actors.

        Raises
        ------
        ConfigError
            On any invalid input, with a one-line message.
        """
        path, source = _resolve(scenario)
        raw = parse_toml(read_text(path), source)
        if "__overrides__" in raw:  # reserved for --set bookkeeping, never a file key
            raise ConfigError(
                source,
                "__overrides__",
                raw["__overrides__"],
                "unknown key; allowed here: " + ", ".join(_SECTIONS),
            )
        raw = apply_overrides(raw, list(overrides), source)
        return cls.from_dict(raw, source=source, default_name=path.stem)

    @classmethod
    def from_dict(
        cls,
        raw: Mapping[str, Any],
        source: str = "<dict>",
        default_name: str = "scenario",
        override_keys: Mapping[str, str] | None = None,
    ) -> Scenario:
        """Validate a raw (parsed TOML) mapping and build a :class:`Scenario`."""
        return _Validator(raw, source, default_name, override_keys or {}).scenario()

    def with_values(self, values: Mapping[str, Any], source: str | None = None) -> Scenario:
        """Return a new scenario with dotted keys set to ``values`` (validated).

        ``actors.*.KEY`` sets the key for both actors.
        """
        raw = copy.deepcopy(dict(self.raw))
        where: dict[str, str] = {}
        for key, value in values.items():
            origin = f"value {key}={value!r}"
            for k in _expand(raw, key, source or self.source, origin):
                _set_dotted(raw, k, value, source or self.source, origin)
                where[k] = origin
        return Scenario.from_dict(
            raw, source=source or self.source, default_name=self.name, override_keys=where
        )

    def with_overrides(self, overrides: Iterable[str]) -> Scenario:
        """Return a new scenario with ``--set`` style overrides applied."""
        raw = apply_overrides(self.raw, list(overrides), self.source)
        return Scenario.from_dict(raw, source=self.source, default_name=self.name)

    def __hash__(self) -> int:
        """Hash of the validated content (``arrangements`` is a dict, so the default cannot)."""
        return hash(
            (
                self.name,
                self.description,
                self.horizon,
                self.discount_factor,
                self.common_threat,
                self.building_rate,
                self.erosion_rate,
                self.recovery_rate,
                self.trust_model,
                self.actors,
                tuple(self.arrangements.items()),
                self.ladder,
                self.setback,
                self.offer,
                self.threat_dilution,
                self.partners,
                self.binding,
                self.decisions,
                self.ladder_design,
                self.power,
                self.source,
            )
        )

    # ---------------------------------------------------------------- accessors
    @property
    def actor_names(self) -> tuple[str, str]:
        return (self.actors[0].name, self.actors[1].name)

    @property
    def formal(self) -> Arrangement:
        """The formal (comprehensive) treaty ``F``."""
        return self.arrangements[FORMAL]

    @property
    def has_ladder(self) -> bool:
        return self.ladder is not None

    @property
    def effective_relative_gains(self) -> tuple[float, float]:
        """Each actor's ``k`` with the realist channel folded in: ``k_i / (1 + rho theta)``.

        :func:`binding_sim.model.threat.effective_sensitivity` at this
        scenario's ``threat_dilution`` and ``common_threat`` (docs/model.md
        section 15.2); equal to ``relative_gains`` when ``rho = 0``. The
        analysis and the engine use it wherever section 3 has ``k``.
        """
        a, b = self.actors
        rho, theta = self.threat_dilution, self.common_threat
        return (
            float(effective_sensitivity(a.relative_gains, rho, theta)),
            float(effective_sensitivity(b.relative_gains, rho, theta)),
        )

    def mover_index(self, name: str) -> int:
        """The index of arrangement ``name``'s mover (docs/model.md section 15.1); -1 if bilateral."""
        mover = self.arrangements[name].mover
        return self.actor_names.index(mover) if mover else -1

    def cap_factor_of_ladder(self) -> float:
        """Product of the cap factors of every rung on the ladder (1 without a ladder)."""
        c = 1.0
        for name in self.ladder or ():
            c *= self.arrangements[name].cap_factor
        return c

    def to_dict(self) -> dict[str, Any]:
        """The fully resolved scenario (every default filled in) as plain data."""
        a, b = self.actors
        out: dict[str, Any] = {
            "scenario": {
                "name": self.name,
                "description": self.description,
                "horizon": self.horizon,
                "discount_factor": self.discount_factor,
                "common_threat": self.common_threat,
                "threat_dilution": self.threat_dilution,
            },
            "trust": {
                "building_rate": self.building_rate,
                "erosion_rate": self.erosion_rate,
                "recovery_rate": self.recovery_rate,
                "model": self.trust_model,
            },
            "actors": {
                act.name: {
                    "relative_gains": act.relative_gains,
                    "initial_trust": act.initial_trust,
                    "incident_rate": act.incident_rate,
                    "decision_precision": act.decision_precision,
                    "trustworthy_prob": act.trustworthy_prob,
                    "greed": act.greed,
                    "empathy": act.empathy,
                    "war_cost": act.war_cost,
                }
                for act in (a, b)
            },
            "arrangements": {},
        }
        for name, arr in self.arrangements.items():
            entry: dict[str, Any] = {"scope": arr.scope, "trust_weight": arr.trust_weight}
            if arr.unilateral:  # the cells that do not exist are left out (section 15.1)
                entry["mover"] = arr.mover
                entry["payoffs"] = {
                    act.name: {
                        c: v
                        for c, v in zip("RSTP", p.as_tuple(), strict=True)
                        if c != ("T" if act.name == arr.mover else "S")
                    }
                    for act, p in zip((a, b), arr.payoffs, strict=True)
                }
            elif arr.symmetric:
                entry["payoffs"] = dict(zip("RSTP", arr.payoffs[0].as_tuple(), strict=True))
            else:
                entry["payoffs"] = {
                    act.name: dict(zip("RSTP", p.as_tuple(), strict=True))
                    for act, p in zip((a, b), arr.payoffs, strict=True)
                }
            if name != FORMAL:
                entry["effects"] = {
                    "transparency_gain": arr.transparency_gain,
                    "cap_factor": arr.cap_factor,
                }
            out["arrangements"][name] = entry
        out["protocols"] = {"binding": self.binding, "formal": {"offer": self.offer}}
        if self.ladder is not None:
            out["protocols"]["piecemeal"] = {"ladder": list(self.ladder), "setback": self.setback}
        out["decisions"] = dataclasses.asdict(self.decisions)
        out["power"] = dataclasses.asdict(self.power)
        out["ladder_design"] = {
            "scale_bounds": list(self.ladder_design.scale_bounds),
            "objective": self.ladder_design.objective,
        }
        out["partners"] = {"names": list(self.partners)}
        return out

    def analyze(self) -> dict[str, Any]:
        """Full stage-game and repeated-game analysis (see :func:`binding_sim.analysis.analyze`)."""
        from ..analysis import analyze

        return analyze(self)


# --------------------------------------------------------------------- presets
def preset_names() -> list[str]:
    """Names of the scenario presets shipped inside the package."""
    folder = resources.files("binding_sim.config") / "presets"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def preset_path(name: str) -> Path:
    """Path of the preset ``name`` (raises :class:`ConfigError` if unknown)."""
    if name not in preset_names():
        raise ConfigError(
            "",
            "scenario",
            name,
            "unknown preset; choose one of "
            + ", ".join(preset_names())
            + did_you_mean(name, preset_names()),
        )
    return Path(str(resources.files("binding_sim.config") / "presets" / f"{name}.toml"))


def _resolve(scenario: str | Path) -> tuple[Path, str]:
    text = str(scenario)
    path = Path(text)
    if isinstance(scenario, Path) or path.suffix == ".toml" or "/" in text or path.exists():
        return path, text
    if text in preset_names():
        return preset_path(text), text
    raise ConfigError(
        "",
        "scenario",
        text,
        "neither a preset ("
        + ", ".join(preset_names())
        + ") nor a path to a .toml file"
        + did_you_mean(text, preset_names()),
    )


# ------------------------------------------------------------------- overrides
def _override_error(text: str, key: str, value: object, allowed: str) -> ConfigError:
    return ConfigError(f"--set {text}", key, value, allowed)


_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
"""Characters ``str.splitlines`` breaks on: an override is one line."""


def parse_override(text: str) -> tuple[str, Any]:
    """Split one ``dotted.key=value``; the value is parsed as TOML (bare words are strings).

    Exactly one override per ``--set``: the text holds no line break (a TOML
    value after a newline would be dropped silently), the key (before the
    first ``=``) is a non-empty dotted name with no empty part, the value is
    non-empty, and an unquoted value holds no further ``=`` (``a==b`` and
    ``a=b=c`` are typos; quote a string that contains ``=``). Anything else is
    a one-line :class:`~binding_sim.errors.ConfigError` naming the option text.
    """
    if any(ch in _BREAKS for ch in text):
        raise _override_error(
            text, "(override)", text, "one key=value on one line (the text holds a line break)"
        )
    if "=" not in text:
        raise _override_error(text, "(override)", text, "expected dotted.key=value")
    key, _, value_text = text.partition("=")
    key = key.strip()
    value_text = value_text.strip()
    if not key or any(not part.strip() for part in key.split(".")):
        raise _override_error(text, key or "(empty)", value_text, "expected dotted.key=value")
    if value_text == "":
        raise _override_error(text, key, value_text, "a value is required after '='")
    try:
        value = tomllib.loads(f"v = {value_text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        if "=" in value_text:
            raise _override_error(
                text,
                key,
                value_text,
                "exactly one '=' between key and value (quote a string value that holds '=')",
            ) from None
        value = value_text
    return key, value


def apply_overrides(
    raw: Mapping[str, Any], overrides: Sequence[str], source: str
) -> dict[str, Any]:
    """Return a copy of ``raw`` with ``--set`` overrides applied (validated afterwards).

    Overrides are recorded under ``raw["__overrides__"]`` so that validation
    errors name the override rather than the file.
    """
    out = copy.deepcopy(dict(raw))
    where: dict[str, str] = dict(out.pop("__overrides__", {}))
    for text in overrides:
        key, value = parse_override(text)
        origin = f"--set {text}"
        for k in _expand(out, key, source, origin):
            _set_dotted(out, k, value, source, origin)
            where[k] = origin
    if where:
        out["__overrides__"] = where
    return out


def _expand(raw: Mapping[str, Any], key: str, source: str, origin: str) -> list[str]:
    parts = key.split(".")
    actors = raw.get("actors")
    if (
        parts[0] == "actors"
        and len(parts) > 2
        and parts[1] != "*"
        and isinstance(actors, dict)
        and len(actors) >= 2
        and parts[1] not in actors
    ):
        # exactly two actors exist already: a new name is a typo, not a third actor
        raise ConfigError(
            f"{origin} ({source})" if source else origin,
            f"actors.{parts[1]}",
            parts[1],
            "unknown actor; defined: " + ", ".join(actors) + did_you_mean(parts[1], actors),
        )
    if "*" not in parts:
        return [key]
    if parts[0] != "actors" or parts.index("*") != 1 or parts.count("*") != 1:
        raise ConfigError(origin, key, origin, "'*' is only allowed as actors.*.KEY (both actors)")
    actors = raw.get("actors")
    if not isinstance(actors, dict) or not actors:
        raise ConfigError(source, "actors", actors, "no actors to apply actors.*.KEY to")
    for name in actors:
        if "." in str(name):
            raise ConfigError(
                source,
                f"actors.{name}",
                name,
                "actor names may not contain '.': keys name an actor as actors.NAME.KEY",
            )
    return [".".join(["actors", name, *parts[2:]]) for name in actors]


def _set_dotted(raw: dict[str, Any], key: str, value: Any, source: str, origin: str) -> None:
    parts = key.split(".")
    node: Any = raw
    for i, part in enumerate(parts[:-1]):
        nxt = node.get(part)
        if nxt is None:
            nxt = node[part] = {}
        elif not isinstance(nxt, dict):
            raise ConfigError(
                origin,
                ".".join(parts[: i + 1]),
                nxt,
                "is not a table; cannot set a key inside it",
            )
        node = nxt
    node[parts[-1]] = copy.deepcopy(value)


# ------------------------------------------------------------------ validation
class _Validator:
    """Validate a raw scenario mapping in one pass; the first problem raises."""

    def __init__(
        self,
        raw: Mapping[str, Any],
        source: str,
        default_name: str,
        override_keys: Mapping[str, str],
    ) -> None:
        self.raw = dict(raw)
        self.overrides = dict(self.raw.pop("__overrides__", {}))
        self.overrides.update(override_keys)
        self.source = source
        self.default_name = default_name

    # error helpers ---------------------------------------------------------
    def src(self, key: str) -> str:
        for k, text in self.overrides.items():
            if k == key or k.startswith(key + ".") or key.startswith(k + "."):
                return f"{text} ({self.source})" if self.source else text
        return self.source

    def fail(self, key: str, value: Any, allowed: str) -> ConfigError:
        return ConfigError(self.src(key), key, value, allowed)

    def table(self, key: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, value, "must be a table")
        return value

    def unknown(self, prefix: str, table: Mapping[str, Any], allowed: Iterable[str]) -> None:
        allowed = list(allowed)
        for k in table:
            if k not in allowed:
                key = f"{prefix}.{k}" if prefix else k
                raise self.fail(
                    key,
                    table[k],
                    "unknown key; allowed here: " + ", ".join(allowed) + did_you_mean(k, allowed),
                )

    def value(self, key: str, pattern: str, table: Mapping[str, Any], name: str) -> Any:
        spec: KeySpec = SCENARIO_KEYS[pattern]
        if name not in table:
            if spec.required:
                raise self.fail(key, MISSING, "required key is missing; " + spec.allowed())
            return spec.default
        v = table[name]
        problem = check_value(spec, v)
        if problem is not None:
            raise self.fail(key, v, problem)
        if spec.kind == "float":
            return float(v)
        return v

    def section(self, name: str, patterns: str) -> dict[str, Any]:
        tbl = self.table(name, self.raw.get(name, {}))
        keys = [k.split(".")[-1] for k in SCENARIO_KEYS if k.startswith(patterns)]
        self.unknown(name, tbl, keys)
        return {k: self.value(f"{name}.{k}", f"{patterns}{k}", tbl, k) for k in keys}

    # the scenario ---------------------------------------------------------
    def scenario(self) -> Scenario:
        self.unknown("", self.raw, _SECTIONS)
        sc = self.section("scenario", "scenario.")
        tr = self.section("trust", "trust.")
        actors = self.actors()
        arrangements = self.arrangements(actors)
        ladder, setback, offer, binding = self.protocols(arrangements)
        partners = self.partners(actors, arrangements)
        dec = self.section("decisions", "decisions.")
        decisions = Decisions(
            rule=dec["rule"],
            grid_points=int(dec["grid_points"]),
            tolerance=dec["tolerance"],
            max_iterations=int(dec["max_iterations"]),
            fixed_point_max=int(dec["fixed_point_max"]),
            cycles=dec["cycles"],
        )
        pw = self.section("power", "power.")
        power = Power(**pw)
        ld = self.section("ladder_design", "ladder_design.")
        bounds = ld["scale_bounds"]
        if len(bounds) != 2 or not float(bounds[0]) < float(bounds[1]):
            raise self.fail(
                "ladder_design.scale_bounds",
                bounds,
                "must be two numbers [lower, upper] with lower < upper",
            )
        ladder_design = LadderDesign(
            scale_bounds=(float(bounds[0]), float(bounds[1])), objective=ld["objective"]
        )
        lam = tr["building_rate"]
        problem = trust_weight_problem(lam, arrangements)
        if problem is not None:
            name, allowed = problem
            wkey = f"arrangements.{name}.trust_weight"
            where = self.src(wkey)
            if where == self.source:  # the weight is from the file: blame an override of lambda
                where = self.src("trust.building_rate")
            raise ConfigError(where, wkey, arrangements[name].trust_weight, allowed)
        raw = dict(self.raw)
        scenario = Scenario(
            name=sc["name"] if sc["name"] is not None else self.default_name,
            description=sc["description"],
            horizon=int(sc["horizon"]),
            discount_factor=sc["discount_factor"],
            common_threat=sc["common_threat"],
            building_rate=lam,
            erosion_rate=tr["erosion_rate"],
            recovery_rate=tr["recovery_rate"],
            trust_model=tr["model"],
            actors=actors,
            arrangements=arrangements,
            ladder=ladder,
            setback=int(setback),
            offer=offer,
            threat_dilution=sc["threat_dilution"],
            partners=partners,
            binding=binding,
            decisions=decisions,
            ladder_design=ladder_design,
            power=power,
            source=self.source,
            raw=raw,
        )
        forward = forward_problem(scenario)
        if forward is not None:
            key, value, allowed = forward
            where = self.src(key)
            if key.endswith(".mover") and where == self.source:  # blame an override of the rule
                where = self.src("decisions.rule")
            raise ConfigError(where, key, value, allowed)
        power_rule = power_problem(scenario, relative_gains_given(self.raw))
        if power_rule is not None:
            key, value, allowed = power_rule
            raise self.fail(key, value, allowed)
        return scenario

    def actors(self) -> tuple[Actor, Actor]:
        tbl = self.table("actors", self.raw.get("actors", {}))
        if len(tbl) != 2:
            raise self.fail(
                "actors",
                list(tbl),
                f"exactly two actors are required ([actors.NAME] tables), got {len(tbl)}",
            )
        keys = [k.split(".")[-1] for k in SCENARIO_KEYS if k.startswith("actors.*.")]
        out = []
        for name, body in tbl.items():
            if not name.strip():
                raise self.fail("actors", name, "actor names must be non-empty")
            if "." in name:
                raise self.fail(
                    f"actors.{name}",
                    name,
                    "actor names may not contain '.': keys name an actor as actors.NAME.KEY",
                )
            body = self.table(f"actors.{name}", body)
            self.unknown(f"actors.{name}", body, keys)
            vals = {k: self.value(f"actors.{name}.{k}", f"actors.*.{k}", body, k) for k in keys}
            out.append(Actor(name=name, **vals))
        return (out[0], out[1])

    def payoffs(self, prefix: str, tbl: Mapping[str, Any], pattern: str) -> Payoffs:
        self.unknown(prefix, tbl, "RSTP")
        vals = [float(self.value(f"{prefix}.{p}", f"{pattern}.{p}", tbl, p)) for p in "RSTP"]
        for p, v in zip("RSTP", vals, strict=True):
            if not math.isfinite(v):
                raise self.fail(f"{prefix}.{p}", v, "payoffs must be finite numbers")
        return Payoffs(*vals)

    def arrangements(self, actors: tuple[Actor, Actor]) -> dict[str, Arrangement]:
        tbl = self.table("arrangements", self.raw.get("arrangements", {}))
        if FORMAL not in tbl:
            raise self.fail(
                f"arrangements.{FORMAL}",
                MISSING,
                "the formal treaty [arrangements.formal] is required" + did_you_mean(FORMAL, tbl),
            )
        names = [FORMAL] + [n for n in tbl if n != FORMAL]
        out: dict[str, Arrangement] = {}
        actor_names = [a.name for a in actors]
        for name in names:
            pre = f"arrangements.{name}"
            body = self.table(pre, tbl[name])
            self.unknown(pre, body, table_keys("arrangements.*", name))
            scope = self.value(f"{pre}.scope", "arrangements.*.scope", body, "scope")
            if name == FORMAL and scope != 1.0:
                raise self.fail(
                    f"{pre}.scope",
                    scope,
                    "the formal treaty has scope 1 (docs/model.md section 2)",
                )
            weight = self.value(
                f"{pre}.trust_weight", "arrangements.*.trust_weight", body, "trust_weight"
            )
            if "payoffs" not in body:
                raise self.fail(
                    f"{pre}.payoffs",
                    MISSING,
                    "required: { R = ..., S = ..., T = ..., P = ... }",
                )
            pay = self.table(f"{pre}.payoffs", body["payoffs"])
            per_actor = [k for k in pay if k in actor_names]
            mover = self.value(f"{pre}.mover", "arrangements.*.mover", body, "mover")
            if mover and mover not in actor_names:
                raise self.fail(
                    f"{pre}.mover",
                    mover,
                    "unknown actor; the mover is one of "
                    + ", ".join(actor_names)
                    + ' ("" for a bilateral arrangement)'
                    + did_you_mean(mover, actor_names),
                )
            if mover and set(pay) != set(actor_names):
                raise self.fail(
                    f"{pre}.payoffs",
                    sorted(pay),
                    f"a unilateral arrangement (mover = {mover!r}) gives one table per actor ("
                    + ", ".join(actor_names)
                    + "): R, S, P for the mover and R, T, P for the responder "
                    "(docs/model.md section 15.1)",
                )
            if mover:
                pays = tuple(
                    self.unilateral_payoffs(
                        f"{pre}.payoffs.{a}",
                        self.table(f"{pre}.payoffs.{a}", pay[a]),
                        "T" if a == mover else "S",
                    )
                    for a in actor_names
                )
            elif per_actor:
                if set(pay) != set(actor_names):
                    extra = sorted(set(pay) - set(actor_names))
                    key = f"{pre}.payoffs.{extra[0]}" if extra else f"{pre}.payoffs"
                    raise self.fail(
                        key,
                        pay.get(extra[0]) if extra else sorted(pay),
                        "give either R, S, T, P for both actors or one table per actor ("
                        + ", ".join(actor_names)
                        + ")",
                    )
                pays = tuple(
                    self.payoffs(
                        f"{pre}.payoffs.{a}",
                        self.table(f"{pre}.payoffs.{a}", pay[a]),
                        "arrangements.*.payoffs.*",
                    )
                    for a in actor_names
                )
            else:
                allowed_pay = list("RSTP") + actor_names
                for k in pay:
                    if k not in allowed_pay:
                        raise self.fail(
                            f"{pre}.payoffs.{k}",
                            pay[k],
                            "unknown key; allowed here: R, S, T, P or an actor name ("
                            + ", ".join(actor_names)
                            + ")"
                            + did_you_mean(k, allowed_pay),
                        )
                p = self.payoffs(f"{pre}.payoffs", pay, "arrangements.*.payoffs")
                pays = (p, p)
            effects = {"transparency_gain": 0.0, "cap_factor": 1.0}
            if "effects" in body:
                eff = self.table(f"{pre}.effects", body["effects"])
                self.unknown(f"{pre}.effects", eff, effects)
                effects = {
                    k: self.value(f"{pre}.effects.{k}", f"arrangements.*.effects.{k}", eff, k)
                    for k in effects
                }
            out[name] = Arrangement(
                name=name,
                scope=scope,
                trust_weight=weight,
                payoffs=(pays[0], pays[1]),
                transparency_gain=effects["transparency_gain"],
                cap_factor=effects["cap_factor"],
                mover=mover,
            )
        return out

    def unilateral_payoffs(self, prefix: str, tbl: Mapping[str, Any], absent: str) -> Payoffs:
        """One actor's payoffs in a unilateral arrangement: the cell ``absent`` does not exist.

        ``absent`` is ``"T"`` for the mover and ``"S"`` for the responder
        (docs/model.md section 15.1); it takes the actor's ``P``, the value of
        the bilateral game the mover decides on.
        """
        role = "mover" if absent == "T" else "responder"
        if absent in tbl:
            raise self.fail(
                f"{prefix}.{absent}",
                tbl[absent],
                f"the {role}'s {absent} does not exist in a unilateral arrangement ("
                + (
                    "withholding cannot exploit a compliance"
                    if absent == "T"
                    else "the responder sees the move and is never caught out"
                )
                + "; docs/model.md section 15.1): remove it",
            )
        cells = [p for p in "RSTP" if p != absent]
        self.unknown(prefix, tbl, cells)
        pattern = "arrangements.*.payoffs.*"
        vals = {p: float(self.value(f"{prefix}.{p}", f"{pattern}.{p}", tbl, p)) for p in cells}
        for p in cells:
            if not math.isfinite(vals[p]):
                raise self.fail(f"{prefix}.{p}", vals[p], "payoffs must be finite numbers")
        vals[absent] = vals["P"]
        return Payoffs(**vals)

    def protocols(
        self, arrangements: Mapping[str, Arrangement]
    ) -> tuple[tuple[str, ...] | None, int, str, str]:
        tbl = self.table("protocols", self.raw.get("protocols", {}))
        self.unknown("protocols", tbl, table_keys("protocols"))
        binding = self.value("protocols.binding", "protocols.binding", tbl, "binding")
        fm = self.table("protocols.formal", tbl.get("formal", {}))
        self.unknown("protocols.formal", fm, ["offer"])
        offer = self.value("protocols.formal.offer", "protocols.formal.offer", fm, "offer")
        if "piecemeal" not in tbl:
            return None, 0, offer, binding
        pm = self.table("protocols.piecemeal", tbl["piecemeal"])
        self.unknown("protocols.piecemeal", pm, ["ladder", "setback"])
        if "ladder" not in pm:
            raise ConfigError(
                self.src("protocols.piecemeal"),  # names an override that created the table
                "protocols.piecemeal.ladder",
                MISSING,
                "required: a list of arrangement names",
            )
        ladder = self.value(
            "protocols.piecemeal.ladder", "protocols.piecemeal.ladder", pm, "ladder"
        )
        setback = self.value(
            "protocols.piecemeal.setback", "protocols.piecemeal.setback", pm, "setback"
        )
        if not ladder:
            raise self.fail(
                "protocols.piecemeal.ladder", ladder, "the ladder needs at least one arrangement"
            )
        rungs = [n for n in arrangements if n != FORMAL]
        for name in ladder:
            if name == FORMAL:
                raise self.fail(
                    "protocols.piecemeal.ladder", ladder, "the formal treaty cannot be a rung"
                )
            if name not in arrangements:
                raise self.fail(
                    "protocols.piecemeal.ladder",
                    name,
                    "unknown arrangement; defined: "
                    + ", ".join(rungs)
                    + did_you_mean(name, rungs),
                )
        if len(set(ladder)) != len(ladder):
            dup = next(n for n in ladder if ladder.count(n) > 1)
            raise self.fail(
                "protocols.piecemeal.ladder", dup, "each arrangement may appear once on the ladder"
            )
        formal = arrangements[FORMAL]
        for name in ladder:
            if formal.unilateral and arrangements[name].cap_factor != 1.0:
                ckey = f"arrangements.{name}.effects.cap_factor"
                where = self.src(ckey)
                if (
                    where == self.source
                ):  # the cap is from the file: blame an override of the mover
                    where = self.src(f"arrangements.{FORMAL}.mover")
                raise ConfigError(
                    where,
                    ckey,
                    arrangements[name].cap_factor,
                    f"must be 1 on the ladder: caps cannot apply to a unilateral formal treaty "
                    f"(arrangements.{FORMAL}.mover = {formal.mover!r}; docs/model.md section 15.1)",
                )
        return tuple(ladder), setback, offer, binding

    def partners(
        self, actors: tuple[Actor, Actor], arrangements: Mapping[str, Arrangement]
    ) -> tuple[str, ...]:
        """``[partners] names``: the non-voting partners of docs/model.md section 15.3."""
        tbl = self.table("partners", self.raw.get("partners", {}))
        self.unknown("partners", tbl, table_keys("partners"))
        names = self.value("partners.names", "partners.names", tbl, "names")
        key = "partners.names"
        actor_names = [a.name for a in actors]
        seen: set[str] = set()
        for name in names:
            if not name.strip():
                raise self.fail(key, name, "partner names must be non-empty")
            if name in actor_names:
                raise self.fail(
                    key,
                    name,
                    "a partner cannot be an actor ("
                    + ", ".join(actor_names)
                    + "); partners are the non-voting others",
                )
            if name in seen:
                raise self.fail(key, name, "each partner may be named once")
            seen.add(name)
        if names and arrangements[FORMAL].unilateral:
            mkey = f"arrangements.{FORMAL}.mover"
            where = self.src(mkey)
            if where == self.source:
                where = self.src(key)
            raise ConfigError(
                where,
                mkey,
                arrangements[FORMAL].mover,
                'must be "" with [partners] names: the N-actor analysis of docs/model.md '
                "section 15.3 needs a bilateral treaty with the same payoffs for both actors",
            )
        if names and not arrangements[FORMAL].symmetric:
            pkey = f"arrangements.{FORMAL}.payoffs"
            where = self.src(pkey)
            if where == self.source:  # the payoffs are from the file: blame an override of names
                where = self.src(key)
            raise ConfigError(
                where,
                pkey,
                {
                    n: dict(zip("RSTP", p.as_tuple(), strict=True))
                    for n, p in zip(actor_names, arrangements[FORMAL].payoffs, strict=True)
                },
                "with [partners] names the formal treaty's payoffs must be the same for both "
                "actors (one R, S, T, P; the N-actor analysis of docs/model.md section 15.3)",
            )
        return tuple(names)


def forward_problem(scenario: Scenario) -> tuple[str, Any, str] | None:
    """The first key that forward-looking decisions cannot have, or ``None`` (docs/model.md 13.2).

    With ``decisions.rule = "forward"`` the solver needs ``delta < 1`` (a
    finite discounted value) and ``beta > 0`` for every actor (a decision
    that depends on payoffs), and no unilateral arrangement (docs/model.md
    section 15.1: the solver has no sequential moves). The validator and the
    sweep-cell builder call it. Returns ``(key, value, what is allowed)``.
    """
    if scenario.decisions.rule != "forward":
        return None
    if scenario.discount_factor >= 1.0:
        return (
            "scenario.discount_factor",
            scenario.discount_factor,
            'must be < 1 with decisions.rule = "forward" (the value of the future is finite '
            "only if it is discounted)",
        )
    for act in scenario.actors:
        if act.decision_precision == 0.0:
            return (
                f"actors.{act.name}.decision_precision",
                act.decision_precision,
                'must be > 0 with decisions.rule = "forward" (at 0 a decision ignores payoffs)',
            )
    for name, arr in scenario.arrangements.items():
        if arr.unilateral:
            return (
                f"arrangements.{name}.mover",
                arr.mover,
                'must be "" (bilateral) with decisions.rule = "forward": the forward solver '
                "(docs/model.md section 13) has no unilateral moves (section 15.1)",
            )
    pw = scenario.power
    why = ' with decisions.rule = "forward" (power is not part of the solver\'s state)'
    if pw.conversion_rate > 0.0:
        return ("power.conversion_rate", pw.conversion_rate, "must be 0" + why)
    if pw.derive_relative_gains:
        return ("power.derive_relative_gains", True, "must be false" + why)
    if pw.breakdown:
        return ("power.breakdown", True, "must be false" + why)
    return None


def relative_gains_given(raw: Mapping[str, Any]) -> tuple[str, ...]:
    """The actors whose ``relative_gains`` the raw scenario mapping gives, in file order."""
    actors = raw.get("actors")
    if not isinstance(actors, Mapping):
        return ()
    return tuple(
        str(name)
        for name, body in actors.items()
        if isinstance(body, Mapping) and "relative_gains" in body
    )


def power_problem(scenario: Scenario, given: Sequence[str] = ()) -> tuple[str, Any, str] | None:
    """The first key that breaks a rule of docs/model.md section 14, or ``None``.

    ``given`` names the actors whose ``relative_gains`` the file (or an
    override) gives. Rules: with ``derive_relative_gains`` no actor's
    ``relative_gains`` may be given (it is derived from the cost of war);
    with ``breakdown`` every ``war_cost`` is finite; with any section-14
    feature on, ``discount_factor < 1``. Returns ``(key, value, what is
    allowed)``; the validator and the sweep-cell builder both call it.
    """
    pw = scenario.power
    if not pw.active:
        return None
    if pw.derive_relative_gains:
        for act in scenario.actors:
            if act.name in given:
                return (
                    f"actors.{act.name}.relative_gains",
                    act.relative_gains,
                    "must not be given with power.derive_relative_gains = true (k is derived "
                    "from the cost of war, docs/model.md section 14.2)",
                )
    if pw.breakdown:
        for act in scenario.actors:
            if not math.isfinite(act.war_cost):
                return (
                    f"actors.{act.name}.war_cost",
                    act.war_cost,
                    "must be finite with power.breakdown = true (docs/model.md section 14.3)",
                )
    if scenario.discount_factor >= 1.0:
        return (
            "scenario.discount_factor",
            scenario.discount_factor,
            "must be < 1 with power.conversion_rate > 0, power.derive_relative_gains or "
            "power.breakdown (the value of war is finite only if discounted)",
        )
    return None


def trust_weight_problem(
    building_rate: float, arrangements: Mapping[str, Arrangement]
) -> tuple[str, str] | None:
    """The first arrangement whose ``building_rate * trust_weight`` exceeds 1, and the rule.

    Trust weights scale the building step, which must stay a convex
    combination (docs/model.md section 4); ties within ``1e-12`` are allowed.
    Returns ``(arrangement name, what is allowed)`` or ``None``.
    """
    for name, arr in arrangements.items():
        if building_rate * arr.trust_weight > 1.0 + _TOL:
            return name, (
                f"building_rate * trust_weight must be <= 1 (building_rate = {building_rate:g})"
            )
    return None
