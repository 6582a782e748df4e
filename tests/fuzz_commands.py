"""The command-line fuzz harness: what each command's options may be given.

``tests/test_fuzz_cli.py`` builds the real parser (:func:`binding_sim.cli.build_parser`)
and, for every command it finds, draws whole command lines from this module:

* :data:`COMMANDS` registers each command: how many command lines CI draws
  (``budget``), arguments put first so that every case is small work
  (``cheap``: ``--reps 20 --horizon 8`` and the like), the largest valid
  value of its size options (``caps``), a *skeleton* strategy for options
  that only make sense together (``base``, e.g. ``match``'s ``--payoffs`` or
  ``SCENARIO --arrangement``), options never drawn (``skip``, with the
  reason) and per-command domains (``domains``).
* Every other option is drawn from the *domain* of its ``dest``
  (:data:`DEST_DOMAINS`, overridden by the command's ``domains``); a domain
  is a generator in :data:`DOMAINS` that yields the option's value tokens
  together with their validity: ``True`` (the command must succeed, exit 0,
  if every part of the line is valid), ``False`` (the command must fail
  with exit status 2 and one line), or ``None`` (either).

``test_every_command_and_option_is_registered`` fails when a command has no
entry in :data:`COMMANDS` or one of its options has no domain, so a command
or option added later joins the fuzzing by registration, never silently
unfuzzed. See ``docs/architecture.md``, "The command-line fuzz harness".
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from fuzz_strategies import (
    broken_scenarios,
    experiment_texts,
    override_strings,
    raw_text_cases,
    to_toml,
    valid_scenarios,
)
from hypothesis import strategies as st
from tiny_sweep import PARAMS as TINY_PARAMS

from binding_sim.config.scenario import Scenario, preset_names
from binding_sim.games.strategies import NAMES as STRATEGY_NAMES
from binding_sim.plot.figures import read_figure_csv, write_figure_csv
from binding_sim.plot.registry import draw_functions

REPO = Path(__file__).resolve().parent.parent
Valid = bool | None


# ----------------------------------------------------------------- tokens
@dataclass(frozen=True)
class FileRef:
    """A file the test writes into the case's folder; the token becomes its path."""

    name: str
    text: str
    folder: str = ""  # a sub-folder of the case's folder ("" = the folder itself)


@dataclass(frozen=True)
class PathRef:
    """A path of some kind in the case's folder (see :func:`materialize_path`)."""

    kind: str
    suffix: str = ""


Token = str | FileRef | PathRef


@dataclass(frozen=True)
class Part:
    """Tokens of one argument (an option and its values, or a positional) and their validity."""

    tokens: tuple[Token, ...]
    valid: Valid


def combine(parts: list[Part]) -> Valid:
    """The expected outcome of a command line made of ``parts``."""
    if any(p.valid is False for p in parts):
        return False
    if all(p.valid is True for p in parts):
        return True
    return None


# ------------------------------------------------------------- registrations
@dataclass(frozen=True)
class Ctx:
    """What a domain generator may know: the command, its action and its size caps."""

    command: str
    action: argparse.Action
    cap: int


Domain = Callable[[Ctx], st.SearchStrategy[tuple[tuple[Token, ...], Valid]]]


@dataclass(frozen=True)
class CommandFuzz:
    """The registration of one command (see the module docstring)."""

    budget: int
    cheap: tuple[str, ...] = ()
    caps: Mapping[str, int] = field(default_factory=dict)
    base: Callable[[bool], st.SearchStrategy[list[Part]]] | None = None
    structural: frozenset[str] = frozenset()
    skip: Mapping[str, str] = field(default_factory=dict)
    domains: Mapping[str, str] = field(default_factory=dict)
    absent_invalid: frozenset[str] = frozenset()
    check_validity: bool = True


# ------------------------------------------------------------------ values
HUGE = "99999999999999999999999999"  # refused on any machine (memory), never run
_NOT_INTEGERS = ["1.5", "nan", "inf", "-inf", "1e999", "abc", "", " ", "0x10", "1e3", "--"]


def _values(valid: list[str], invalid: list[str], unsure: tuple[str, ...] | list[str] = ()) -> Any:
    options = [st.sampled_from(valid).map(lambda v: ((v,), True))] * 3
    if invalid:
        options.append(st.sampled_from(invalid).map(lambda v: ((v,), False)))
    if unsure:
        options.append(st.sampled_from(list(unsure)).map(lambda v: ((v,), None)))
    return st.one_of(*options)


def count_domain(lo: int) -> Domain:
    def domain(ctx: Ctx) -> Any:
        valid = st.integers(lo, max(lo, ctx.cap)).map(lambda v: ((str(v),), True))
        below = [str(v) for v in range(lo - 2, lo)] + ["-1", "-0"]
        invalid = st.sampled_from([*below, HUGE, *_NOT_INTEGERS]).map(lambda v: ((v,), False))
        odd = st.sampled_from([f" {lo}", "１" if lo <= 1 else "２"]).map(lambda v: ((v,), True))
        return st.one_of(valid, valid, valid, invalid, odd)

    return domain


def seed_domain(ctx: Ctx) -> Any:
    valid = st.integers(0, 2**70).map(lambda v: ((str(v),), True))
    invalid = st.sampled_from(["-1", *_NOT_INTEGERS]).map(lambda v: ((v,), False))
    return st.one_of(valid, valid, invalid)


def probability_domain(ctx: Ctx) -> Any:
    valid = st.floats(0.0, 1.0).map(lambda v: ((repr(v),), True))
    fixed = st.sampled_from(["0", "0.5", "1", "1e-300", "5e-324"]).map(lambda v: ((v,), True))
    invalid = st.sampled_from(["-0.1", "1.1", "2", "nan", "inf", "-inf", "x", "", "1e999"]).map(
        lambda v: ((v,), False)
    )
    return st.one_of(valid, fixed, invalid)


def trust_domain(ctx: Ctx) -> Any:
    return _values(
        ["0.5", "0", "1", "0.3,0.7", "1,0", "0.25"],
        ["1.5", "-0.1", "nan", "0.2,", "a", "0.1,0.2,0.3", "", "inf", ",", "0.5,nan"],
    )


def relative_gains_domain(ctx: Ctx) -> Any:
    # Up to 2.5 the presets' transformed payoffs stay small; 1e6 is allowed but makes the
    # exponential Moran fitness overflow at the default --selection (refused, one line).
    one_valid = st.sampled_from(["0", "0.5", "1", "2.5", "1e-9"])
    one_invalid = st.sampled_from(["-1", "nan", "inf", "1e7", "x", "1e999", "-1e-9"])
    valid = st.lists(one_valid, min_size=1, max_size=3).map(lambda v: (tuple(v), True))
    invalid = st.tuples(
        st.lists(one_valid, max_size=2), one_invalid, st.lists(one_valid, max_size=1)
    ).map(lambda t: ((*t[0], t[1], *t[2]), False))
    big = st.just((("1e6",), None))
    return st.one_of(valid, valid, valid, invalid, big)


def selection_domain(ctx: Ctx) -> Any:
    # In [0, 1] any fitness map and the presets' payoffs are fine; above 1 it depends
    # on the map (linear needs w <= 1) and on the payoffs (w x |payoff| <= 700).
    return _values(
        ["0", "0.1", "0.5", "1"],
        ["-1", "nan", "inf", "1e308", "1001", "x", "", "-0.0001"],
        ["2", "100", "1000", "700"],
    )


_GOOD_PAYOFFS = ["3,0,5,1", "6,-2,2,0", "1,0,2,0.5", "-1,-3,0,-2", "1e12,0,1e12,-1e12"]
_BAD_PAYOFFS = [
    "1,2",
    "a,b,c,d",
    "nan,0,0,0",
    "inf,0,0,0",
    "",
    "1,2,3,4,5",
    "1e13,0,0,0",
    "1e308,0,5,1",
    "3,0,5,-1e308",
    "3;0;5;1",
]


def payoffs_domain(ctx: Ctx) -> Any:
    generated = st.lists(st.integers(-100, 100), min_size=4, max_size=4).map(
        lambda v: ((",".join(map(str, v)),), None)  # degenerate games may be refused
    )
    return st.one_of(_values(_GOOD_PAYOFFS, _BAD_PAYOFFS), generated)


GOOD_OVERRIDES = [
    "scenario.horizon=5",
    "actors.*.incident_rate=0.1",
    "trust.erosion_rate=0.3",
    'scenario.description="a=b"',
    "actors.*.relative_gains=0.5",
    "actors.*.initial_trust=0.6",
    "scenario.common_threat=0.5",
    " scenario.horizon = 7 ",
]
BAD_OVERRIDES = [
    "trust.building_rate=nan",
    "nope.key=1",
    "x",
    "scenario.horizon=5\nscenario.horizon=0",
    "scenario.horizon=5\rx=1",
    "scenario.horizon==5",
    "scenario.horizon=5=6",
    "scenario.horizon=0",
    "=1",
    "scenario.horizon=",
    "..=1",
    "actors.*.relative_gains=1e999",
    "scenario.horizon=1e999",
    "actors.Nobody.relative_gains=1",
]


def override_domain(ctx: Ctx) -> Any:
    return st.one_of(
        _values(GOOD_OVERRIDES, BAD_OVERRIDES),
        override_strings().map(lambda v: ((v,), None)),
    )


def players_pair_domain(ctx: Ctx) -> Any:
    name = st.sampled_from(list(STRATEGY_NAMES))
    upper = name.map(str.upper)
    valid = st.tuples(st.one_of(name, upper), name).map(lambda t: (t, True))
    invalid = st.tuples(name, st.sampled_from(["tfx", "", "nope", "all c", "🙂"])).map(
        lambda t: (t, False)
    )
    return st.one_of(valid, valid, valid, invalid)


def players_list_domain(ctx: Ctx) -> Any:
    valid = st.lists(
        st.sampled_from(list(STRATEGY_NAMES)), min_size=2, max_size=5, unique=True
    ).map(lambda v: (tuple(v), True))
    one = st.sampled_from(list(STRATEGY_NAMES)).map(lambda v: ((v,), False))
    dup = st.sampled_from(list(STRATEGY_NAMES)).map(lambda v: ((v, v.upper()), False))
    unknown = st.lists(st.sampled_from(list(STRATEGY_NAMES)), min_size=1, max_size=3).map(
        lambda v: ((*v, "bogus"), False)
    )
    return st.one_of(valid, valid, valid, valid, valid, valid, one, dup, unknown)


def choice_domain(ctx: Ctx) -> Any:
    choices = [str(c) for c in (ctx.action.choices or ())]
    return _values(choices, ["nope", "", choices[0].upper() + "x"])


def protocol_domain(ctx: Ctx) -> Any:
    # piecemeal needs a ladder: valid for krickovic2016, refused for scenarios without one
    return _values(["formal", "both"], ["nope", "", "Formal"], ["piecemeal"])


def fitness_domain(ctx: Ctx) -> Any:
    # the linear map needs 1 - w + w*payoff > 0: refused for some payoffs (one line)
    return _values(["exponential"], ["nope", "", "Linear"], ["linear"])


def preset_domain(ctx: Ctx) -> Any:
    return st.one_of(
        st.sampled_from(preset_names()).map(lambda v: ((v,), True)),
        st.sampled_from(["nope", "", "krickovic", "../krickovic2016", "/etc/passwd"]).map(
            lambda v: ((v,), False)
        ),
        st.text(max_size=10)
        .filter(lambda v: v not in preset_names())
        .map(lambda v: ((v,), False)),
    )


PATH_KINDS_INVALID = ("missing_parent", "existing_file", "dev_null")


def scenario_domain(ctx: Ctx) -> Any:
    """SCENARIO: presets, generated files (valid, broken, raw text), words and odd paths."""
    preset = st.sampled_from(preset_names()).map(lambda v: ((v,), True))
    valid_file = valid_scenarios().map(
        lambda raw: ((FileRef("scenario.toml", to_toml(raw)),), True)
    )
    return st.one_of(
        preset,
        preset,
        preset,
        preset,
        valid_file,
        valid_file,
        valid_file,
        broken_scenarios().map(
            lambda rm: (
                (FileRef("broken.toml", to_toml(rm[0])),),
                False if rm[1].must_fail else None,
            )
        ),
        raw_text_cases().map(lambda text: ((FileRef("scenario.toml", text),), None)),
        st.text(max_size=12)
        .filter(lambda v: v not in preset_names())
        .map(lambda v: ((v,), False)),
        st.sampled_from(["missing_parent", "existing_dir", "existing_file", "dev_null"]).map(
            lambda k: ((PathRef(k, ".toml"),), False)
        ),
    )


def ladder_scenario_domain(ctx: Ctx) -> Any:
    """SCENARIO of design-ladder: as :func:`scenario_domain`, but a scenario needs a ladder.

    A preset without a ladder is refused (one line); a generated file may or may not
    have one (either outcome).
    """
    with_ladder = [n for n in preset_names() if Scenario.load(n).ladder is not None]
    without = [n for n in preset_names() if n not in with_ladder]
    return st.one_of(
        st.sampled_from(with_ladder).map(lambda v: ((v,), True)),
        st.sampled_from(with_ladder).map(lambda v: ((v,), True)),
        st.sampled_from(without).map(lambda v: ((v,), False)),
        scenario_domain(ctx).map(lambda tv: (tv[0], False if tv[1] is False else None)),
    )


def experiment_file_domain(ctx: Ctx) -> Any:
    return experiment_texts().map(lambda text: ((FileRef("experiment.toml", text),), None))


def out_dir_domain(ctx: Ctx) -> Any:
    """--out DIR of commands that create their output folder (figures, sweep)."""
    return st.one_of(
        st.sampled_from(["new_dir", "existing_dir", "missing_parent"]).map(
            lambda k: ((PathRef(k),), True)
        ),
        st.just(((PathRef("existing_file"),), False)),
    )


def replot_out_domain(ctx: Ctx) -> Any:
    """replot --out DIR: must be an existing folder (nothing is created)."""
    return st.one_of(
        st.just(((PathRef("existing_dir"),), True)),
        st.sampled_from(["new_dir", "missing_parent", "existing_file"]).map(
            lambda k: ((PathRef(k),), False)
        ),
    )


def plot_out_domain(ctx: Ctx) -> Any:
    """plot --out STEM: a file stem (parents are created); refused empty or under a file."""
    valid = st.sampled_from(
        [
            PathRef("new_file", ""),
            PathRef("new_file", ".pdf"),
            PathRef("new_file", ".v1"),
            PathRef("missing_parent", ""),
            PathRef("existing_dir"),
        ]
    ).map(lambda p: ((p,), True))
    invalid = st.sampled_from([PathRef("empty"), PathRef("under_file")]).map(
        lambda p: ((p,), False)
    )
    return st.one_of(valid, valid, invalid)


def plot_file_domain(ctx: Ctx) -> Any:
    """simulate --plot FILE: a file in an existing folder with a known format (drawing is
    slow, so valid names are drawn rarely)."""
    invalid = st.sampled_from(
        [
            PathRef("existing_dir"),
            PathRef("existing_dir", "/"),
            PathRef("missing_parent", ".pdf"),
            PathRef("new_file", ""),
            PathRef("new_file", ".xyz"),
            PathRef("dev_null"),
            PathRef("empty"),
        ]
    ).map(lambda p: ((p,), False))
    valid = st.sampled_from([".pdf", ".png", ".svg"]).map(
        lambda s: ((PathRef("new_file", s),), True)
    )
    return st.one_of(invalid, invalid, invalid, invalid, valid)


def experiments_dir_domain(ctx: Ctx) -> Any:
    return st.one_of(
        st.just(((PathRef("fixture_experiments"),), True)),
        st.just(((PathRef("fixture_experiments"),), True)),
        st.sampled_from(["missing_parent", "existing_file", "new_dir"]).map(
            lambda k: ((PathRef(k),), False)
        ),
    )


FIXTURE_FIGURES = ("tiny", "own")
"""Figures of the fuzz experiments folder (see ``fixture_experiments`` in test_fuzz_cli)."""


def figure_names_domain(ctx: Ctx) -> Any:
    valid = st.lists(st.sampled_from(FIXTURE_FIGURES), min_size=1, max_size=2, unique=True).map(
        lambda v: (tuple(v), True)
    )
    invalid = st.tuples(st.sampled_from(["nope", "", "ü", "../x", "tiny.py", "catch22_map"])).map(
        lambda v: (v, False)
    )
    return st.one_of(valid, invalid, invalid, invalid)


def metric_domain(ctx: Ctx) -> Any:
    """sensitivity --metric: outcome metrics and columns; some are undefined in some cells."""
    return _values(
        ["share_bound", "mean_final_trust", "share_trapped", "share_bound_hi"],
        ["nope", "", "bound_by_round", "Share_bound"],
        ["time_to_bind_median", "mean_final_trust_NATO", "share_bound_trustworthy_pair"],
    )


def flag_domain(ctx: Ctx) -> Any:
    return st.just(((), True))


DOMAINS: dict[str, Domain] = {
    "count": count_domain(1),
    "count0": count_domain(0),
    "count2": count_domain(2),
    "population": count_domain(2),
    "seed": seed_domain,
    "probability": probability_domain,
    "trust": trust_domain,
    "relative_gains": relative_gains_domain,
    "selection": selection_domain,
    "payoffs": payoffs_domain,
    "override": override_domain,
    "players_pair": players_pair_domain,
    "players_list": players_list_domain,
    "choice": choice_domain,
    "protocol": protocol_domain,
    "fitness": fitness_domain,
    "preset": preset_domain,
    "scenario": scenario_domain,
    "ladder_scenario": ladder_scenario_domain,
    "experiment_file": experiment_file_domain,
    "out_dir": out_dir_domain,
    "replot_out": replot_out_domain,
    "plot_file": plot_file_domain,
    "plot_out": plot_out_domain,
    "experiments_dir": experiments_dir_domain,
    "figure_names": figure_names_domain,
    "metric": metric_domain,
    "flag": flag_domain,
}
"""Value generators by domain name."""

DEST_DOMAINS: dict[str, str] = {
    "reps": "count",
    "horizon": "count",
    "turns": "count",
    "population": "population",
    "batch_size": "count",
    "workers": "count",
    "seed": "seed",
    "noise": "probability",
    "trust": "trust",
    "relative_gains": "relative_gains",
    "selection": "selection",
    "payoffs": "payoffs",
    "overrides": "override",
    "protocol": "protocol",
    "fitness": "fitness",
    "scenario": "scenario",
    "experiment": "experiment_file",
    "out": "out_dir",
    "plot": "plot_file",
    "experiments": "experiments_dir",
    "only": "figure_names",
}
"""Default domain of an option, by its ``dest`` (flags need none)."""


def domain_name(command: str, action: argparse.Action) -> str | None:
    """The domain of ``action`` in ``command`` (None: unregistered)."""
    reg = COMMANDS[command]
    if action.dest in reg.domains:
        return reg.domains[action.dest]
    if action.nargs == 0:
        return "flag"
    return DEST_DOMAINS.get(action.dest)


# ---------------------------------------------------------------- skeletons
def _part(
    name: str, ctx: Ctx, flag: str | None = None, clean: bool = False
) -> st.SearchStrategy[Part]:
    def build(tv: tuple[tuple[Token, ...], Valid]) -> Part:
        tokens, valid = tv
        if flag is None:
            return Part(tokens, valid)
        if len(tokens) == 1 and isinstance(tokens[0], str):
            return Part((f"{flag}={tokens[0]}",), valid)  # '=' keeps values like '-1' attached
        return Part((flag, *tokens), valid)

    values = DOMAINS[name](ctx)
    if clean:
        values = values.filter(lambda tv: tv[1] is True)
    return values.map(build)


def _dummy_action(dest: str, choices: Any = None) -> argparse.Action:
    return argparse.Action(option_strings=[], dest=dest, choices=choices)


def _ctx(command: str, dest: str) -> Ctx:
    return Ctx(command, _dummy_action(dest), COMMANDS[command].caps.get(dest, 6))


_KRICKOVIC_ARRANGEMENTS = ["formal", "md_transparency", "interceptor_caps", "buffer_zone"]


@st.composite
def scenario_and_arrangement(draw: st.DrawFn, command: str, clean: bool) -> list[Part]:
    """SCENARIO --arrangement NAME: an arrangement of the scenario, or a wrong one."""
    scen = draw(_part("scenario", _ctx(command, "scenario"), clean=clean))
    token = scen.tokens[0]
    if token == "krickovic2016":
        good = _KRICKOVIC_ARRANGEMENTS
    else:
        good = ["formal"]  # every scenario has the formal treaty
    # a unilateral treaty (docs/model.md section 15.1) has no simultaneous stage game to play
    sequential = token in preset_names() and Scenario.load(token).formal.unilateral
    choice = draw(st.integers(1 if clean else 0, 7))
    if sequential and choice > 0:
        arr = Part(("--arrangement", "formal"), False)
    elif choice == 0:
        arr = Part(("--arrangement", draw(st.sampled_from(["fromal", "", "nope", "🙂"]))), False)
    else:
        arr = Part(("--arrangement", draw(st.sampled_from(good))), True)
    return [scen, arr]


@st.composite
def match_base(draw: st.DrawFn, clean: bool) -> list[Part]:
    """``--payoffs R,S,T,P`` or ``SCENARIO --arrangement NAME [--trust T] [--set ...]``; both or
    neither are refused."""
    players = draw(_part("players_pair", _ctx("match", "players"), "--players", clean))
    mode = draw(st.integers(0, 8 if clean else 9))
    if mode <= 4:
        parts = [draw(_part("payoffs", _ctx("match", "payoffs"), "--payoffs", clean))]
    elif mode <= 8:
        parts = draw(scenario_and_arrangement("match", clean))
        if draw(st.booleans()):
            parts.append(draw(_part("trust", _ctx("match", "trust"), "--trust", clean)))
        if draw(st.booleans()):
            parts.append(draw(_part("override", _ctx("match", "overrides"), "--set", clean)))
    else:
        wrong = draw(st.sampled_from(["both", "neither", "no_arrangement", "set_with_payoffs"]))
        if wrong == "both":
            parts = [
                Part(("krickovic2016", "--arrangement", "formal", "--payoffs=3,0,5,1"), False)
            ]
        elif wrong == "neither":
            parts = [Part((), False)]
        elif wrong == "no_arrangement":
            parts = [Part(("krickovic2016",), False)]
        else:
            parts = [Part(("--payoffs=3,0,5,1", "--set", "scenario.horizon=5"), False)]
    return [players, *parts]


@st.composite
def strategies_base(draw: st.DrawFn, clean: bool) -> list[Part]:
    return draw(scenario_and_arrangement("strategies", clean))  # type: ignore[no-any-return]


# Small copies of the committed figure tables, one per package draw function (plus the
# fuzz folder's own figure), as templates for replot's CSVs.
_THIN: dict[str, Callable[[pd.DataFrame, dict[str, Any]], pd.DataFrame]] = {
    "binding_time": lambda d, m: d[d["round"] <= 12],
    "trajectories": lambda d, m: d[d["round"] <= 6],
    "strategy_evolution": lambda d, m: d[
        d["relative_gains"].isin(sorted(d["relative_gains"].unique())[::20])
    ],
    "protocol_map": lambda d, m: d[
        d["x"].isin(sorted(d["x"].unique())[::10]) & d["y"].isin(sorted(d["y"].unique())[::10])
    ],
}


def _grid_thin(d: pd.DataFrame, m: dict[str, Any]) -> pd.DataFrame:
    x, y = m.get("x"), m.get("y")
    for col in (x, y):
        if col in d:
            keep = sorted(d[col].unique())[:: max(1, d[col].nunique() // 4)][:4]
            d = d[d[col].isin(keep)]
    return d


def figure_templates() -> dict[str, tuple[str, pd.DataFrame, dict[str, Any], str]]:
    """``name -> (draw, small table, meta, figure name)`` for every committed figure CSV."""
    out = {}
    for path in sorted((REPO / "figures").glob("*.csv")):
        data, meta, draw = read_figure_csv(path)
        thin = _THIN.get(path.stem, _grid_thin if path.stem in _GRIDS else lambda d, m: d)
        out[path.stem] = (draw, thin(data, meta).reset_index(drop=True), meta, path.stem)
    out["own"] = (
        "binding_sim_experiments.own:draw",
        pd.DataFrame({"x": [0.0, 1.0, 2.0], "y": [1.0, 0.5, 2.0]}),
        {},
        "own",
    )
    return out


_GRIDS = {"catch22_map", "phase_diagram", "spiral"}
TEMPLATES = figure_templates()


def _csv_text(name: str, data: pd.DataFrame, meta: dict[str, Any], draw: str, tmp: Path) -> str:
    path = tmp / f"{name}.csv"
    write_figure_csv(path, name, data, draw, meta)
    return path.read_text(encoding="utf-8")


_ATTACK_HEADERS = [
    "os:system",
    "subprocess:getoutput",
    "builtins:exec",
    "binding_sim.plot.style:save",
    "binding_sim.cli:main",
    "binding_sim.plot.figures:run_figures",
    "../../evil:draw",
    "/etc/passwd:draw",
    "binding_sim_experiments.own:main",
    "binding_sim_experiments.tiny:main",
    "binding_sim_experiments.../own:draw",
    "antigravity:geohash",
    "",
    "binding_sim.plot.welfare",
    "binding_sim.plot.welfare:welfare_figure:extra",
]


def _declared(draw: str) -> Any:
    fn = draw_functions().get(draw)
    return getattr(fn, "figure_spec", None)


@st.composite
def figure_csv(draw: st.DrawFn, tmp: Path) -> tuple[str, str, Valid, bool]:
    """A figure CSV: a small real one, or one edited (``(name, text, validity, needs_experiments)``).

    Edits: a declared column renamed, only the header, no table, ``meta`` not a JSON
    object, a metadata value of the wrong type, one cell set to NaN, inf, a huge number,
    text or an out-of-range value, the draw header replaced by an attack, the figure's
    name made path-like, the text truncated, random text.
    """
    name = draw(st.sampled_from(sorted(TEMPLATES)))
    draw_text, data, meta, fig = TEMPLATES[name]
    own = name == "own"
    edit = draw(st.integers(0, 20))
    if edit > 11:  # most edits below; an unedited table is drawn (slow) about one time in 9
        edit = 1 + edit % 11
    data = data.copy()
    meta = json.loads(json.dumps(meta))
    valid: Valid = True
    spec = _declared(draw_text)
    declared_cols = [c.name for c in spec.columns if not c.name.startswith("{")] if spec else []
    if own:
        declared_cols = ["x", "y"]
    if edit == 1 and declared_cols:
        col = draw(st.sampled_from(declared_cols))
        data = data.rename(columns={col: "zz_" + col})
        valid = False
    elif edit == 2:
        data = data.iloc[:0]
        valid = False
    elif edit == 3:
        text = _csv_text(fig, data, meta, draw_text, tmp)
        text = "".join(line for line in text.splitlines(True) if line.startswith("#"))
        return fig, text, False, own
    elif edit == 4:
        bad = draw(st.sampled_from(["[1, 2]", "5", '"text"', "null", "{", "NaN", '{"a": NaN}']))
        text = _csv_text(fig, data, meta, draw_text, tmp)
        lines = text.splitlines(True)
        lines = [f"# meta = {bad}\n" if ln.startswith("# meta = ") else ln for ln in lines]
        return fig, "".join(lines), False, own
    elif edit == 5 and spec is not None and spec.meta:
        m = draw(st.sampled_from(list(spec.meta)))
        value = draw(st.sampled_from([[], {}, True, 1e300, -1, "zz"]))
        meta[m.key] = value
        obviously_wrong = {
            "column": True,
            "text": value != "zz",
            "member": True,
            "number": value not in (-1,),
            "integer": True,
            "pair": True,
            "texts": True,
            "thresholds": value != {},
        }[m.kind]
        valid = False if obviously_wrong else None
    elif edit in (6, 7) and len(data):
        col = draw(st.sampled_from([str(c) for c in data.columns]))
        row = draw(st.integers(0, len(data) - 1))
        value = draw(st.sampled_from(["nan", "inf", "-inf", "1e300", "1e400", "abc", "", "-1"]))
        data[col] = data[col].astype(object)
        data.loc[row, col] = value
        numeric_before = pd.api.types.is_numeric_dtype(TEMPLATES[name][1][col].dtype)
        if value in ("inf", "-inf", "1e400") and numeric_before:
            valid = False  # no figure draws infinite numbers
        elif value in ("1e300", "abc") and numeric_before and col in _numeric_declared(spec, own):
            valid = False
        else:
            valid = None
    elif edit == 8:
        header = draw(st.sampled_from(_ATTACK_HEADERS))
        text = _csv_text(fig, data, meta, draw_text, tmp)
        lines = [
            f"# draw = {header}\n" if ln.startswith("# draw = ") else ln
            for ln in text.splitlines(True)
        ]
        return fig, "".join(lines), False, own
    elif edit == 9:
        text = _csv_text(fig, data, meta, draw_text, tmp)
        bad = draw(st.sampled_from(["../own", "/tmp/own", "own/../tiny", "", "tiny"]))
        text = text.replace(f"# binding_sim figure {fig}", f"# binding_sim figure {bad}", 1)
        if own:  # the user's figure is found by its name: a path-like name finds nothing
            return fig, text, bad == "", own
        return fig, text, True, own
    elif edit == 10:
        text = _csv_text(fig, data, meta, draw_text, tmp)
        return fig, text[: draw(st.integers(0, len(text)))], None, own
    elif edit == 11:
        return fig, draw(st.text(max_size=200)), None, own
    return fig, _csv_text(fig, data, meta, draw_text, tmp), valid, own


def _numeric_declared(spec: Any, own: bool) -> set[str]:
    if own:
        return {"x", "y"}
    if spec is None:
        return set()
    return {c.name for c in spec.columns if c.kind in ("number", "probability", "count")}


@st.composite
def replot_base(draw: st.DrawFn, tmp: Path) -> list[Part]:
    """``replot`` + where the CSV is: a path, or a name with ``--figures DIR``, plus
    ``--experiments`` (needed by the fuzz folder's own figure)."""
    fig, text, valid, own = draw(figure_csv(tmp))
    how = draw(st.integers(0, 5))
    if how <= 2:
        parts = [Part((FileRef(f"{fig}.csv", text),), valid)]
    elif how <= 4:
        parts = [
            Part((fig,), valid),
            Part(("--figures", FileRef(f"{fig}.csv", text, folder="figdir")), True),
        ]
    else:
        parts = [Part((draw(st.sampled_from([fig, "nope", "../x", ""])),), False)]
    exp = draw(st.integers(0, 3))
    if exp == 0:
        parts.append(Part(("--experiments", PathRef("missing_parent")), False))
    elif exp <= 2:
        parts.append(Part(("--experiments", PathRef("fixture_experiments")), True))
    elif own:
        parts.append(Part((), False))  # the user's own figure needs --experiments
    return parts


FIXTURE_SWEEP = "tiny_sweep/sweep"
"""The finished sweep of the fuzz experiments folder (``tests/tiny_sweep.py``, run by
``fixture_experiments`` in test_fuzz_cli), relative to that folder."""

_SWEEP_METRICS = ["share_bound", "time_to_bind_median", "mean_rungs", "mean_final_trust_NATO"]
_NOT_METRICS = ["nope", "", "protocol", "cell", "cell_seed", "share bound", *TINY_PARAMS]
_SWEEP_KEYS = [*TINY_PARAMS, "protocol"]
"""Keys of the fuzz sweep: its two varying parameters and the protocol."""


@st.composite
def plot_base(draw: st.DrawFn, clean: bool) -> list[Part]:
    """``plot SWEEP_DIR --y M --x K [--hue K] [--col K] [--protocol P]`` on the fuzz sweep.

    The keys are drawn as a whole mapping, because their validity depends on all of them
    (:func:`plot_mapping_valid`).
    """
    if clean or draw(st.integers(0, 5)):
        parts = [Part((PathRef("fixture_sweep"),), True)]
    else:
        kind = draw(st.sampled_from(["missing_parent", "existing_file", "new_dir", "dev_null"]))
        parts = [Part((PathRef(kind),), False)]
    if clean or draw(st.integers(0, 4)):
        parts.append(Part((f"--y={draw(st.sampled_from(_SWEEP_METRICS))}",), True))
    else:
        parts.append(Part(("--y", draw(st.sampled_from(_NOT_METRICS))), False))
    protocol: str | None = None
    if clean:  # a mapping that works: every key once, or the protocol left to hue / chosen
        slots: dict[str, str | None] = dict(
            zip(("x", "hue", "col"), draw(st.permutations(_SWEEP_KEYS)), strict=True)
        )
        free = draw(st.integers(0, 2))
        if free == 1 and slots["hue"] == "protocol":
            slots["hue"] = None  # the protocol goes to hue by default
        elif free == 2 and slots["col"] == "protocol":
            slots["col"] = None
            protocol = draw(st.sampled_from(["formal", "piecemeal"]))
    else:
        any_key = st.sampled_from([*_SWEEP_KEYS, "nope", "", "scenario.horizon"])
        slots = {
            "x": draw(any_key),
            "hue": draw(st.one_of(st.none(), any_key)),
            "col": draw(st.one_of(st.none(), any_key)),
        }
        protocol = draw(st.one_of(st.none(), st.sampled_from(["formal", "piecemeal", "nope"])))
    tokens: list[str] = []
    for slot, key in slots.items():
        if key is not None:
            tokens += [f"--{slot}", key]
    if protocol is not None:
        tokens += ["--protocol", protocol]
    parts.append(Part(tuple(tokens), plot_mapping_valid(slots, protocol)))
    return parts


def plot_mapping_valid(slots: Mapping[str, str | None], protocol: str | None) -> bool:
    """The mapping rule of ``binding-sim plot`` for the fuzz sweep, restated.

    Every key known and mapped at most once; both varying parameters mapped; the two
    protocols mapped, chosen with ``--protocol`` (one of them) or given the free ``--hue``.
    """
    mapped = [k for k in slots.values() if k is not None]
    return (
        set(mapped) <= set(_SWEEP_KEYS)
        and len(set(mapped)) == len(mapped)
        and protocol in (None, "formal", "piecemeal")
        and set(TINY_PARAMS) <= set(mapped)
        and ("protocol" in mapped or protocol is not None or slots.get("hue") is None)
    )


COMMANDS: dict[str, CommandFuzz] = {
    "analyze": CommandFuzz(budget=400),
    "simulate": CommandFuzz(
        budget=350,
        cheap=("--reps", "20", "--horizon", "8", "--seed", "1"),
        caps={"reps": 20, "horizon": 8},
    ),
    "match": CommandFuzz(
        budget=400,
        cheap=("--turns", "8", "--reps", "4", "--seed", "1"),
        caps={"turns": 8, "reps": 4},
        base=match_base,
        structural=frozenset(
            {"scenario", "payoffs", "arrangement", "trust", "overrides", "players"}
        ),
        domains={"players": "players_pair"},
    ),
    "strategies": CommandFuzz(
        budget=250,
        cheap=("--turns", "8", "--reps", "4", "--population", "4", "--seed", "1"),
        caps={"turns": 8, "reps": 4, "population": 6},
        base=strategies_base,
        structural=frozenset({"scenario", "arrangement"}),
        domains={"reps": "count0", "players": "players_list"},
    ),
    "sweep": CommandFuzz(
        budget=150,
        cheap=("--reps", "4", "--workers", "1", "--quiet"),
        caps={"reps": 4, "workers": 1, "batch_size": 4},
        skip={"scheduler": "connects to a Dask cluster: network, outside a unit test"},
        check_validity=False,  # owned by the sweep's own tests; here: no traceback, one line
    ),
    "sensitivity": CommandFuzz(
        budget=40,  # a successful case draws a figure per metric (about a second each)
        cheap=("--reps", "2", "--workers", "1", "--quiet"),
        caps={"reps": 2, "workers": 1, "samples": 8},
        skip={"scheduler": "connects to a Dask cluster: network, outside a unit test"},
        domains={"method": "choice", "samples": "count", "metrics": "metric"},
        check_validity=False,  # sobol's samples must be a power of two: owned by its own tests
    ),
    "figures": CommandFuzz(
        budget=40,
        absent_invalid=frozenset({"experiments"}),  # no ./experiments in the case's folder
    ),
    "replot": CommandFuzz(
        budget=150,
        base=None,  # set below: it needs the case's folder
        structural=frozenset({"name", "figures", "experiments"}),
        domains={"out": "replot_out"},
    ),
    "plot": CommandFuzz(
        budget=40,  # each valid line draws a figure (about half a second)
        base=plot_base,
        structural=frozenset({"sweep_dir", "y", "x", "hue", "col", "protocol"}),
        domains={"out": "plot_out"},
    ),
    "design-ladder": CommandFuzz(
        budget=25,
        cheap=("--reps", "4", "--starts", "1", "--seed", "1"),
        caps={"reps": 4, "starts": 1},
        domains={
            "scenario": "ladder_scenario",
            "reps": "count2",
            "starts": "count",
            "objective": "choice",
        },
    ),
    "scenarios": CommandFuzz(budget=1),
    "show": CommandFuzz(budget=100, domains={"name": "preset"}),
}
"""Every command of ``binding-sim`` and how it is fuzzed (budgets: command lines per CI run)."""

WORDS_BUDGET = 300
"""Random word lists run as whole command lines (``test_any_command_line_never_escapes``)."""


def ci_total() -> int:
    """Command lines generated per CI run (reported in docs/reliability.md)."""
    return sum(c.budget for c in COMMANDS.values()) + WORDS_BUDGET


@st.composite
def command_line(
    draw: st.DrawFn, parser: argparse.ArgumentParser, name: str, tmp: Path
) -> list[Part]:
    """One command line of ``name``: its skeleton, then every other option with probability 1/3.

    Half the command lines are *clean*: every value drawn valid, so that the commands'
    real work (exit 0) is exercised as often as their error paths.
    """
    reg = COMMANDS[name]
    clean = draw(st.booleans())
    parts: list[Part] = []
    if name == "replot":
        parts += draw(replot_base(tmp))
    elif reg.base is not None:
        parts += draw(reg.base(clean))
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction) or action.dest in reg.skip:
            continue
        if action.dest in reg.structural:
            continue
        dom = domain_name(name, action)
        assert dom is not None, (name, action.dest)
        ctx = Ctx(name, action, reg.caps.get(action.dest, 6))
        if not action.option_strings:
            parts.append(draw(_part(dom, ctx, clean=clean)))
            continue
        if not action.required and draw(st.integers(0, 2)) != 0:
            if action.dest in reg.absent_invalid:
                parts.append(Part((), False))
            continue
        flag = draw(st.sampled_from(action.option_strings))
        parts.append(draw(_part(dom, ctx, flag, clean)))
    return _interactions(name, parts)


def _is_set(part: Part) -> bool:
    return any(
        isinstance(t, str) and (t == "--set" or t.startswith("--set=")) for t in part.tokens
    )


def _interactions(name: str, parts: list[Part]) -> list[Part]:
    """Validity that depends on two arguments together, for generated scenario files.

    * A ``--set`` may overwrite the one broken value of a generated file.
    * ``--set actors.*.KEY=...`` and ``--relative-gains`` on a generated file whose
      actor names hold a ``.`` are refused (a known limit of the override expander,
      which splits such names).
    * ``match`` and ``strategies`` refuse Generous TFT on a degenerate game (``R = S``
      or ``T = P``), which generated payoffs can be.
    """
    generated = any(
        isinstance(t, FileRef) and t.name.endswith(".toml") for p in parts for t in p.tokens
    )
    if not generated:
        return parts
    sets = any(_is_set(p) for p in parts)
    out = []
    for p in parts:
        files = [t for t in p.tokens if isinstance(t, FileRef) and t.name.endswith(".toml")]
        if files and name in ("match", "strategies"):
            p = Part(p.tokens, None if p.valid is not False else False)
        if sets and p.valid is False and any(f.name == "broken.toml" for f in files):
            p = Part(p.tokens, None)
        elif p.valid is True and (
            (_is_set(p) and any("actors." in str(t) for t in p.tokens))
            or any(str(t).startswith("--relative-gains") for t in p.tokens)
        ):
            p = Part(p.tokens, None)
        out.append(p)
    return out


def materialize_path(ref: PathRef, folder: Path, i: int, fixture: Path) -> str:
    """The path a :class:`PathRef` stands for, in the case's ``folder``."""
    if ref.kind == "new_dir":
        return str(folder / f"new{i}")
    if ref.kind == "new_file":
        return str(folder / f"file{i}{ref.suffix}")
    if ref.kind == "existing_dir":
        path = folder / f"dir{i}"
        path.mkdir(exist_ok=True)
        return str(path) + ref.suffix
    if ref.kind == "missing_parent":
        return str(folder / "no" / "such" / f"x{i}{ref.suffix}")
    if ref.kind == "existing_file":
        path = folder / f"file{i}.txt"
        path.write_text("not a folder")
        return str(path)
    if ref.kind == "dev_null":
        return "/dev/null"
    if ref.kind == "fixture_experiments":
        return str(fixture)
    if ref.kind == "fixture_sweep":
        return str(fixture / FIXTURE_SWEEP)
    if ref.kind == "under_file":
        path = folder / f"file{i}.txt"
        path.write_text("not a folder")
        return str(path / "stem")
    assert ref.kind == "empty", ref
    return ""


def materialize(name: str, parts: list[Part], folder: Path, fixture: Path) -> list[str]:
    """The argv of a drawn command line: files written, paths filled in, cheap arguments first."""
    positional: list[str] = []
    options: list[str] = []
    for i, part in enumerate(parts):
        tokens: list[str] = []
        for tok in part.tokens:
            if isinstance(tok, FileRef):
                where = folder / tok.folder if tok.folder else folder
                where.mkdir(exist_ok=True)
                path = where / tok.name
                path.write_text(tok.text, encoding="utf-8")
                tokens.append(str(where) if tok.folder else str(path))
            elif isinstance(tok, PathRef):
                tokens.append(materialize_path(tok, folder, i, fixture))
            else:
                tokens.append(tok)
        (options if tokens and tokens[0].startswith("--") else positional).extend(tokens)
    cheap = list(COMMANDS[name].cheap)
    return [name, *positional, *cheap, *options]
