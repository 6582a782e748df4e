"""Hypothesis generators of scenario documents, good and bad.

The fuzz tests (``tests/test_fuzz_scenarios.py``, ``tests/test_fuzz_cli.py``)
draw from these strategies:

* :func:`valid_scenarios` builds raw scenario mappings that satisfy every rule
  of docs/model.md section 10 and ``binding_sim.config.schema`` (two actors, a formal
  treaty of scope 1, ``lambda * w_X <= 1``, a ladder of defined rungs, ...),
  with unicode actor and arrangement names, per-actor payoffs and effects.
* :func:`broken_scenarios` starts from a valid mapping and applies one
  :class:`Mutation` (wrong type, out-of-range number, NaN or inf where not
  allowed, unknown key, missing key, empty / huge / duplicated ladder, wrong
  actor count, table replaced by a scalar, ...). It returns the mapping and the
  mutation, whose ``key`` is the dotted key the error message must name.
* :func:`scenario_texts` renders documents to TOML text (``tomli_w``) and adds
  raw-text cases that a mapping cannot express: duplicate actor tables
  (TOML forbids duplicate keys, so this is only a text case), truncated files,
  garbage, byte-order marks.
* :func:`override_strings` produces random ``--set`` strings, well-formed and not.

Everything here is pure: no file I/O, so the same strategy serves in-process
calls and subprocess runs.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import math
from dataclasses import dataclass
from typing import Any

import tomli_w
from hypothesis import strategies as st

from binding_sim.config.schema import SCENARIO_KEYS, KeySpec

__all__ = [
    "Mutation",
    "actor_names",
    "broken_scenarios",
    "override_strings",
    "scenario_texts",
    "to_toml",
    "valid_scenarios",
]

# Names: printable unicode (letters, digits, punctuation, CJK, emoji), no control
# characters, not blank. R, S, T, P are kept out of *valid* names because a
# per-actor payoff table keyed by an actor called "R" is ambiguous with the
# symmetric form; the broken generator uses them on purpose.
# A fixed alphabet of representative characters (ASCII, punctuation including
# '.', '"', '#', '=', accents, Cyrillic, CJK, right-to-left, combining marks,
# zero-width and non-BMP emoji): drawing from the whole of unicode costs ~4 ms a
# name and finds nothing these do not.
_NAME_ALPHABET = st.sampled_from(
    list("aZ09_- .\"'#=[]{}\\/:,éñøßРоссияНАТО北约安全ديمقراطيةא\u0301\u200b\u00a0\u2003🛡🇷🇺👍🏽")
)
actor_names = st.text(_NAME_ALPHABET, min_size=1, max_size=12).filter(
    lambda s: bool(s.strip()) and s not in {"R", "S", "T", "P"}
)
"""Unicode arrangement (and scenario) names accepted by the loader."""

_ACTOR_NAMES = actor_names.filter(lambda s: "." not in s)
"""Actor names exclude '.': keys name an actor as ``actors.NAME.KEY``."""

_RUNG_NAMES = actor_names.filter(lambda s: s != "formal")

_finite = st.floats(min_value=-50.0, max_value=50.0, allow_nan=False, allow_infinity=False)
_unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
_open_unit = st.floats(min_value=0.0, max_value=1.0, exclude_min=True, allow_nan=False)
# Strategies are built once here: building one inside a composite costs a
# validation on every draw, which dominated the generation time.
_bool = st.booleans()
_two_names = st.lists(_ACTOR_NAMES, min_size=2, max_size=2, unique=True)
_k = st.floats(0.0, 5.0)
_beta = st.one_of(st.just(math.inf), st.floats(0.0, 50.0))
_theta = st.floats(0.0, 20.0)
_setback = st.integers(0, 5)
_description = st.text(_NAME_ALPHABET, max_size=30)
_ACTOR_KEYS = (
    ("relative_gains", _k),
    ("initial_trust", _unit),
    ("incident_rate", _unit),
    ("decision_precision", _beta),
    # actor types (docs/model.md section 12.1)
    ("trustworthy_prob", _unit),
    ("greed", st.floats(0.0, 10.0)),
    ("empathy", _unit),
    # the one-time cost of war (docs/model.md section 14.2)
    ("war_cost", st.one_of(st.floats(0.0, 100.0), st.just(math.inf))),
)


@functools.lru_cache
def _integers(lo: int, hi: int) -> st.SearchStrategy[int]:
    return st.integers(lo, hi)


def _pick(draw: st.DrawFn, seq: Any) -> Any:
    """``draw(st.sampled_from(seq))`` without building a strategy per call."""
    seq = list(seq)
    return seq[draw(_integers(0, len(seq) - 1))]


@functools.lru_cache
def _rung_lists(max_rungs: int) -> st.SearchStrategy[list[str]]:
    return st.lists(_RUNG_NAMES, max_size=max_rungs, unique=True)


def _payoff_table(draw: st.DrawFn) -> dict[str, float]:
    table = {p: draw(_finite) for p in "RST"}
    if draw(_bool):
        table["P"] = draw(_finite)
    return table


@st.composite
def valid_scenarios(draw: st.DrawFn, max_rungs: int = 4, max_horizon: int = 60) -> dict[str, Any]:
    """A raw scenario mapping that the loader must accept (docs/model.md section 10)."""
    names = draw(_two_names)
    lam = draw(_unit)
    max_w = 1.0 / lam if lam > 0 else 10.0

    def weight() -> float:
        return draw(_open_unit) * min(max_w, 10.0)

    raw: dict[str, Any] = {
        "scenario": {
            "name": draw(actor_names),
            "horizon": draw(_integers(1, max_horizon)),
            "discount_factor": draw(_unit),
            "common_threat": draw(_theta),
        },
        "trust": {
            "building_rate": lam,
            "erosion_rate": draw(_unit),
            "recovery_rate": draw(_unit),
        },
        "actors": {},
        "arrangements": {},
    }
    if draw(_bool):
        raw["scenario"]["description"] = draw(_description)
    if draw(_bool):
        raw["trust"]["model"] = _pick(draw, ("linear", "bayesian"))
    if draw(_bool):  # the realist channel of a common threat (section 15.2)
        raw["scenario"]["threat_dilution"] = draw(st.floats(0.0, 5.0))
    for name in names:
        body: dict[str, Any] = {}
        for key, strat in _ACTOR_KEYS:
            if draw(_bool):
                body[key] = draw(strat)
        raw["actors"][name] = body
    rung_names = [n for n in draw(_rung_lists(max_rungs)) if n not in names]
    for arr in ["formal", *rung_names]:
        entry: dict[str, Any] = {}
        if arr == "formal":
            if draw(_bool):
                entry["scope"] = 1.0
        elif draw(_bool):
            entry["scope"] = draw(_open_unit)
        if draw(_bool):
            entry["trust_weight"] = weight()
        if draw(_bool):
            entry["payoffs"] = {n: _payoff_table(draw) for n in names}
        else:
            entry["payoffs"] = _payoff_table(draw)
        if arr != "formal" and draw(_bool):
            effects: dict[str, float] = {}
            if draw(_bool):
                effects["transparency_gain"] = draw(_unit)
            if draw(_bool):
                effects["cap_factor"] = draw(_open_unit)
            entry["effects"] = effects
        raw["arrangements"][arr] = entry
    if rung_names and draw(_bool):
        ladder = draw(st.permutations(rung_names))
        ladder = ladder[: draw(_integers(1, len(ladder)))]
        pm: dict[str, Any] = {"ladder": list(ladder)}
        if draw(_bool):
            pm["setback"] = draw(_setback)
        raw["protocols"] = {"piecemeal": pm}
    if draw(_bool) and raw["scenario"]["discount_factor"] < 1.0:  # power (section 14.1)
        raw["power"] = {
            "conversion_rate": draw(st.floats(0.0, 2.0)),
            "initial_share": draw(st.floats(0.01, 0.99)),
            "stake": draw(st.floats(0.1, 10.0)),
        }
    if draw(_bool):  # the formal offer rule (section 5.2)
        raw.setdefault("protocols", {})["formal"] = {
            "offer": _pick(draw, ("every_round", "when_accepted"))
        }
    return raw


# ------------------------------------------------------------------ mutations
@dataclass(frozen=True)
class Mutation:
    """One change that makes a scenario invalid (or possibly still valid).

    Attributes
    ----------
    kind : str
        Family of the change (``wrong_type``, ``out_of_range``, ``nonfinite``,
        ``unknown_key``, ``missing_key``, ``ladder``, ``actor_count``,
        ``not_a_table``, ``extreme``).
    key : str
        Dotted key the loader's message must name (or whose table it must name).
    must_fail : bool
        Whether the loader has to reject the result (``extreme`` values may load).
    """

    kind: str
    key: str
    must_fail: bool = True


def _leaves(raw: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for k, v in raw.items():
        key = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict):
            out.extend(_leaves(v, key))
        else:
            out.append(key)
    return out


def _tables(raw: dict[str, Any], prefix: str = "") -> list[str]:
    out = [prefix] if prefix else []
    for k, v in raw.items():
        if isinstance(v, dict):
            out.extend(_tables(v, f"{prefix}.{k}" if prefix else k))
    return out


def _path(key: str, raw: dict[str, Any]) -> list[str]:
    """Split a dotted key against ``raw`` (names may themselves contain dots)."""
    parts: list[str] = []
    node: Any = raw
    rest = key
    while rest:
        match = next(
            (
                k
                for k in sorted(node, key=len, reverse=True)
                if rest == k or rest.startswith(k + ".")
            ),
            None,
        )
        if match is None:
            parts.extend(rest.split("."))
            break
        parts.append(match)
        rest = rest[len(match) + 1 :]
        node = node[match] if isinstance(node[match], dict) else {}
    return parts


def _get(raw: dict[str, Any], parts: list[str]) -> Any:
    node: Any = raw
    for p in parts:
        node = node[p]
    return node


def _set(raw: dict[str, Any], parts: list[str], value: Any) -> None:
    _get(raw, parts[:-1])[parts[-1]] = value


def _spec_of(parts: list[str]) -> KeySpec | None:
    """The schema spec of a concrete key path (``*`` matches a name)."""
    for pattern, spec in SCENARIO_KEYS.items():
        pp = pattern.split(".")
        if len(pp) == len(parts) and all(a in ("*", b) for a, b in zip(pp, parts, strict=True)):
            return spec
    return None


_WRONG_VALUES = st.one_of(
    st.text(max_size=8),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.sampled_from(["a", "b"]), st.integers(), max_size=2),
    st.just(dt.date(2016, 2, 1)),
    st.just(dt.datetime(2010, 5, 1, 12, 0)),
    st.just(dt.time(8, 30)),
)


def _wrong_type(draw: st.DrawFn, spec: KeySpec | None) -> Any:
    """A value whose TOML type is wrong for ``spec``."""
    if spec is not None and spec.kind in ("str",):
        return draw(
            st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(), st.just([1, 2]))
        )
    if spec is not None and spec.kind == "str_list":
        return draw(
            st.one_of(st.text(max_size=5), st.integers(), st.just([1, 2]), st.just([["a"]]))
        )
    if spec is not None and spec.kind == "int":
        return draw(st.one_of(st.floats(allow_nan=False, allow_infinity=False), _WRONG_VALUES))
    if spec is not None and spec.kind == "bool":
        return draw(_WRONG_VALUES.filter(lambda v: not isinstance(v, bool)))
    return draw(
        _WRONG_VALUES.filter(lambda v: not isinstance(v, (int, float)) or isinstance(v, bool))
    )


def _out_of_range(draw: st.DrawFn, spec: KeySpec) -> Any:
    choices: list[Any] = []
    if spec.lo is not None:
        step = max(1e-6, abs(spec.lo) * 1e-9)  # a step that survives rounding
        choices += [spec.lo - step, spec.lo - 1.0 - step, -1e308]
        if spec.lo_open:
            choices.append(spec.lo)
    if spec.hi is not None:
        step = max(1e-6, abs(spec.hi) * 1e-9)
        choices += [spec.hi + step, spec.hi + 1.0 + step, 1e308]
        if spec.hi_open:
            choices.append(spec.hi)
    value = _pick(draw, (choices))
    if spec.kind == "int":
        value = (
            int(value)
            if math.isfinite(value) and abs(value) < 1e18
            else int(math.copysign(10**30, value))
        )
        if spec.lo is not None and value >= spec.lo and (spec.hi is None or value <= spec.hi):
            value = int(spec.lo) - 1
    return value


@st.composite
def broken_scenarios(draw: st.DrawFn) -> tuple[dict[str, Any], Mutation]:
    """A valid scenario with one mutation applied; returns ``(raw, mutation)``."""
    raw = copy.deepcopy(draw(valid_scenarios(max_rungs=3)))
    kind = _pick(
        draw,
        (
            [
                "wrong_type",
                "out_of_range",
                "nonfinite",
                "unknown_key",
                "missing_key",
                "ladder",
                "actor_count",
                "not_a_table",
                "extreme",
                "ambiguous_name",
            ]
        ),
    )
    leaves = [k for k in _leaves(raw)]
    if kind == "wrong_type":
        key = _pick(draw, (leaves))
        parts = _path(key, raw)
        _set(raw, parts, _wrong_type(draw, _spec_of(parts)))
        return raw, Mutation(kind, key)
    if kind in ("out_of_range", "nonfinite"):
        numeric = []
        for key in leaves:
            spec = _spec_of(_path(key, raw))
            if spec is None or spec.kind not in ("float", "int"):
                continue
            if kind == "out_of_range" and spec.lo is None and spec.hi is None:
                continue
            numeric.append((key, spec))
        if not numeric:
            numeric = [("scenario.horizon", SCENARIO_KEYS["scenario.horizon"])]
        key, spec = _pick(draw, (numeric))
        parts = _path(key, raw)
        if kind == "out_of_range":
            _set(raw, parts, _out_of_range(draw, spec))
        else:
            bad = [math.nan, -math.inf] if spec.allow_inf else [math.nan, math.inf, -math.inf]
            _set(raw, parts, _pick(draw, (bad)))
        return raw, Mutation(kind, key)
    if kind == "unknown_key":
        tables = ["", *_tables(raw)]
        where = _pick(draw, (tables))
        table = _get(raw, _path(where, raw)) if where else raw
        # Tables keyed by names (actors, arrangements, per-actor payoffs) accept new
        # names; pick a key that is not a name: a typo of an existing key.
        if where in ("actors", "arrangements"):
            where = _pick(draw, ([w for w in tables if w not in ("actors", "arrangements")]))
            table = _get(raw, _path(where, raw))
        existing = [k for k in table if not isinstance(table[k], dict)] or ["horizon"]
        base = _pick(draw, (existing))
        new = _pick(draw, ([base + "s", base.upper() + "_", "x" + base, base[:-1] or "q", "🙂"]))
        if new in table or new in ("R", "S", "T", "P"):
            new = "zz_unknown"
        table[new] = draw(st.one_of(st.integers(), st.text(max_size=4)))
        return raw, Mutation(kind, f"{where}.{new}" if where else new)
    if kind == "missing_key":
        choices = ["arrangements.formal", "arrangements", "actors"]
        for arr, body in raw["arrangements"].items():
            choices.append(f"arrangements.{arr}.payoffs")
            pay = body["payoffs"]
            if "R" in pay:
                choices.append(f"arrangements.{arr}.payoffs.{_pick(draw, ('RST'))}")
        if "piecemeal" in raw.get("protocols", {}):
            choices.append("protocols.piecemeal.ladder")
        key = _pick(draw, (choices))
        parts = _path(key, raw)
        del _get(raw, parts[:-1])[parts[-1]]
        if key == "actors":
            key = "actors"
        return raw, Mutation(kind, key)
    if kind == "ladder":
        rungs = [a for a in raw["arrangements"] if a != "formal"]
        variant = _pick(
            draw,
            (
                [
                    "empty",
                    "unknown",
                    "huge_unknown",
                    "duplicate",
                    "formal",
                    "not_list",
                    "huge_valid",
                ]
            ),
        )
        key = "protocols.piecemeal.ladder"
        if variant == "huge_valid":
            n = draw(_integers(50, 400))
            names = [f"rung_{i}" for i in range(n)]
            for name in names:
                raw["arrangements"][name] = {"payoffs": {"R": 1.0, "S": -0.1, "T": 0.1}}
            raw["protocols"] = {"piecemeal": {"ladder": names}}
            return raw, Mutation("ladder", key, must_fail=False)
        ladder: Any
        if variant == "empty":
            ladder = []
        elif variant == "unknown":
            ladder = [*rungs, "no_such_rung_ü"]
        elif variant == "huge_unknown":
            ladder = [f"r{i}" for i in range(draw(_integers(100, 5000)))]
        elif variant == "duplicate":
            if not rungs:
                raw["arrangements"]["dup"] = {"payoffs": {"R": 1, "S": 0, "T": 0}}
                rungs = ["dup"]
            ladder = [rungs[0], *rungs]
        elif variant == "formal":
            ladder = ["formal", *rungs]
        else:
            ladder = draw(st.one_of(st.text(max_size=5), st.integers(), st.just({"a": 1})))
        raw["protocols"] = {"piecemeal": {"ladder": ladder}}
        return raw, Mutation("ladder", key)
    if kind == "actor_count":
        n = _pick(draw, ([0, 1, 3, 7]))
        actors = list(raw["actors"].items())
        if n < 2:
            raw["actors"] = dict(actors[:n])
        else:
            extra = {f"extra_{i}": {} for i in range(n - 2)}
            raw["actors"] = {**dict(actors), **extra}
        # per-actor payoffs would name the missing actor first; keep them symmetric
        for body in raw["arrangements"].values():
            body["payoffs"] = {"R": 1.0, "S": -1.0, "T": 0.5}
        return raw, Mutation(kind, "actors")
    if kind == "not_a_table":
        tables = _tables(raw)
        key = _pick(draw, (tables))
        parts = _path(key, raw)
        _set(raw, parts, draw(st.one_of(st.integers(), st.text(max_size=4), st.just([1]))))
        return raw, Mutation(kind, key)
    if kind == "ambiguous_name":
        # An actor called like a payoff letter: symmetric payoffs become ambiguous.
        old = next(iter(raw["actors"]))
        new = _pick(draw, (["R", "S", "T", "P"]))
        raw["actors"] = {new if k == old else k: v for k, v in raw["actors"].items()}
        for body in raw["arrangements"].values():
            body["payoffs"] = {"R": 1.0, "S": -1.0, "T": 0.5}
        return raw, Mutation(kind, "arrangements.formal.payoffs", must_fail=False)
    # extreme: huge but finite numbers where the schema has no upper bound
    targets = ["scenario.common_threat"]
    for name in raw["actors"]:
        targets += [f"actors.{name}.relative_gains", f"actors.{name}.decision_precision"]
    for arr, body in raw["arrangements"].items():
        if "R" in body["payoffs"]:
            targets += [f"arrangements.{arr}.payoffs.{p}" for p in "RST"]
    key = _pick(draw, (targets))
    value = _pick(draw, ([1e308, -1e308, 1.7976931348623157e308, 1e200, 5e-324, 1e-300]))
    parts = _path(key, raw)
    spec = _spec_of(parts)
    if spec is not None and spec.lo is not None and value < spec.lo:
        value = -value
    _set(raw, parts, value)
    return raw, Mutation("extreme", key, must_fail=False)


# ---------------------------------------------------------------------- text
def to_toml(raw: dict[str, Any]) -> str:
    """Render a raw mapping as TOML text (``nan`` and ``inf`` as TOML literals)."""
    return tomli_w.dumps(raw)


_VALID_TEXT = """\
[scenario]
horizon = 5
[actors.NATO]
relative_gains = 1.0
[actors.Russia]
[arrangements.formal]
payoffs = { R = 6.0, S = -2.0, T = 2.0 }
"""


@st.composite
def raw_text_cases(draw: st.DrawFn) -> str:
    """TOML text that no mapping can express: duplicates, truncation, garbage."""
    variant = _pick(
        draw,
        (["duplicate_actor", "duplicate_key", "truncated", "garbage", "bom", "empty", "nested"]),
    )
    if variant == "duplicate_actor":
        return _VALID_TEXT + "[actors.NATO]\nincident_rate = 0.1\n"
    if variant == "duplicate_key":
        return _VALID_TEXT.replace("horizon = 5", "horizon = 5\nhorizon = 6")
    if variant == "truncated":
        return _VALID_TEXT[: draw(_integers(0, len(_VALID_TEXT) - 1))]
    if variant == "garbage":
        return draw(st.text(max_size=60))
    if variant == "bom":
        return "\ufeff" + _VALID_TEXT
    if variant == "empty":
        return ""
    depth = draw(_integers(50, 2000))
    return "x = " + "[" * depth + "]" * depth + "\n"


def scenario_texts() -> st.SearchStrategy[str]:
    """TOML documents: valid, mutated, or raw-text edge cases."""
    return st.one_of(
        valid_scenarios().map(to_toml),
        broken_scenarios().map(lambda rm: to_toml(rm[0])),
        raw_text_cases(),
    )


# ------------------------------------------------------------------ --set
_KEYS = [k.replace("*", "NATO", 1).replace("*", "Russia") for k in SCENARIO_KEYS] + [
    "actors.*.incident_rate",
    "actors.*.relative_gains",
    "arrangements.*.scope",
    "trust",
    "actors",
    "actors.NATO",
    "nope.key",
    "scenario.horizont",
]
_VALUE_TEXT = st.one_of(
    st.sampled_from(
        [
            "0.1",
            "-1",
            "1e308",
            "nan",
            "inf",
            "-inf",
            "+inf",
            "true",
            "[]",
            "[1, 2]",
            '"x"',
            "{R = 1}",
            "1979-05-27",
            "0x10",
            "abc",
            "'unterminated",
            '"',
            "=",
            "linear",
            '["md_transparency"]',
            "5",
            "0",
            "1_000",
            "2.5e-3",
        ]
    ),
    st.text(max_size=10),
)


@st.composite
def override_strings(draw: st.DrawFn) -> str:
    """A random ``--set`` string: ``key=value`` from the schema, or malformed."""
    variant = draw(_integers(0, 4))
    if variant == 0:
        return draw(st.text(max_size=20))
    key = draw(st.one_of(st.sampled_from(_KEYS), st.text(max_size=12)))
    sep = _pick(draw, (["=", " = ", "==", "="]))
    return f"{key}{sep}{draw(_VALUE_TEXT)}"


# ---------------------------------------------------------------- experiments
def _experiment_base(draw: st.DrawFn) -> dict[str, Any]:
    kind = _pick(draw, ["grid", "list", "lhs", "none"])
    exp: dict[str, Any] = {
        "experiment": {
            "name": "fuzz",
            "scenario": _pick(draw, ["krickovic2016", "exporting_security2010"]),
            "reps": draw(_integers(1, 8)),
            "horizon": draw(_integers(1, 6)),
            "seed": draw(_integers(0, 2**63 - 1)),
        }
    }
    if exp["experiment"]["scenario"] == "krickovic2016" and draw(_bool):
        exp["experiment"]["protocols"] = ["formal", "piecemeal"]
    if draw(_bool):
        exp["experiment"]["set"] = {"trust.erosion_rate": 0.3}
    if kind == "grid":
        grid: dict[str, Any] = {"trust.building_rate": [0.1, 0.2]}
        if draw(_bool):
            grid["actors.*.incident_rate"] = {"start": 0.0, "stop": 0.1, "num": 2}
        exp["design"] = {"kind": "grid", "grid": grid}
    elif kind == "list":
        exp["design"] = {
            "kind": "list",
            "points": [{"trust.building_rate": 0.1}, {"scenario.common_threat": 1.0}],
        }
    elif kind == "lhs":
        exp["design"] = {
            "kind": "lhs",
            "samples": draw(_integers(1, 3)),
            "ranges": {"trust.building_rate": [0.0, 0.3]},
        }
    return exp


_EXPERIMENT_BAD_VALUES = st.one_of(
    _WRONG_VALUES,
    st.sampled_from(
        [
            math.nan,
            math.inf,
            -math.inf,
            -1,
            0,
            -(2**63),
            2**64,
            10**30,
            1e308,
            "",
            " ",
            "formal",
            "nope",
            "../../etc/passwd",
            "krickovic2016.toml",
            [],
            ["formal", "formal"],
            ["bogus"],
            {"start": 0.0, "stop": 1.0, "num": 0},
            {"start": 1.0, "stop": 0.0, "num": 10_000_001},
            {"start": "a", "stop": 1.0, "num": 2},
            {"start": 0.0, "stop": math.nan, "num": 2},
            [math.nan],
            [-1.0, 2.0],
            {"trust.nope": [1]},
            {"trust.building_rate": []},
            {"arrangements.formal.payoffs.R": [math.inf]},
            {"actors.Nobody.relative_gains": [1.0]},
        ]
    ),
)


@st.composite
def experiment_texts(draw: st.DrawFn) -> str:
    """Experiment TOML: small valid ones, and ones with one value broken."""
    exp = _experiment_base(draw)
    if draw(_integers(0, 3)) > 0:
        leaves = _leaves(exp) + _tables(exp)
        key = _pick(draw, leaves)
        parts = _path(key, exp)
        action = _pick(draw, ["replace", "replace", "delete", "unknown"])
        if action == "replace":
            _set(exp, parts, draw(_EXPERIMENT_BAD_VALUES))
        elif action == "delete":
            del _get(exp, parts[:-1])[parts[-1]]
        else:
            node = _get(exp, parts[:-1])
            node[parts[-1] + "_typo"] = 1
    if draw(_integers(0, 9)) == 0:
        return draw(raw_text_cases())
    return to_toml(exp)
