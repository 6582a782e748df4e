"""One loader for every configuration file; the schema's structure; cells built from a base.

Covers :mod:`binding_sim.config.loader`, :mod:`binding_sim.config.analysis_file`,
:mod:`binding_sim.config.cells` and the structure tables of
:mod:`binding_sim.config.schema`.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binding_sim.cli import main
from binding_sim.config.analysis_file import load_analysis_file
from binding_sim.config.cells import CellBuilder
from binding_sim.config.experiment import Experiment
from binding_sim.config.scenario import Scenario
from binding_sim.config.schema import (
    FIXED_KEYS,
    SCENARIO_KEYS,
    TABLES,
    sections,
    table_keys,
    target,
)
from binding_sim.errors import ConfigError
from binding_sim.plot.figures import analysis_axis, load_analysis_experiment

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = ROOT / "experiments"

EXPERIMENT = """[experiment]
name = "{name}"
scenario = "krickovic2016"
reps = 10
horizon = 5
seed = 1
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ the loader
def test_a_syntax_error_reads_the_same_in_every_kind_of_file(tmp_path: Path) -> None:
    text = '[experiment\nscenario = "krickovic2016"\n'
    path = write(tmp_path / "broken.toml", text)
    messages = []
    for load in (Scenario.load, Experiment.load, load_analysis_file):
        with pytest.raises(ConfigError) as info:
            load(path)
        messages.append(str(info.value))
    assert messages[0] == messages[1] == messages[2]
    assert messages[0] == (
        f"{path}: (syntax) = '[experiment': malformed TOML: Expected ']' at the end of a "
        "table declaration (at line 1, column 12)"
    )


def test_missing_files_name_what_was_missing(tmp_path: Path) -> None:
    gone = tmp_path / "gone.toml"
    with pytest.raises(ConfigError, match=r"\(file\) = .*: file not found$"):
        Scenario.load(gone)
    with pytest.raises(ConfigError, match=r"\(file\) = .*: experiment file not found$"):
        Experiment.load(gone)
    with pytest.raises(ConfigError, match=r"\(file\) = .*: experiment file not found$"):
        load_analysis_file(gone)


@pytest.mark.parametrize(
    ("grid", "line"),
    [
        ("grid = { actors.*.relative_gains = [0.5, 1.0] }", 10),
        ('grid = { "trust.building_rate" = [0.1], actors.*.incident_rate = [0.0] }', 10),
    ],
)
def test_unquoted_star_key_gets_the_hint_to_quote_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], grid: str, line: int
) -> None:
    path = write(
        tmp_path / "e.toml", EXPERIMENT.format(name="e") + '\n[design]\nkind = "grid"\n' + grid
    )
    key = "actors.*.relative_gains" if "relative" in grid else "actors.*.incident_rate"
    with pytest.raises(ConfigError) as info:
        Experiment.load(path)
    assert str(info.value) == (
        f"{path}: {key} = {grid!r}: a key holding '*' must be quoted in TOML: "
        f'"{key}" = [...] (line {line})'
    )
    assert main(["sweep", str(path), "--workers", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f'"{key}" = [...]' in err[0]


def test_quoted_star_key_still_loads(tmp_path: Path) -> None:
    grid = 'grid = { "actors.*.relative_gains" = [0.5, 1.0] }'
    path = write(
        tmp_path / "e.toml", EXPERIMENT.format(name="e") + '\n[design]\nkind = "grid"\n' + grid
    )
    assert Experiment.load(path).n_cells == 2


# -------------------------------------------------------- the experiment name
@pytest.mark.parametrize(
    "name", ["../../x", "/tmp/abs", ".", "..", "a/b", "a\\b", "", " x", "x\n"]
)
def test_experiment_name_must_be_a_plain_file_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    text = EXPERIMENT.replace('name = "{name}"', f"name = {name!r}".replace("'", '"'))
    if "\n" in name:
        text = EXPERIMENT.replace('name = "{name}"', 'name = "x\\n"')
    path = write(tmp_path / "exp" / "e.toml", text)
    with pytest.raises(ConfigError) as info:
        Experiment.load(path)
    assert str(info.value) == (
        f"{path}: experiment.name = {name!r}: must be a plain file name "
        "(letters, digits, '-', '_', '.'; not '.' or '..')"
    )
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["sweep", str(path), "--workers", "1"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written anywhere
    assert list(work.iterdir()) == []


def test_plain_names_load_and_default_to_sweeps_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "e.toml", EXPERIMENT.format(name="run-2_v1.0"))
    assert Experiment.load(path).name == "run-2_v1.0"
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", str(path), "--workers", "1", "--quiet"]) == 0
    assert capsys.readouterr().out.strip() == "sweeps/run-2_v1.0/results.parquet"
    # an explicit --out may go anywhere, outside sweeps/ too
    elsewhere = tmp_path / "a" / ".." / "elsewhere"
    assert main(["sweep", str(path), "--workers", "1", "--quiet", "--out", str(elsewhere)]) == 0
    assert (tmp_path / "elsewhere" / "results.csv").is_file()


# ------------------------------------------------------ analysis-only files
def copy_experiment(tmp_path: Path, name: str, edit: Any = None) -> Path:
    """A copy of experiments/NAME.toml (and its script), optionally edited as parsed TOML."""
    raw = tomllib.loads((EXPERIMENTS / f"{name}.toml").read_text(encoding="utf-8"))
    if edit is not None:
        edit(raw)
    lines = []
    for head, table in raw.items():
        lines.append(f"[{head}]")
        for key, value in table.items():
            lines.append(f"{key} = {_toml(value)}")
    path = write(tmp_path / f"{name}.toml", "\n".join(lines) + "\n")
    shutil.copy(EXPERIMENTS / f"{name}.py", tmp_path / f"{name}.py")
    return path


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, dict):
        return "{ " + ", ".join(f'"{k}" = {_toml(v)}' for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


def test_shipped_analysis_files_load_as_before() -> None:
    """The thin figures loaders give what the TOML and the preset give."""
    for name in ("catch22_map", "strategy_evolution"):
        path = EXPERIMENTS / f"{name}.toml"
        raw, scenario = load_analysis_experiment(path)
        assert raw == tomllib.loads(path.read_text(encoding="utf-8"))
        assert scenario == Scenario.load("krickovic2016")  # no `set` in either file
    loaded = load_analysis_file(
        EXPERIMENTS / "strategy_evolution.toml",
        keys=(
            "experiment.turns",
            "experiment.noise",
            "experiment.trust",
            "experiment.players",
            "experiment.arrangements",
            "ranking.arrangement",
            "ranking.relative_gains",
        ),
    )
    assert loaded.values["experiment.turns"] == 200
    assert loaded.values["experiment.trust"] is None  # absent: the default
    assert loaded.values["ranking.relative_gains"] == [0.5, 5.0]


def test_analysis_axis_values() -> None:
    spec = {"start": 0.0, "stop": 3.0, "num": 91}
    full = analysis_axis(
        spec, quick=False, quick_num=21, source="f", key="actors.*.relative_gains"
    )
    quick = analysis_axis(
        spec, quick=True, quick_num=21, source="f", key="actors.*.relative_gains"
    )
    np.testing.assert_array_equal(full, np.linspace(0.0, 3.0, 91))
    np.testing.assert_array_equal(quick, np.linspace(0.0, 3.0, 21))
    listed = analysis_axis([0.5, 1], quick=True, quick_num=1, source="f", key="trust.erosion_rate")
    np.testing.assert_array_equal(listed, np.array([0.5, 1.0]))
    with pytest.raises(ConfigError, match=r"^f: design\.grid\.trust\.erosion_rate = 'x': must be"):
        analysis_axis("x", quick=False, quick_num=2, source="f", key="trust.erosion_rate")
    with pytest.raises(ConfigError, match=r"erosion_rate = 1\.5: must be a number in \[0, 1\]"):
        analysis_axis([0.5, 1.5], quick=False, quick_num=2, source="f", key="trust.erosion_rate")


def _set(path: tuple[str, ...], value: Any) -> Any:
    def edit(raw: dict[str, Any]) -> None:
        node = raw
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value

    return edit


def _del(path: tuple[str, ...]) -> Any:
    def edit(raw: dict[str, Any]) -> None:
        node = raw
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]

    return edit


BAD_ANALYSIS = [
    (
        "catch22_map",
        _set(("experiment", "sceanrio"), "krickovic2016"),
        "experiment.sceanrio = 'krickovic2016': unknown key; allowed here: name, description, "
        "scenario, set (did you mean 'scenario'?)",
    ),
    (
        "catch22_map",
        _set(
            ("design", "grid"), {"actors.*.initial_trust": {"start": 0.0, "stop": 1.5, "num": 4}}
        ),
        "design.grid.actors.*.initial_trust = 1.5: must be a number in [0, 1]",
    ),
    (
        "catch22_map",
        _set(
            ("design", "grid"), {"actors.*.initial_trust": {"start": 0.0, "stop": 1.0, "num": "4"}}
        ),
        "design.grid.actors.*.initial_trust.num = '4': must be an integer >= 1 (empty range)",
    ),
    (
        "catch22_map",
        _set(("design", "kind"), "lhs"),
        "design.kind = 'lhs': an analysis-only file has a grid only: must be 'grid'",
    ),
    (
        "catch22_map",
        _set(("ranking", "arrangement"), "formal"),
        "ranking = {'arrangement': 'formal'}: unknown section; allowed: [experiment], [design]",
    ),
    (
        "catch22_map",
        _del(("experiment", "scenario")),
        "experiment.scenario = (missing): required key is missing; must be a non-empty string",
    ),
    (
        "strategy_evolution",
        _set(("experiment", "turns"), 0),
        "experiment.turns = 0: must be an integer in [1, 1e+06]",
    ),
    (
        "strategy_evolution",
        _set(("experiment", "noise"), "high"),
        "experiment.noise = 'high': must be a number in [0, 1]",
    ),
    (
        "strategy_evolution",
        _set(("ranking", "relative_gains"), [0.5, -1.0]),
        "ranking.relative_gains = [0.5, -1.0]: must be a number in [0, 1e+06] (element -1.0)",
    ),
    (
        "strategy_evolution",
        _set(("ranking", "arrangement"), "fromal"),
        "ranking.arrangement = 'fromal': unknown arrangement; the scenario defines formal, "
        "md_transparency, interceptor_caps, buffer_zone (did you mean 'formal'?)",
    ),
    (
        "strategy_evolution",
        _del(("ranking", "arrangement")),
        "ranking.arrangement = (missing): required key is missing; must be a non-empty string",
    ),
]


@pytest.mark.parametrize(("name", "edit", "message"), BAD_ANALYSIS)
def test_analysis_file_errors_are_one_line_naming_file_and_key(
    tmp_path: Path, name: str, edit: Any, message: str
) -> None:
    path = copy_experiment(tmp_path, name, edit)
    proc = subprocess.run(
        [sys.executable, str(tmp_path / f"{name}.py"), "--quick", "--out", str(tmp_path / "f")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [f"error: {path}: {message}"]
    assert not (tmp_path / "f").exists()


# ------------------------------------------------------------------ structure
def test_schema_places_keys_in_the_scenario() -> None:
    assert sections() == (
        "scenario",
        "trust",
        "actors",
        "arrangements",
        "protocols",
        "decisions",
        "power",
        "ladder_design",
        "partners",
    )
    assert target("power.conversion_rate") == ("power", "conversion_rate")
    assert target("actors.NATO.war_cost") == ("actors[NATO]", "war_cost")
    assert target("scenario.threat_dilution") == ("threat_dilution",)
    assert target("partners.names") is None  # analysis only: a design cannot vary it
    assert target("trust.building_rate") == ("building_rate",)
    assert target("actors.NATO.incident_rate") == ("actors[NATO]", "incident_rate")
    assert target("arrangements.formal.payoffs.R") == ("arrangements[formal]", "payoffs[]", "R")
    assert target("arrangements.x.payoffs.NATO.T") == ("arrangements[x]", "payoffs[NATO]", "T")
    assert target("arrangements.x.effects.cap_factor") == ("arrangements[x]", "cap_factor")
    assert target("protocols.piecemeal.setback") == ("setback",)
    assert target("scenario.name") is None and target("no.such") is None
    # what a table may hold, as the validator reads it: the formal treaty has no effects
    assert table_keys("arrangements.*", "formal") == ["scope", "trust_weight", "mover", "payoffs"]
    assert table_keys("arrangements.*", "rung") == [
        "scope",
        "trust_weight",
        "mover",
        "payoffs",
        "effects",
    ]
    assert table_keys("arrangements.*.effects") == ["transparency_gain", "cap_factor"]
    sc = Scenario.load("krickovic2016")
    for key in ("scenario.horizon", "trust.recovery_rate", "actors.Russia.decision_precision"):
        node: Any = sc
        steps = target(key)
        assert steps is not None
        for step in steps:
            attr, _, sel = step.partition("[")
            node = getattr(node, attr)
            if sel:
                node = next(a for a in node if a.name == sel[:-1])
        assert (
            node
            == {
                "scenario.horizon": 200,
                "trust.recovery_rate": 0.0,
                "actors.Russia.decision_precision": float("inf"),
            }[key]
        )
    # every table's keys are in the schema, and every key in a table
    patterns = {t.pattern for t in TABLES}
    assert all(k.rsplit(".", 1)[0] in patterns for k in SCENARIO_KEYS)
    assert FIXED_KEYS <= set(SCENARIO_KEYS)


# ------------------------------------------------------- cells built cheaply
PER_ACTOR = {
    "scenario": {"horizon": 30},
    "actors": {"A": {"relative_gains": 0.5}, "B": {"initial_trust": 0.4}},
    "arrangements": {
        "formal": {"payoffs": {"R": 6.0, "S": -2.0, "T": 2.0}},
        "rung": {
            "payoffs": {
                "A": {"R": 1.0, "S": -0.2, "T": 0.2},
                "B": {"R": 1.5, "S": -0.3, "T": 0.3},
            },
            "effects": {"transparency_gain": 0.1},
        },
        "twin": {  # per-actor tables that happen to be equal
            "trust_weight": 2.0,
            "payoffs": {
                "A": {"R": 1.0, "S": -0.2, "T": 0.2},
                "B": {"R": 1.0, "S": -0.2, "T": 0.2},
            },
        },
    },
    "protocols": {"piecemeal": {"ladder": ["rung", "twin"], "setback": 1}},
}

_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "trust.building_rate": st.sampled_from([0.0, 0.1, 0.4, 0.6, 1.0]),
    "trust.erosion_rate": st.floats(0.0, 1.0),
    "scenario.horizon": st.integers(1, 50),
    "scenario.common_threat": st.floats(0.0, 5.0),
    "actors.*.incident_rate": st.floats(0.0, 1.0),
    "actors.A.relative_gains": st.floats(0.0, 4.0),
    "actors.B.decision_precision": st.sampled_from([0.0, 1.5, float("inf")]),
    "arrangements.formal.trust_weight": st.sampled_from([0.5, 1.0, 2.0, 5.0]),
    "arrangements.formal.payoffs.R": st.floats(-3.0, 9.0),
    "arrangements.formal.scope": st.sampled_from([1.0, 0.5]),
    "arrangements.rung.payoffs.B.S": st.floats(-1.0, 0.0),
    "arrangements.rung.effects.cap_factor": st.floats(0.1, 1.0),
    "arrangements.twin.payoffs.R": st.floats(0.5, 2.0),  # wrong shape for the raw table
    "arrangements.twin.trust_weight": st.sampled_from([1.0, 2.0, 3.0]),
    "protocols.piecemeal.setback": st.integers(0, 2),
    "protocols.piecemeal.ladder": st.sampled_from([["rung"], ["twin", "rung"], ["formal"]]),
}


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.dictionaries(
        st.sampled_from(sorted(_VALUES)), st.just(None), min_size=1, max_size=4
    ).flatmap(lambda keys: st.fixed_dictionaries({k: _VALUES[k] for k in keys}))
)
def test_cell_builder_agrees_with_full_validation(point: dict[str, Any]) -> None:
    """A second method: ``with_values`` deep-copies and validates the whole scenario."""
    base = Scenario.from_dict(copy.deepcopy(PER_ACTOR), source="base.toml")
    try:
        expected = base.with_values(point)
    except ConfigError as exc:
        with pytest.raises(ConfigError) as info:
            CellBuilder(base).build(point)
        assert (info.value.key, info.value.value, info.value.allowed) == (
            exc.key,
            exc.value,
            exc.allowed,
        )
        with pytest.raises(ConfigError):
            CellBuilder(base).check(point)
        return
    got = CellBuilder(base).build(point)
    assert got == expected
    assert got.raw == expected.raw
    assert got.to_dict() == expected.to_dict()
    assert base == Scenario.from_dict(copy.deepcopy(PER_ACTOR), source="base.toml")  # untouched
