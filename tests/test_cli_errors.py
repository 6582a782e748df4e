"""Bad inputs to the scenario loader and the CLI: one line on stderr naming what is wrong, exit 2.

Each case edits the 2016 preset's TOML (or the command line) in one place and
checks that the message names the file (or the override), the dotted key, the
value given and what is allowed.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from binding_sim.cli import main
from binding_sim.config.scenario import Scenario
from binding_sim.errors import ConfigError

# (id, (old, new) replacement in the preset text, substrings the message must hold)
FILE_CASES: list[tuple[str, tuple[str, str], list[str]]] = [
    (
        "typo_in_key",
        ("building_rate = 0.10", "bulding_rate = 0.10"),
        ["trust.bulding_rate", "0.1", "unknown key", "did you mean 'building_rate'?"],
    ),
    (
        "wrong_type",
        ("horizon = 200", 'horizon = "long"'),
        ["scenario.horizon", "'long'", "must be an integer in [1, "],
    ),
    (
        "float_for_integer",
        ("horizon = 200", "horizon = 200.5"),
        ["scenario.horizon", "200.5", "must be an integer"],
    ),
    (
        "negative_rate",
        ("erosion_rate = 0.50", "erosion_rate = -0.5"),
        ["trust.erosion_rate", "-0.5", "must be a number in [0, 1]"],
    ),
    (
        "probability_above_one",
        ("initial_trust = 0.5      # tau_0: post", "initial_trust = 1.5      # tau_0: post"),
        ["actors.NATO.initial_trust", "1.5", "must be a number in [0, 1]"],
    ),
    (
        "nan",
        ("common_threat = 0.0", "common_threat = nan"),
        ["scenario.common_threat", "nan", "NaN is not allowed"],
    ),
    (
        "missing_formal",
        ("[arrangements.formal]", "[arrangements.formall]"),
        ["arrangements.formal", "(missing)", "is required", "did you mean 'formall'?"],
    ),
    (
        "ladder_unknown_arrangement",
        ('ladder = ["md_transparency"', 'ladder = ["md_transparancy"'),
        [
            "protocols.piecemeal.ladder",
            "'md_transparancy'",
            "unknown arrangement",
            "did you mean 'md_transparency'?",
        ],
    ),
    (
        "duplicate_rung",
        ('"buffer_zone"]', '"md_transparency"]'),
        ["protocols.piecemeal.ladder", "'md_transparency'", "may appear once"],
    ),
    (
        "malformed_toml",
        ("[trust]", "[trust"),
        ["(syntax)", "malformed TOML", "line "],
    ),
    (
        "three_actors",
        ("[arrangements.formal]", "[actors.China]\nrelative_gains = 1.0\n\n[arrangements.formal]"),
        ["actors", "'China'", "exactly two actors", "got 3"],
    ),
    (
        "lambda_times_w_above_one",
        ("trust_weight = 1.0       # observed", "trust_weight = 20.0       # observed"),
        [
            "arrangements.md_transparency.trust_weight",
            "20.0",
            "building_rate * trust_weight must be <= 1",
        ],
    ),
    (
        "per_actor_payoffs_unknown_actor",
        (
            "payoffs = { R = 1.5, S = -0.4, T = 0.4, P = 0.0 }",
            "payoffs.NATO = { R = 1.5, S = -0.4, T = 0.4 }\n"
            "payoffs.Russa = { R = 1.5, S = -0.4, T = 0.4 }",
        ),
        ["arrangements.buffer_zone.payoffs.Russa", "one table per actor (NATO, Russia)"],
    ),
    (
        "zero_cap_factor",
        ("cap_factor = 0.5", "cap_factor = 0.0"),
        ["arrangements.interceptor_caps.effects.cap_factor", "0.0", "must be a number in (0, 1]"],
    ),
    (
        "formal_scope_not_one",
        ("scope = 1.0              # the comprehensive", "scope = 0.5 #"),
        ["arrangements.formal.scope", "0.5", "scope 1"],
    ),
    (
        "missing_payoff",
        (
            "payoffs = { R = 1.0, S = -0.2, T = 0.2, P = 0.0 }",
            "payoffs = { S = -0.2, T = 0.2, P = 0.0 }",
        ),
        ["arrangements.md_transparency.payoffs.R", "(missing)", "required"],
    ),
    (
        "negative_infinite_precision",
        (
            "decision_precision = inf # beta: best-responding actors (deterministic",
            "decision_precision = -inf # (",
        ),
        ["actors.NATO.decision_precision", "-inf", "must be a number >= 0 (inf allowed)"],
    ),
    (
        "reserved_key",
        ("[scenario]", '__overrides__ = { "trust.erosion_rate" = "x" }\n\n[scenario]'),
        ["__overrides__", "unknown key; allowed here: scenario, trust"],
    ),
    (
        "unknown_section",
        ("[protocols.piecemeal]", "[protocol.piecemeal]"),
        ["protocol", "unknown key", "did you mean 'protocols'?"],
    ),
]


def _edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"the preset no longer contains {old!r} exactly once"
    return text.replace(old, new)


def _one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("binding-sim: error: ")
    return lines[0]


@pytest.mark.parametrize(
    ("edit", "expected"), [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES]
)
def test_bad_scenario_file(
    edit: tuple[str, str],
    expected: list[str],
    krickovic_text: str,
    write_scenario: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write_scenario(_edit(krickovic_text, *edit), "bad")
    status = main(["analyze", str(path), "--json"])
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    line = _one_error_line(err)
    assert str(path) in line  # the file
    for part in expected:
        assert part in line, (part, line)
    # the Python API raises the same message
    with pytest.raises(ConfigError) as info:
        Scenario.load(path)
    assert str(info.value) in line


# (id, argv, substrings)
ARG_CASES: list[tuple[str, list[str], list[str]]] = [
    (
        "set_without_equals",
        ["analyze", "krickovic2016", "--set", "trust.building_rate"],
        ["--set trust.building_rate", "expected dotted.key=value"],
    ),
    (
        "set_unknown_key",
        ["analyze", "krickovic2016", "--set", "trust.bilding_rate=0.2"],
        [
            "--set trust.bilding_rate=0.2",
            "trust.bilding_rate = 0.2",
            "unknown key",
            "did you mean 'building_rate'?",
        ],
    ),
    (
        "set_wrong_type",
        ["analyze", "krickovic2016", "--set", "trust.building_rate=abc"],
        ["--set trust.building_rate=abc", "trust.building_rate = 'abc'", "in [0, 1]"],
    ),
    (
        "set_out_of_range_both_actors",
        ["analyze", "krickovic2016", "--set", "actors.*.initial_trust=1.2"],
        ["--set actors.*.initial_trust=1.2", "actors.NATO.initial_trust = 1.2", "in [0, 1]"],
    ),
    (
        "set_star_outside_actors",
        ["analyze", "krickovic2016", "--set", "arrangements.*.scope=0.5"],
        ["--set arrangements.*.scope=0.5", "arrangements.*.scope", "only allowed as actors.*.KEY"],
    ),
    (
        "set_star_without_key",
        ["analyze", "krickovic2016", "--set", "actors.*=3"],
        ["--set actors.*=3", "actors.NATO = 3", "must be a table"],
    ),
    (
        "set_unknown_actor",
        ["analyze", "krickovic2016", "--set", "actors.Russa.relative_gains=2"],
        ["--set actors.Russa.relative_gains=2", "actors.Russa", "did you mean 'Russia'?"],
    ),
    (
        "set_empty_value",
        ["analyze", "krickovic2016", "--set", "trust.building_rate="],
        ["--set trust.building_rate=", "a value is required"],
    ),
    (
        "set_lambda_breaks_weight_rule",
        [
            "analyze",
            "krickovic2016",
            "--set",
            "trust.building_rate=0.5",
            "--set",
            "arrangements.buffer_zone.trust_weight=3",
        ],
        [
            "--set arrangements.buffer_zone.trust_weight=3",
            "arrangements.buffer_zone.trust_weight = 3.0",
            "building_rate * trust_weight must be <= 1 (building_rate = 0.5)",
        ],
    ),
    (
        "unknown_preset",
        ["analyze", "krickovic2015"],
        ["scenario = 'krickovic2015'", "neither a preset", "did you mean 'krickovic2016'?"],
    ),
    (
        "show_unknown_preset",
        ["show", "krickovic"],
        ["scenario = 'krickovic'", "unknown preset", "krickovic2016"],
    ),
    (
        "missing_file",
        ["analyze", "no/such/scenario.toml"],
        ["no/such/scenario.toml", "file not found"],
    ),
    (
        "missing_argument",
        ["analyze"],
        ["analyze", "required: SCENARIO"],
    ),
]


@pytest.mark.parametrize(
    ("argv", "expected"), [c[1:] for c in ARG_CASES], ids=[c[0] for c in ARG_CASES]
)
def test_bad_command_line(
    argv: list[str], expected: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    line = _one_error_line(err)
    for part in expected:
        assert part in line, (part, line)


def test_overrides_are_not_half_applied(krickovic: Scenario) -> None:
    # the second override fails: the scenario object is untouched and nothing leaks
    with pytest.raises(ConfigError):
        krickovic.with_overrides(["trust.building_rate=0.3", "trust.erosion_rate=2"])
    assert krickovic.building_rate == 0.10
    assert Scenario.load("krickovic2016").building_rate == 0.10


def test_there_are_at_least_fifteen_distinct_bad_inputs() -> None:
    assert len(FILE_CASES) + len(ARG_CASES) >= 15


def _binding_sim() -> str:
    exe = Path(sys.executable).with_name("binding-sim")
    if not exe.exists():
        pytest.skip("binding-sim console script not installed next to the interpreter")
    return str(exe)


@pytest.mark.parametrize(
    "argv",
    [["analyze", "krickovic2016", "--set", "trust.erosion_rate=-1"]],
)
def test_real_subprocess_prints_one_line_and_exits_2(argv: list[str]) -> None:
    proc = subprocess.run(
        [_binding_sim(), *argv], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.endswith("\n")
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("binding-sim: error: ")


def test_malformed_toml_through_subprocess(tmp_path: Path) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text("[scenario\nname = 'x'\n", encoding="utf-8")
    proc = subprocess.run(
        [_binding_sim(), "analyze", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert str(bad) in proc.stderr and "malformed TOML" in proc.stderr
    assert "Traceback" not in proc.stderr
