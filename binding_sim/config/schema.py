"""Every configuration key: type, default, range, unit, meaning and place (docs/model.md section 10).

The table :data:`SCENARIO_KEYS` is the single source of truth for scenario
files: the loader validates against it, ``--set`` overrides and sweep designs
are type-checked with it, and ``docs/reference/config.md`` is generated from
it (a test keeps the two in step). ``*`` in a key stands for an actor name
(``actors.*``) or an arrangement name (``arrangements.*``).

The structure of a scenario file is stated here once too: :data:`TABLES`
says which tables exist, what their ``*`` names and where their keys live
in a validated :class:`~binding_sim.config.scenario.Scenario`
(:func:`target`); :data:`FIXED_KEYS` which keys a design cannot vary. The
scenario validator, the design resolver (:mod:`binding_sim.config.design`),
the sweep-cell builder (:mod:`binding_sim.config.cells`) and the reference
read them. Experiment files (:data:`EXPERIMENT_KEYS`, :data:`DESIGN_KEYS`)
and analysis-only experiment files (:data:`ANALYSIS_KEYS`) are described
the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ANALYSIS_COMMON",
    "ANALYSIS_KEYS",
    "ARRANGEMENT_NAME_KEYS",
    "BINDING_RULES",
    "DECISION_RULES",
    "DESIGN_KEYS",
    "DESIGN_KINDS",
    "EXPERIMENT_KEYS",
    "FIXED_KEYS",
    "FORMAL_OFFERS",
    "LADDER_OBJECTIVES",
    "MAX_CELLS",
    "PROTOCOL_NAMES",
    "SCENARIO_KEYS",
    "SEED_MAX",
    "TABLES",
    "TRUST_MODELS",
    "KeySpec",
    "TableSpec",
    "check_value",
    "is_plain_file_name",
    "markdown_reference",
    "sections",
    "spec_for",
    "table_keys",
    "table_of",
    "target",
]

PROTOCOL_NAMES = ("formal", "piecemeal")
"""The binding protocols of docs/model.md section 5, in the order tables and figures show them.

The one list of protocol names: the engine's protocol registry
(:mod:`binding_sim.dynamics.protocols`) maps each to its compiler, and a test
holds the two equal. Options of a protocol are scenario keys
``protocols.NAME.KEY`` below.
"""

TRUST_MODELS = ("linear", "bayesian")
"""Values of ``trust.model``: the trust rules of docs/model.md sections 4 and 12.2.

The engine's trust-model registry (:data:`binding_sim.dynamics.trust.MODELS`)
maps each to its rule; a test holds the two equal.
"""

FORMAL_OFFERS = ("every_round", "when_accepted")
"""Values of ``protocols.formal.offer`` (docs/model.md section 5): when the formal treaty is tabled."""

BINDING_RULES = ("absorbing", "revocable")
"""Values of ``protocols.binding`` (docs/model.md section 13.1): whether a bound treaty can break."""

DECISION_RULES = ("myopic", "forward")
"""Values of ``decisions.rule``: myopic (docs/model.md section 3) or forward-looking (section 13.4)."""

LADDER_OBJECTIVES = ("joint_payoff", "bind_probability")
"""Values of ``ladder_design.objective`` (docs/model.md section 13.8)."""


@dataclass(frozen=True)
class KeySpec:
    """Specification of one configuration key.

    Attributes
    ----------
    key : str
        Dotted key pattern (``*`` matches one name).
    kind : {"float", "int", "bool", "str", "str_list", "float_list", "filename"}
        Value type (``filename``: a plain file name, see :func:`check_value`;
        ``bool``: TOML ``true`` or ``false``).
    default : object
        Default when the key is absent (``None``: required or no default).
    lo, hi : float or None
        Bounds (inclusive unless ``lo_open`` / ``hi_open``).
    allow_inf : bool
        Whether ``inf`` is allowed (TOML ``inf``).
    choices : tuple of str
        Allowed strings, if restricted.
    unit : str
        Unit, for the docs.
    doc : str
        Meaning, with the model symbol.
    required : bool
        Whether the key must be given.
    """

    key: str
    kind: str
    default: Any
    doc: str
    unit: str = "-"
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    allow_inf: bool = False
    choices: tuple[str, ...] = ()
    required: bool = False

    def allowed(self) -> str:
        """Describe the allowed values in words (used in error messages)."""
        if self.kind == "str":
            if self.choices:
                return "must be one of " + ", ".join(repr(c) for c in self.choices)
            return "must be a non-empty string"
        if self.kind == "str_list":
            return "must be a list of strings"
        if self.kind == "float_list":
            return "must be a non-empty list of numbers"
        if self.kind == "filename":
            return "must be a plain file name (letters, digits, '-', '_', '.'; not '.' or '..')"
        if self.kind == "bool":
            return "must be true or false"
        what = "an integer" if self.kind == "int" else "a number"
        parts = []
        if self.lo is not None:
            parts.append(f"{'>' if self.lo_open else '>='} {_fmt(self.lo)}")
        if self.hi is not None:
            parts.append(f"{'<' if self.hi_open else '<='} {_fmt(self.hi)}")
        rng = " and ".join(parts)
        if self.lo is not None and self.hi is not None:
            lb = "(" if self.lo_open else "["
            rb = ")" if self.hi_open else "]"
            rng = f"in {lb}{_fmt(self.lo)}, {_fmt(self.hi)}{rb}"
        inf = " (inf allowed)" if self.allow_inf else ""
        return f"must be {what} {rng}{inf}".rstrip()


def _fmt(x: float) -> str:
    return "inf" if math.isinf(x) else f"{x:g}"


def check_value(spec: KeySpec, value: Any) -> str | None:
    """Return ``None`` if ``value`` is valid for ``spec``, else what is allowed."""
    if spec.kind == "str":
        # a string whose default is "" (the description) may be left empty, so
        # that ``Scenario.to_dict()`` always loads back
        if not isinstance(value, str) or (not value.strip() and spec.default != ""):
            return spec.allowed()
        if spec.choices and value not in spec.choices:
            return spec.allowed()
        return None
    if spec.kind == "str_list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return spec.allowed()
        return None
    if spec.kind == "filename":
        return None if is_plain_file_name(value) else spec.allowed()
    if spec.kind == "bool":
        return None if isinstance(value, bool) else spec.allowed()
    if spec.kind == "float_list":
        if not isinstance(value, list) or not value:
            return spec.allowed()
        for v in value:
            item = check_value(_element(spec), v)
            if item is not None:
                return f"{item} (element {v!r})"
        return None
    if isinstance(value, bool):
        return spec.allowed()
    if spec.kind == "int":
        if not isinstance(value, int):
            return spec.allowed()
    elif not isinstance(value, (int, float)):
        return spec.allowed()
    x = float(value)
    if math.isnan(x):
        return spec.allowed() + "; NaN is not allowed"
    if math.isinf(x) and not (spec.allow_inf and x > 0):
        return spec.allowed()
    if spec.lo is not None and (x < spec.lo or (spec.lo_open and x == spec.lo)):
        return spec.allowed()
    if spec.hi is not None and (x > spec.hi or (spec.hi_open and x == spec.hi)):
        return spec.allowed()
    return None


_PAYOFF_DOC = {
    "R": "reward: both comply (before the common-threat term)",
    "S": "sucker: this actor complies, the other defects",
    "T": "temptation: this actor defects, the other complies",
    "P": "punishment: both defect (the status quo)",
}

# Magnitude bounds that keep every product in the relative-gains transform
# ((1 + k) * payoff, k * payoff) far from float overflow, so no analysis or
# simulation result can turn into inf or NaN (numbers are checked).
_PAYOFF_BOUND = 1e12
_K_BOUND = 1e6

_KEYS: list[KeySpec] = [
    KeySpec("scenario.name", "str", None, "scenario name (default: the file's stem)"),
    KeySpec("scenario.description", "str", "", "one-line description"),
    KeySpec("scenario.horizon", "int", 200, "number of rounds H", "rounds", lo=1, hi=1_000_000),
    KeySpec(
        "scenario.discount_factor",
        "float",
        0.95,
        "discount factor delta: discounted payoffs and analysis; decisions weigh the future "
        "only with decisions.rule = forward (then delta < 1; docs/model.md section 13)",
        lo=0.0,
        hi=1.0,
    ),
    KeySpec(
        "scenario.common_threat",
        "float",
        0.0,
        "common external threat theta: every R rises by theta * scope",
        "payoff units",
        lo=0.0,
        hi=_PAYOFF_BOUND,
    ),
    KeySpec(
        "scenario.threat_dilution",
        "float",
        0.0,
        "realist channel rho of the common threat: kappa = k (1 - tau) / (1 + rho theta) for "
        "every arrangement (0: the liberal channel alone; docs/model.md section 15.2)",
        "1 / payoff unit",
        lo=0.0,
        hi=_K_BOUND,
    ),
    KeySpec(
        "trust.building_rate",
        "float",
        0.10,
        "trust-building rate lambda (perceived compliance)",
        "per round",
        lo=0.0,
        hi=1.0,
    ),
    KeySpec(
        "trust.erosion_rate",
        "float",
        0.50,
        "trust-erosion rate mu (perceived defection)",
        "per round",
        lo=0.0,
        hi=1.0,
    ),
    KeySpec(
        "trust.recovery_rate",
        "float",
        0.0,
        "recovery rate phi toward initial trust, from below only (linear model); under the "
        "bayesian model the per-round probability that each actor's type is redrawn "
        "(type turnover, docs/model.md section 12.3)",
        "per round",
        lo=0.0,
        hi=1.0,
    ),
    KeySpec(
        "trust.model",
        "str",
        "linear",
        "trust-update rule: linear (docs/model.md section 4) or bayesian (trust is the belief "
        "that the other is trustworthy, updated by Bayes' rule; docs/model.md section 12.2)",
        choices=TRUST_MODELS,
    ),
    KeySpec(
        "actors.*.relative_gains",
        "float",
        0.0,
        "relative-gains sensitivity k (Grieco 1988)",
        lo=0.0,
        hi=_K_BOUND,
    ),
    KeySpec(
        "actors.*.initial_trust",
        "float",
        0.5,
        "initial trust tau_0: belief that the other complies (bayesian model: prior belief "
        "that the other is trustworthy)",
        "probability",
        lo=0.0,
        hi=1.0,
    ),
    KeySpec(
        "actors.*.incident_rate",
        "float",
        0.0,
        "incident rate epsilon: chance of misreading a compliance as a defection",
        "per round",
        lo=0.0,
        hi=1.0,
    ),
    KeySpec(
        "actors.*.decision_precision",
        "float",
        math.inf,
        "logit precision beta (inf: best response)",
        "1 / payoff unit",
        lo=0.0,
        allow_inf=True,
    ),
    KeySpec(
        "actors.*.trustworthy_prob",
        "float",
        1.0,
        "p: probability that the actor is trustworthy rather than greedy, drawn per replicate "
        "(docs/model.md section 12.1)",
        "probability",
        lo=0.0,
        hi=1.0,
    ),
    KeySpec(
        "actors.*.greed",
        "float",
        0.0,
        "g: a greedy type's extra value of exploiting a complier, g * scope added to its "
        "U(D, C) (docs/model.md section 12.1)",
        "payoff units",
        lo=0.0,
        hi=_PAYOFF_BOUND,
    ),
    KeySpec(
        "actors.*.empathy",
        "float",
        1.0,
        "e: weight of the other's actual trust in reading its moves (bayesian model; 0: "
        "every defection reads as greed; docs/model.md section 12.2)",
        lo=0.0,
        hi=1.0,
    ),
    KeySpec(
        "actors.*.war_cost",
        "float",
        math.inf,
        "C_i: one-time cost of war in present-value units (inf: war never pays; finite with "
        "power.breakdown = true; docs/model.md section 14)",
        "payoff units",
        lo=0.0,
        allow_inf=True,
    ),
    KeySpec(
        "arrangements.*.scope",
        "float",
        1.0,
        "scope s_X of the arrangement (the formal treaty has scope 1)",
        lo=0.0,
        hi=1.0,
        lo_open=True,
    ),
    KeySpec(
        "arrangements.*.trust_weight",
        "float",
        1.0,
        "trust weight w_X (lambda * w_X <= 1)",
        lo=0.0,
        lo_open=True,
    ),
    KeySpec(
        "arrangements.*.mover",
        "str",
        "",
        "the actor that moves first in a unilateral arrangement: it extends or withholds, the "
        "other sees the move and reciprocates or hedges; its payoffs are given per actor without "
        "the mover's T and the responder's S (\"\": bilateral; docs/model.md section 15.1)",
    ),
    *[
        KeySpec(
            f"{table}.{p}",
            "float",
            0.0 if p == "P" else None,
            _PAYOFF_DOC[p] + whose,
            "payoff units",
            lo=-_PAYOFF_BOUND,
            hi=_PAYOFF_BOUND,
            required=p != "P",
        )
        for table, whose in (
            ("arrangements.*.payoffs", " (same for both actors)"),
            ("arrangements.*.payoffs.*", " (for the named actor)"),
        )
        for p in "RSTP"
    ],
    KeySpec(
        "arrangements.*.effects.transparency_gain",
        "float",
        0.0,
        "added to the monitoring level m when implemented (capped at 1)",
        lo=0.0,
        hi=1.0,
    ),
    KeySpec(
        "arrangements.*.effects.cap_factor",
        "float",
        1.0,
        "c: shrinks the formal treaty's T and S toward P when implemented",
        lo=0.0,
        hi=1.0,
        lo_open=True,
    ),
    KeySpec(
        "protocols.binding",
        "str",
        "absorbing",
        "absorbing: a bound pair stays bound; revocable: the treaty stays on the table as "
        "maintenance and an actual defection breaks it (docs/model.md section 13.1)",
        choices=BINDING_RULES,
    ),
    KeySpec(
        "protocols.formal.offer",
        "str",
        "every_round",
        "formal protocol: the treaty is on the table every round until bound (a refused treaty "
        "is a perceived defection), or only in rounds in which both actors accept it (otherwise "
        "nothing is on the table: no play, no trust update, only recovery)",
        choices=FORMAL_OFFERS,
    ),
    KeySpec(
        "protocols.piecemeal.ladder",
        "str_list",
        None,
        "piecemeal ladder: arrangement names in the order offered",
    ),
    KeySpec(
        "protocols.piecemeal.setback",
        "int",
        0,
        "rungs revoked (most recent first) after an actual defection on a rung",
        "rungs",
        lo=0,
    ),
    KeySpec(
        "decisions.rule",
        "str",
        "myopic",
        "myopic (docs/model.md section 3) or forward: each actor solves its dynamic decision "
        "problem by value iteration, assuming the other decides myopically (section 13)",
        choices=DECISION_RULES,
    ),
    KeySpec(
        "decisions.grid_points",
        "int",
        201,
        "n_grid: grid points per trust axis of the forward solver (docs/model.md section 13.5)",
        "points",
        lo=11,
        hi=20001,
    ),
    KeySpec(
        "decisions.tolerance",
        "float",
        1e-10,
        "sup-norm error of the forward solver's value function (docs/model.md section 13.5)",
        "utility units",
        lo=0.0,
        hi=1.0,
        lo_open=True,
    ),
    KeySpec(
        "decisions.max_iterations",
        "int",
        100000,
        "value-iteration sweeps before an unconverged solve is an error (section 13.5)",
        "sweeps",
        lo=1,
        hi=100_000_000,
    ),
    KeySpec(
        "decisions.fixed_point_max",
        "int",
        50,
        "rounds of the proposal-map loop before a cycle is an error (docs/model.md section 13.5)",
        "rounds",
        lo=1,
        hi=100_000,
    ),
    KeySpec(
        "decisions.cycles",
        "str",
        "error",
        "what the forward solver does when its proposal map cycles (no pure fixed point on the "
        "grid): error, or union (table an offer wherever a map of the cycle tables it, solve "
        "once more and report the states; docs/model.md section 13.5)",
        choices=("error", "union"),
    ),
    KeySpec(
        "power.conversion_rate",
        "float",
        0.0,
        "eta: how the round's payment difference moves the first actor's share of power, "
        "logit p' = logit p + eta (pi_A - pi_B) (0: power never moves; docs/model.md section 14.1)",
        "1 / payoff unit",
        lo=0.0,
        hi=_K_BOUND,
    ),
    KeySpec(
        "power.initial_share",
        "float",
        0.5,
        "p_0: the first actor's initial share of power (docs/model.md section 14.1)",
        "share",
        lo=0.0,
        hi=1.0,
        lo_open=True,
        hi_open=True,
    ),
    KeySpec(
        "power.stake",
        "float",
        1.0,
        "G: per-round value of what war would redistribute (docs/model.md section 14.2)",
        "payoff units",
        lo=0.0,
        hi=_PAYOFF_BOUND,
        lo_open=True,
    ),
    KeySpec(
        "power.derive_relative_gains",
        "bool",
        False,
        "derive both actors' k each round from the balance of power and the cost of war "
        "(then relative_gains may not be given; docs/model.md section 14.2)",
    ),
    KeySpec(
        "power.breakdown",
        "bool",
        False,
        "the declining actor wages war when the expected shift of power exceeds its threshold "
        "D*_i (every war_cost finite; docs/model.md section 14.3)",
    ),
    KeySpec(
        "ladder_design.scale_bounds",
        "float_list",
        [0.1, 5.0],
        "[lower, upper] bounds of each rung's scale x_r in binding-sim design-ladder "
        "(docs/model.md section 13.8)",
        lo=0.0,
        hi=1e6,
        lo_open=True,
    ),
    KeySpec(
        "ladder_design.objective",
        "str",
        "joint_payoff",
        "what design-ladder maximises: the expected discounted joint relative-gains utility, or "
        "the share bound by the horizon (docs/model.md section 13.8)",
        choices=LADDER_OBJECTIVES,
    ),
    KeySpec(
        "partners.names",
        "str_list",
        [],
        "non-voting partners of the N-actor analysis (analysis only; the engine stays two-actor): "
        "distinct, non-empty, not an actor's name; needs symmetric formal payoffs "
        "(docs/model.md section 15.3)",
    ),
]

SCENARIO_KEYS: dict[str, KeySpec] = {s.key: s for s in _KEYS}
"""All scenario keys by dotted pattern."""


def spec_for(key: str) -> KeySpec | None:
    """Return the spec whose pattern matches the dotted ``key`` (``*`` = any name)."""
    parts = key.split(".")
    for pattern, spec in SCENARIO_KEYS.items():
        pp = pattern.split(".")
        if len(pp) == len(parts) and all(
            a == "*" or a == b for a, b in zip(pp, parts, strict=True)
        ):
            return spec
    return None


def _range_text(spec: KeySpec) -> str:
    """The allowed values of ``spec`` in compact notation, for the reference docs."""
    if spec.kind == "str":
        if spec.choices:
            return ", ".join(f"`{c}`" for c in spec.choices)
        return "string" if spec.default == "" else "non-empty string"
    if spec.kind == "str_list":
        if spec.key.startswith("protocols."):
            return "list of arrangement names"
        return "list of names"
    if spec.kind == "filename":
        return "plain file name"
    if spec.kind == "bool":
        return "`true`, `false`"
    lb = "(" if spec.lo_open else "["
    rb = ")" if spec.hi_open else "]"
    lo = "-inf" if spec.lo is None else _fmt(spec.lo)
    hi = "inf" if spec.hi is None else _fmt(spec.hi)
    if spec.lo is None:
        lb = "("
    if spec.hi is None:
        rb = "]" if spec.allow_inf else ")"
    text = f"{lb}{lo}, {hi}{rb}"
    if spec.kind == "float_list":
        return f"list of numbers in {text}"
    return text + (" integer" if spec.kind == "int" else "")


def _default_text(spec: KeySpec) -> str:
    if spec.required:
        return "required"
    if spec.default is None:
        if spec.key in ("scenario.name", "experiment.name"):
            return "file stem"
        return "none"
    if isinstance(spec.default, str):
        return f'`"{spec.default}"`'
    if isinstance(spec.default, bool):
        return "`true`" if spec.default else "`false`"
    if isinstance(spec.default, float):
        return "`inf`" if math.isinf(spec.default) else f"`{spec.default:g}`"
    return f"`{spec.default}`"


def markdown_reference() -> str:
    """Markdown reference of every configuration key (``docs/reference/config.md``).

    The tables of a scenario file and where their keys live (:data:`TABLES`),
    then one table per section of the scenario file (docs/model.md section 10)
    with each key's type, default, allowed range, unit and meaning, then the
    keys of experiment files and analysis-only experiment files, all
    generated from this module so that the docs cannot drift from the loaders.
    """
    lines = [
        "# Configuration file reference",
        "",
        "<!-- Generated by binding_sim.config.schema.markdown_reference(); do not edit by hand.",
        "     Regenerate with: python -c 'from binding_sim.config.schema import markdown_reference;"
        ' print(markdown_reference(), end="")\' > docs/reference/config.md -->',
        "",
        "Every key a scenario TOML file may contain (docs/model.md section 10). Unknown keys are",
        "errors. `*` stands for an actor name (`actors.*`, exactly two actors; the first is",
        "the row player) or an arrangement name (`arrangements.*`; `formal` is required and",
        "has scope 1). Payoffs are given either once for both actors",
        "(`payoffs = { R = ..., S = ..., T = ..., P = ... }`) or per actor",
        "(`payoffs.NAME = {...}` for both actors). Ranges use interval notation: `[` and",
        "`]` include the end, `(` and `)` exclude it. Any key can be overridden from the",
        "command line with `--set dotted.key=value` (`--set 'actors.*.KEY=value'`, quoted",
        "because zsh expands an unquoted `*`, sets it for both actors); overrides are",
        "checked exactly like the file.",
        "",
        "Cross-key rules: `trust.building_rate * arrangements.*.trust_weight <= 1` for every",
        "arrangement; every name on `protocols.piecemeal.ladder` is a defined arrangement",
        "other than `formal`, listed once; `partners.names` are distinct, differ from the",
        "actors' names and need the formal treaty's payoffs the same for both actors;",
        "`ladder_design.scale_bounds` is two numbers, lower below upper. With",
        '`decisions.rule = "forward"`: `scenario.discount_factor < 1` and every',
        "`actors.*.decision_precision > 0`, and no section-14 feature",
        "(`power.conversion_rate = 0`, `power.derive_relative_gains` and `power.breakdown`",
        "false; docs/model.md section 13.2). With `power.derive_relative_gains = true`, no",
        "`actors.*.relative_gains` (it is derived from the cost of war); with",
        "`power.breakdown = true`, every `actors.*.war_cost` finite; with either, or",
        "`power.conversion_rate > 0`: `scenario.discount_factor < 1` (docs/model.md section 14).",
        *_structure_lines(),
    ]
    section = None
    for spec in SCENARIO_KEYS.values():
        head = spec.key.split(".")[0]
        if head != section:
            section = head
            lines += ["", f"## `[{head}]`", "", *_KEY_TABLE_HEAD]
        lines.append(_key_row(spec))
    lines += _experiment_lines()
    return "\n".join(lines) + "\n"


_KEY_TABLE_HEAD = [
    "| key | type | default | range | unit | meaning |",
    "|---|---|---|---|---|---|",
]


def _key_row(spec: KeySpec) -> str:
    cells = [
        f"`{spec.key}`",
        spec.kind,
        _default_text(spec),
        _range_text(spec),
        spec.unit,
        spec.doc,
    ]
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _structure_lines() -> list[str]:
    """The tables of a scenario file and where their keys live (from :data:`TABLES`)."""
    lines = [
        "",
        "Tables, and where their keys live in a loaded `Scenario` (`[]`: the element named",
        "by the key's `*`, or every element when the key names none):",
        "",
        "| table | `*` is | keys live in | what it is |",
        "|---|---|---|---|",
    ]
    for t in TABLES:
        holds = f"`Scenario.{t.holds}`" if t.holds else "`Scenario`"
        lines.append(f"| `[{t.pattern}]` | {t.names or '-'} | {holds} | {t.doc} |")
    fixed = ", ".join(f"`{k}`" for k in sorted(FIXED_KEYS))
    lines += [
        "",
        f"A sweep design ([sweeps](../sweeps.md)) may vary every key except {fixed};",
        "`actors.*.KEY` varies a key of both actors together.",
    ]
    return lines


def _experiment_lines() -> list[str]:
    """Experiment files and analysis-only experiment files (from the tables below)."""
    lines = [
        "",
        "## Experiment files: `[experiment]`",
        "",
        "An experiment file ([sweeps](../sweeps.md)) has an `[experiment]` table and a `[design]`",
        "table. `set` is a table of fixed scenario overrides (dotted keys, checked like",
        "`--set`).",
        "",
        *_KEY_TABLE_HEAD,
    ]
    lines += [_key_row(spec) for spec in EXPERIMENT_KEYS.values()]
    lines += [
        "",
        "## Experiment files: `[design]`",
        "",
        "| `kind` | keys | meaning |",
        "|---|---|---|",
    ]
    meaning = {
        "grid": "every combination of the values per key, first key slowest; a key's values "
        "are a list or `{ start, stop, num }` (numpy.linspace)",
        "list": "explicit cells, a list of tables of key = value",
        "lhs": f"a Latin hypercube of `samples` points (1 to {MAX_CELLS:g}) over "
        "`ranges` (key = [lo, hi])",
    }
    for kind in DESIGN_KINDS:
        keys = ", ".join(f"`{k}`" for k in DESIGN_KEYS[kind])
        lines.append(
            f"| `{kind}`{' (default)' if kind == 'grid' else ''} | {keys} | {meaning[kind]} |"
        )
    common = ", ".join(f"`{k.split('.', 1)[1]}`" for k in ANALYSIS_COMMON)
    lines += [
        "",
        "## Analysis-only experiment files",
        "",
        "Files of figures computed without simulation (`experiments/catch22_map.toml`,",
        "`experiments/strategy_evolution.toml`, `experiments/threat_channels.toml`,",
        f"`experiments/partners.toml`): `[experiment]` with {common} and `set`",
        "as above, a `[design]` grid, and those of the keys below the figure reads.",
        "",
        *_KEY_TABLE_HEAD,
    ]
    lines += [_key_row(spec) for spec in ANALYSIS_KEYS.values()]
    return lines


# ------------------------------------------------------------------ structure
@dataclass(frozen=True)
class TableSpec:
    """Where the keys of one scenario-file table live, and what shape the table has.

    Attributes
    ----------
    pattern : str
        The table's dotted pattern (``*`` = one name), e.g. ``arrangements.*.effects``.
    holds : str
        Where its keys live in a validated
        :class:`~binding_sim.config.scenario.Scenario`: an attribute path in
        which ``[]`` selects the element named by the key's next ``*`` (an
        actor or an arrangement), or every element when the key names none
        (``arrangements.*.payoffs.R`` sets ``R`` of both actors). ``""``: the
        scenario itself. A key ``TABLE.NAME`` lives at ``holds.NAME``.
    doc : str
        What the table is, for the reference.
    names : str
        For a pattern ending in ``*``: what the name is (``"actor"`` or
        ``"arrangement"``).
    not_for : tuple of str
        Names of the enclosing ``*`` that have no such table (the formal
        treaty has no effects).
    """

    pattern: str
    holds: str
    doc: str
    names: str = ""
    not_for: tuple[str, ...] = ()


TABLES: tuple[TableSpec, ...] = (
    TableSpec("scenario", "", "name, horizon, discounting and the common threat"),
    TableSpec("trust", "", "the trust dynamics of docs/model.md sections 4 and 12"),
    TableSpec(
        "actors.*",
        "actors[]",
        "one table per actor, exactly two; the first is the row player",
        names="actor",
    ),
    TableSpec(
        "arrangements.*",
        "arrangements[]",
        "one table per arrangement; `formal` (the treaty F, scope 1) is required",
        names="arrangement",
    ),
    TableSpec(
        "arrangements.*.payoffs",
        "arrangements[].payoffs[]",
        "`R`, `S`, `T`, `P` for both actors, or one table per actor (below)",
    ),
    TableSpec(
        "arrangements.*.payoffs.*",
        "arrangements[].payoffs[]",
        "`R`, `S`, `T`, `P` of the named actor (given for both actors)",
        names="actor",
    ),
    TableSpec(
        "arrangements.*.effects",
        "arrangements[]",
        "what a piecemeal rung does once implemented (not for `formal`)",
        not_for=("formal",),
    ),
    TableSpec("protocols", "", "whether binding can break (optional)"),
    TableSpec("protocols.formal", "", "the formal treaty's offer rule (optional)"),
    TableSpec("protocols.piecemeal", "", "the piecemeal ladder (optional)"),
    TableSpec(
        "decisions",
        "decisions",
        "myopic or forward-looking decisions and the forward solver's numerics (optional)",
    ),
    TableSpec(
        "power",
        "power",
        "power that shifts with relative gains, derived sensitivity and breakdown into war "
        "(optional; docs/model.md section 14)",
    ),
    TableSpec(
        "ladder_design",
        "ladder_design",
        "what binding-sim design-ladder optimises, within which scale bounds (optional)",
    ),
    TableSpec(
        "partners",
        "",
        "non-voting partners of the N-actor analysis, read into `Scenario.partners` "
        "(optional; analysis only)",
    ),
)
"""Every table of a scenario file, with where its keys live in a :class:`Scenario`."""

FIXED_KEYS = frozenset({"scenario.name", "trust.model", "partners.names"})
"""Keys a sweep design cannot vary: they select structure, not a value (partners are
analysis only, so a sweep could not show them either)."""


def table_of(pattern: str) -> TableSpec | None:
    """The table holding the key ``pattern`` (``actors.*.relative_gains`` -> ``actors.*``)."""
    head = pattern.rsplit(".", 1)[0]
    for table in TABLES:
        if table.pattern == head:
            return table
    return None


def table_keys(pattern: str, name: str | None = None) -> list[str]:
    """What a table ``pattern`` may hold: its keys, then its sub-tables, in schema order.

    ``name`` is the name its ``*`` takes (``table_keys("arrangements.*", "formal")``
    leaves out ``effects``, which the formal treaty does not have).
    """
    depth = pattern.count(".") + 1
    keys = [k.split(".")[-1] for k in SCENARIO_KEYS if k.rsplit(".", 1)[0] == pattern]
    tables = [
        t.pattern.split(".")[-1]
        for t in TABLES
        if t.pattern.count(".") == depth
        and t.pattern.rsplit(".", 1)[0] == pattern
        and t.pattern.split(".")[-1] != "*"
        and (name is None or name not in t.not_for)
    ]
    return keys + tables


def sections() -> tuple[str, ...]:
    """The top-level tables of a scenario file, in schema order."""
    return tuple(dict.fromkeys(t.pattern.split(".")[0] for t in TABLES))


def target(key: str) -> tuple[str, ...] | None:
    """Where the concrete dotted ``key`` lives in a :class:`Scenario`: attribute steps.

    A step ``"actors[NATO]"`` selects an element by name, ``"payoffs[]"`` every
    element; ``None`` for keys a design cannot vary (:data:`FIXED_KEYS`) and
    keys of tables :data:`TABLES` does not place (such a key is set by
    validating the whole scenario again). Read by the sweep-cell builder of
    :mod:`binding_sim.config.cells`.
    """
    spec = spec_for(key)
    if spec is None or spec.key in FIXED_KEYS:
        return None
    table = table_of(spec.key)
    if table is None:
        return None
    names = [k for k, p in zip(key.split("."), spec.key.split("."), strict=True) if p == "*"]
    steps: list[str] = []
    for step in (table.holds.split(".") if table.holds else []) + [key.split(".")[-1]]:
        if step.endswith("[]"):
            steps.append(f"{step[:-2]}[{names.pop(0)}]" if names else step)
        else:
            steps.append(step)
    return tuple(steps)


def is_plain_file_name(value: Any) -> bool:
    """Whether ``value`` is a plain file name: letters, digits, ``-``, ``_``, ``.``; not ``.``/``..``.

    Such a name can be used as a folder name under another folder without
    leaving it (no separator, no parent reference, not absolute).
    """
    return (
        isinstance(value, str)
        and value not in ("", ".", "..")
        and all(c.isalnum() or c in "-_." for c in value)
        and value.isprintable()
    )


def _element(spec: KeySpec) -> KeySpec:
    """The spec of one element of a ``float_list`` key."""
    from dataclasses import replace

    return replace(spec, kind="float")


# ----------------------------------------------------------- experiment files
SEED_MAX = 2**63 - 1
"""Largest root seed (seeds are stored as 64-bit signed integers in the tables)."""

MAX_CELLS = 10_000_000
"""Largest number of cells a design may have (a guard against typos)."""

_EXPERIMENT_SPECS = [
    KeySpec(
        "experiment.name",
        "filename",
        None,
        "experiment name (default: the file's stem); also the default output folder "
        "sweeps/NAME, so a plain file name",
    ),
    KeySpec("experiment.description", "str", "", "one-line description"),
    KeySpec(
        "experiment.scenario",
        "str",
        None,
        "scenario: a preset name or a path to a TOML file, relative to the experiment file",
        required=True,
    ),
    KeySpec(
        "experiment.protocols",
        "str_list",
        None,
        "protocols to run in every cell, from 'formal' and 'piecemeal' "
        "(default: both if the scenario has a ladder, else 'formal')",
    ),
    KeySpec(
        "experiment.reps",
        "int",
        1000,
        "replicates per cell and protocol (--reps overrides)",
        "replicates",
        lo=1,
        hi=1_000_000_000,
    ),
    KeySpec(
        "experiment.horizon",
        "int",
        None,
        "rounds per replicate (default: the scenario's scenario.horizon)",
        "rounds",
        lo=1,
        hi=1_000_000,
    ),
    KeySpec(
        "experiment.seed",
        "int",
        None,
        "root seed of docs/model.md section 11 (default: drawn from the OS, printed and recorded; "
        "--seed overrides)",
        lo=0,
        hi=SEED_MAX,
    ),
    KeySpec(
        "experiment.quick_reps",
        "int",
        200,
        "replicates in quick mode (figure scripts' --quick), unless --reps is given",
        "replicates",
        lo=1,
        hi=1_000_000_000,
    ),
]

EXPERIMENT_KEYS: dict[str, KeySpec] = {s.key: s for s in _EXPERIMENT_SPECS}
"""Scalar keys of the ``[experiment]`` table of an experiment file (``set`` is a table)."""

DESIGN_KINDS = ("grid", "list", "lhs")
"""The design kinds of an experiment file (``design.kind``)."""

DESIGN_KEYS: dict[str, tuple[str, ...]] = {
    "grid": ("grid",),
    "list": ("points",),
    "lhs": ("samples", "ranges"),
}
"""The keys of the ``[design]`` table besides ``kind``, by design kind."""

ANALYSIS_COMMON = ("experiment.name", "experiment.description", "experiment.scenario")
"""Keys of :data:`EXPERIMENT_KEYS` an analysis-only experiment file may hold (and ``set``)."""

_ANALYSIS_SPECS = [
    KeySpec(
        "experiment.arrangements",
        "str_list",
        None,
        "arrangements whose stage games are played (tournament figures)",
    ),
    KeySpec("experiment.players", "str_list", None, "strategy names (tournament figures)"),
    KeySpec("experiment.turns", "int", 200, "rounds per match", "rounds", lo=1, hi=1_000_000),
    KeySpec(
        "experiment.noise",
        "float",
        0.05,
        "implementation noise: chance that a move is flipped",
        "probability",
        lo=0.0,
        hi=1.0,
    ),
    KeySpec(
        "experiment.trust",
        "float",
        None,
        "both actors' trust (default: each actor's initial_trust)",
        "probability",
        lo=0.0,
        hi=1.0,
    ),
    KeySpec(
        "experiment.max_actors",
        "int",
        10,
        "largest number of actors N of the N-actor figure (partners; docs/model.md section 15.3)",
        "actors",
        lo=2,
        hi=1000,
    ),
    KeySpec(
        "experiment.compare",
        "str_list",
        [],
        "further scenarios drawn over the same grid, one panel each (presets or paths relative "
        "to the file; threat_channels)",
    ),
    KeySpec("ranking.arrangement", "str", None, "arrangement of the ranking panels"),
    KeySpec(
        "ranking.relative_gains",
        "float_list",
        None,
        "values of k at which the tournament ranking is shown",
        lo=0.0,
        hi=_K_BOUND,
    ),
]

ANALYSIS_KEYS: dict[str, KeySpec] = {s.key: s for s in _ANALYSIS_SPECS}
"""Further keys an analysis-only experiment file (no simulation) may hold, by dotted key."""

ARRANGEMENT_NAME_KEYS = ("experiment.arrangements", "ranking.arrangement")
"""Keys of :data:`ANALYSIS_KEYS` whose values name arrangements of the file's scenario."""
