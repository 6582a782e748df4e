"""Experiment files: keys, defaults, overrides, scenario paths and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from binding_sim.config.experiment import EXPERIMENT_KEYS, SEED_MAX, Experiment
from binding_sim.config.scenario import Scenario, preset_path
from binding_sim.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


CONTRACT_EXAMPLE = """
[experiment]
name = "trust_rate_sweep"
description = "lambda against incidents"
scenario = "krickovic2016"
protocols = ["formal", "piecemeal"]
reps = 2000
horizon = 120
seed = 20161
set = { "trust.erosion_rate" = 0.3 }

[design]
kind = "grid"
grid = { "trust.building_rate" = { start = 0.01, stop = 0.3, num = 30 }, "actors.*.incident_rate" = [0.02, 0.05] }
"""


def test_contract_example(tmp_path: Path) -> None:
    exp = Experiment.load(write(tmp_path / "e.toml", CONTRACT_EXAMPLE))
    assert exp.name == "trust_rate_sweep"
    assert exp.description == "lambda against incidents"
    assert exp.protocols == ("formal", "piecemeal")
    assert (exp.reps, exp.seed, exp.seed_drawn) == (2000, 20161, False)
    assert exp.scenario.horizon == 120
    assert exp.scenario.erosion_rate == 0.3
    assert exp.n_cells == 60
    assert exp.design.params == ("trust.building_rate", "actors.*.incident_rate")
    # cell 3 = second building rate, second incident rate (first key slowest)
    assert exp.design.points[3] == {
        "trust.building_rate": 0.01 + (0.3 - 0.01) / 29,
        "actors.*.incident_rate": 0.05,
    }
    cell = exp.cell(3)
    assert [a.incident_rate for a in cell.actors] == [0.05, 0.05]
    assert cell.erosion_rate == 0.3  # fixed overrides survive in every cell


def test_defaults(tmp_path: Path) -> None:
    exp = Experiment.load(
        write(tmp_path / "plain.toml", '[experiment]\nscenario = "krickovic2016"\n')
    )
    preset = Scenario.load("krickovic2016")
    assert exp.name == "plain"
    assert exp.reps == EXPERIMENT_KEYS["experiment.reps"].default
    assert exp.protocols == ("formal", "piecemeal")  # the preset has a ladder
    assert exp.scenario.to_dict() == preset.to_dict()
    assert exp.n_cells == 1 and exp.design.params == ()
    assert exp.seed_drawn and 0 <= exp.seed <= SEED_MAX
    formal_only = Experiment.load(
        write(tmp_path / "f.toml", '[experiment]\nscenario = "exporting_security2010"\n')
    )
    assert formal_only.protocols == ("formal",)


def test_overrides_reps_seed_quick(tmp_path: Path) -> None:
    path = write(tmp_path / "e.toml", CONTRACT_EXAMPLE)
    assert Experiment.load(path, reps=5, seed=0).reps == 5
    assert Experiment.load(path, seed=0).seed == 0  # 0 is a seed, not "no seed"
    quick = Experiment.load(path, quick=True)
    assert quick.reps == EXPERIMENT_KEYS["experiment.quick_reps"].default
    assert Experiment.load(path, quick=True, reps=7).reps == 7


def test_scenario_path_is_relative_to_the_experiment_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = preset_path("krickovic2016").read_text(encoding="utf-8")
    write(tmp_path / "scen" / "mine.toml", text.replace("horizon = 200", "horizon = 77"))
    path = write(
        tmp_path / "exps" / "e.toml", '[experiment]\nscenario = "../scen/mine.toml"\nseed = 1\n'
    )
    monkeypatch.chdir(tmp_path / "scen")  # not where the path is resolved from
    exp = Experiment.load(path)
    assert exp.scenario.horizon == 77


def test_fingerprint_tracks_results_not_presentation(tmp_path: Path) -> None:
    a = Experiment.load(write(tmp_path / "a.toml", CONTRACT_EXAMPLE))
    renamed = CONTRACT_EXAMPLE.replace('"trust_rate_sweep"', '"other_name"')
    b = Experiment.load(write(tmp_path / "sub" / "b.toml", renamed))
    assert a.fingerprint() == b.fingerprint()
    assert Experiment.load(tmp_path / "a.toml", reps=3).fingerprint() != a.fingerprint()
    assert Experiment.load(tmp_path / "a.toml", seed=3).fingerprint() != a.fingerprint()
    changed = CONTRACT_EXAMPLE.replace("0.3 }\n", "0.4 }\n")
    c = Experiment.load(write(tmp_path / "c.toml", changed))
    assert c.fingerprint() != a.fingerprint()


def test_to_dict_is_resolved(tmp_path: Path) -> None:
    d = Experiment.load(write(tmp_path / "e.toml", CONTRACT_EXAMPLE)).to_dict()
    assert d["experiment"]["horizon"] == 120
    assert d["experiment"]["set"] == {"trust.erosion_rate": 0.3, "scenario.horizon": 120}
    assert d["design"]["cells"] == 60
    assert d["design"]["grid"]["actors.*.incident_rate"] == [0.02, 0.05]


BAD_EXPERIMENTS = [
    (
        "[experiment]\nreps = 10\n",
        "experiment.scenario = (missing): required key is missing; must be a non-empty string",
    ),
    (
        '[experiment]\nscenario = "krickovic2061"\n',
        "experiment.scenario = 'krickovic2061': neither a preset (exporting_security2010, exporting_security2010_guarantee, krickovic2016, kydd_reassurance) nor a path to a .toml file relative to the experiment file (did you mean 'krickovic2016'?)",
    ),
    (
        '[experiment]\nscenario = "nope/missing.toml"\n',
        "experiment.scenario = 'nope/missing.toml': scenario file not found: {dir}/nope/missing.toml",
    ),
    (
        '[experiment]\nscenario = "krickovic2016"\nreps = 0\n',
        "experiment.reps = 0: must be an integer in [1, 1e+09]",
    ),
    (
        '[experiment]\nscenario = "krickovic2016"\nrep = 10\n',
        "experiment.rep = 10: unknown key; allowed here: name, description, scenario, protocols, reps, horizon, seed, quick_reps, set (did you mean 'reps'?)",
    ),
    (
        '[experiment]\nscenario = "krickovic2016"\nprotocols = ["formal", "peicemeal"]\n',
        "experiment.protocols = 'peicemeal': unknown protocol; choose from formal, piecemeal (did you mean 'piecemeal'?)",
    ),
    (
        '[experiment]\nscenario = "exporting_security2010"\nprotocols = ["piecemeal"]\n',
        "experiment.protocols = ['piecemeal']: scenario 'exporting_security2010' has no piecemeal ladder ([protocols.piecemeal])",
    ),
    (
        '[experiment]\nscenario = "krickovic2016"\nseed = -1\n',
        "experiment.seed = -1: must be an integer in [0, 9.22337e+18]",
    ),
    (
        '[experiment]\nscenario = "krickovic2016"\nset = { "trust.erosion_rate" = 2 }\n',
        "experiment.set.trust.erosion_rate = 2: must be a number in [0, 1]",
    ),
    (
        '[experiment]\nscenario = "krickovic2016"\nhorizon = 0\n',
        "experiment.horizon = 0: must be an integer in [1, 1e+06]",
    ),
    (
        '[experiment]\nscenario = "krickovic2016"\n[desing]\nkind = "grid"\n',
        "desing = {'kind': 'grid'}: unknown section; allowed: [experiment], [design] (did you mean 'design'?)",
    ),
    ("[experiment\nscenario = 1\n", None),
]


@pytest.mark.parametrize(("text", "message"), BAD_EXPERIMENTS)
def test_bad_experiment_message(tmp_path: Path, text: str, message: str | None) -> None:
    path = write(tmp_path / "bad.toml", text)
    with pytest.raises(ConfigError) as info:
        Experiment.load(path)
    got = str(info.value)
    assert "\n" not in got
    if message is None:  # one loader for every file: the offending line is quoted
        assert got.startswith(f"{path}: (syntax) = '[experiment': malformed TOML")
    else:
        assert got == f"{path}: " + message.replace("{dir}", str(tmp_path))


def test_bad_overrides_name_the_option(tmp_path: Path) -> None:
    path = write(tmp_path / "e.toml", CONTRACT_EXAMPLE)
    with pytest.raises(ConfigError, match=r"^--reps: reps = 0: must be an integer"):
        Experiment.load(path, reps=0)
    with pytest.raises(ConfigError, match=r"^--seed: seed = -3: must be an integer"):
        Experiment.load(path, seed=-3)
    with pytest.raises(ConfigError, match="experiment file not found"):
        Experiment.load(tmp_path / "missing.toml")


def test_bad_scenario_file_names_the_scenario_file(tmp_path: Path) -> None:
    write(tmp_path / "s.toml", "[scenario]\nhorizon = -4\n")
    path = write(tmp_path / "e.toml", '[experiment]\nscenario = "s.toml"\n')
    with pytest.raises(ConfigError) as info:
        Experiment.load(path)
    assert str(info.value).startswith(f"{tmp_path / 's.toml'}: scenario.horizon = -4")


DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_docs_list_every_experiment_key() -> None:
    text = (DOCS / "sweeps.md").read_text(encoding="utf-8")
    for key in [*EXPERIMENT_KEYS, "experiment.set"]:
        assert f"| `{key.split('.', 1)[1]}` |" in text, key
    for key in ("kind", "grid", "points", "samples", "ranges"):
        assert f"| `{key}` |" in text, key


def test_example_experiment_file_loads() -> None:
    exp = Experiment.load(DOCS / "examples" / "example_sweep.toml")
    assert exp.name == "example_sweep"
    assert exp.n_cells == 15 * 3
    assert exp.design.points[1] == {"trust.building_rate": 0.02, "actors.*.incident_rate": 0.05}


def test_set_may_give_a_fixed_key_a_design_may_not(tmp_path: Path) -> None:
    text = (
        '[experiment]\nscenario = "kydd_reassurance"\nset = { "trust.model" = "linear" }\n'
        '[design]\nkind = "grid"\ngrid = { "actors.*.incident_rate" = [0.0, 0.1] }\n'
    )
    exp = Experiment.load(write(tmp_path / "e.toml", text))
    assert exp.scenario.trust_model == "linear"
    assert Scenario.load("kydd_reassurance").trust_model == "bayesian"
    # the same scenario as the preset with the one override, key for key
    assert exp.scenario == Scenario.load("kydd_reassurance", ["trust.model=linear"])
    bad = text.replace('"linear"', '"bayes"')
    with pytest.raises(ConfigError, match=r"experiment\.set\.trust\.model = 'bayes': "):
        Experiment.load(write(tmp_path / "bad.toml", bad))
    swept = (
        '[experiment]\nscenario = "kydd_reassurance"\n[design]\nkind = "grid"\n'
        'grid = { "trust.model" = ["linear", "bayesian"] }\n'
    )
    with pytest.raises(ConfigError, match="cannot be swept"):
        Experiment.load(write(tmp_path / "swept.toml", swept))
