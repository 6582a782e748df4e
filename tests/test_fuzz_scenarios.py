"""Fuzzing the scenario loader: bad input is a one-line ConfigError, never a traceback.

Issue 8, item 1. Every generated document either loads (and then analyses
without NaN or inf) or raises :class:`binding_sim.errors.ConfigError` whose
message is one line naming the offending dotted key; no other exception may
escape :meth:`Scenario.from_dict`, :meth:`Scenario.load` or
:meth:`Scenario.with_overrides`.

CI runs a fixed, derandomised number of examples per property (the counts in
:data:`CI_EXAMPLES`; see ``docs/reliability.md``). Set
``BINDING_SIM_FUZZ_EXAMPLES=N`` to run the ``slow`` profile with ``N``
examples per property as well.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from fuzz_strategies import (
    Mutation,
    broken_scenarios,
    experiment_texts,
    override_strings,
    raw_text_cases,
    scenario_texts,
    to_toml,
    valid_scenarios,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from binding_sim.analysis import analyze
from binding_sim.config.experiment import Experiment
from binding_sim.config.scenario import Scenario
from binding_sim.errors import BindingSimError, ConfigError

CI_EXAMPLES = {
    "valid": 150,
    "broken": 600,
    "text": 250,
    "raw_text": 60,
    "overrides": 300,
    "experiments": 150,
}
"""Examples per property in CI (1,510 loader cases in all, plus the hand-written ones)."""

_SLOW_N = int(os.environ.get("BINDING_SIM_FUZZ_EXAMPLES", "0") or 0)
_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def ci(name: str) -> Any:
    return settings(
        max_examples=CI_EXAMPLES[name],
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=_HEALTH,
    )


slow = pytest.mark.skipif(_SLOW_N <= 0, reason="set BINDING_SIM_FUZZ_EXAMPLES=N to run")
slow_settings = settings(
    max_examples=max(_SLOW_N, 1),
    deadline=None,
    derandomize=False,
    database=None,
    suppress_health_check=_HEALTH,
)


# --------------------------------------------------------------------- checks
def _related(a: str, b: str) -> bool:
    """Whether dotted keys ``a`` and ``b`` are equal or one encloses the other."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def assert_one_line_naming_key(exc: BaseException) -> None:
    """The error is a ConfigError with a one-line message that names its key."""
    assert isinstance(exc, ConfigError), f"{type(exc).__name__}: {exc}"
    msg = str(exc)
    assert msg.strip()
    assert len(msg.splitlines()) == 1, msg
    assert exc.key and _escaped(exc.key) in msg, msg
    assert exc.allowed and _escaped(exc.allowed) in msg, msg


def _escaped(text: str) -> str:
    """``text`` with the characters ``str.splitlines`` breaks on written as escapes."""
    return "".join(repr(c)[1:-1] if len(("a" + c + "a").splitlines()) > 1 else c for c in text)


def assert_finite_analysis(scenario: Scenario) -> None:
    """``analyze`` works and every number it reports is finite (or None)."""
    result = analyze(scenario)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, (list, tuple)):
            for v in node:
                walk(v)
        elif isinstance(node, float):
            assert math.isfinite(node), result

    walk(result)


def check_valid(raw: dict[str, Any]) -> None:
    sc = Scenario.from_dict(raw)
    assert sc.actor_names == tuple(raw["actors"])
    assert next(iter(sc.arrangements)) == "formal"
    # the fully resolved form loads back to the same scenario
    again = Scenario.from_dict(sc.to_dict())
    assert again.to_dict() == sc.to_dict()
    assert_finite_analysis(sc)


def check_broken(case: tuple[dict[str, Any], Mutation]) -> None:
    raw, mutation = case
    try:
        sc = Scenario.from_dict(raw, source="fuzz.toml")
    except BindingSimError as exc:
        assert_one_line_naming_key(exc)
        assert "fuzz.toml" in str(exc)
        if mutation.must_fail:
            # the message names the mutated key or its table (cross-key rules such as
            # lambda * w <= 1 name the other key of the same scenario section)
            assert _related(exc.key, mutation.key) or (
                exc.key.split(".")[0] == mutation.key.split(".")[0]
            ), (exc.key, mutation)
        return
    assert not mutation.must_fail, f"accepted an invalid scenario: {mutation}"
    assert_finite_analysis(sc)


def check_text(text: str, folder: Path) -> None:
    path = folder / "fuzz.toml"
    path.write_text(text, encoding="utf-8")
    try:
        sc = Scenario.load(path)
    except BindingSimError as exc:
        assert_one_line_naming_key(exc)
        assert str(path) in str(exc)
        return
    assert_finite_analysis(sc)


_PRESET = Scenario.load("krickovic2016")


def check_overrides(overrides: list[str]) -> None:
    for load in (
        lambda: Scenario.load("krickovic2016", overrides),
        lambda: _PRESET.with_overrides(overrides),
    ):
        try:
            sc = load()
        except BindingSimError as exc:
            assert_one_line_naming_key(exc)
            continue
        assert_finite_analysis(sc)


# ------------------------------------------------------------------ CI profile
@ci("valid")
@given(valid_scenarios())
def test_valid_scenarios_load_and_analyse(raw: dict[str, Any]) -> None:
    check_valid(raw)


@ci("broken")
@given(broken_scenarios())
def test_broken_scenarios_fail_with_one_line_naming_the_key(
    case: tuple[dict[str, Any], Mutation],
) -> None:
    check_broken(case)


@ci("text")
@given(scenario_texts())
def test_scenario_files_load_or_fail_cleanly(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        check_text(text, Path(folder))


@ci("overrides")
@given(st.lists(override_strings(), min_size=1, max_size=3))
def test_set_overrides_apply_or_fail_cleanly(overrides: list[str]) -> None:
    check_overrides(overrides)


@ci("experiments")
@given(experiment_texts())
def test_experiment_files_load_or_fail_cleanly(text: str) -> None:
    """Experiment files follow the same rule, checked before any work starts."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "experiment.toml"
        path.write_text(text, encoding="utf-8")
        try:
            exp = Experiment.load(path)
        except BindingSimError as exc:
            assert_one_line_naming_key(exc)
            assert str(path) in str(exc)
            return
        assert exp.n_cells >= 1 and exp.reps >= 1


# -------------------------------------------------------------- slow profile
@pytest.mark.slow
@slow
@slow_settings
@given(broken_scenarios())
def test_broken_scenarios_slow(case: tuple[dict[str, Any], Mutation]) -> None:
    check_broken(case)


@pytest.mark.slow
@slow
@slow_settings
@given(scenario_texts())
def test_scenario_files_slow(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        check_text(text, Path(folder))


@pytest.mark.slow
@slow
@slow_settings
@given(st.lists(override_strings(), min_size=1, max_size=3))
def test_set_overrides_slow(overrides: list[str]) -> None:
    check_overrides(overrides)


# ------------------------------------------------------- hand-written edge cases
_BASE = """\
[actors.NATO]
relative_gains = 1.0
[actors.Russia]
[arrangements.formal]
payoffs = { R = 6.0, S = -2.0, T = 2.0 }
"""


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        # TOML forbids duplicate keys, so a duplicated actor is a syntax error naming it
        (_BASE + "[actors.NATO]\nincident_rate = 0.1\n", "NATO"),
        (
            _BASE.replace("relative_gains = 1.0", "relative_gains = 1.0\nrelative_gains = 2.0"),
            "relative_gains",
        ),
        (_BASE + "[actors.Nato]\n", "actors"),
        (_BASE.replace("R = 6.0", "R = nan"), "arrangements.formal.payoffs.R"),
        (_BASE.replace("R = 6.0", "R = inf"), "arrangements.formal.payoffs.R"),
        (
            _BASE.replace("relative_gains = 1.0", "relative_gains = -inf"),
            "actors.NATO.relative_gains",
        ),
        (
            _BASE.replace("relative_gains = 1.0", "relative_gains = 1e308"),
            "actors.NATO.relative_gains",
        ),
        (_BASE.replace("R = 6.0", "R = 1e300"), "arrangements.formal.payoffs.R"),
        (_BASE + "[protocols.piecemeal]\nladder = []\n", "protocols.piecemeal.ladder"),
        (_BASE + "[protocols.piecemeal]\nladder = ['formal']\n", "protocols.piecemeal.ladder"),
        (_BASE + "[scenario]\nhorizon = 2.5\n", "scenario.horizon"),
        (_BASE + "[scenario]\nhorizon = 0\n", "scenario.horizon"),
        (_BASE + "[scenario]\nhorizon = 1979-05-27\n", "scenario.horizon"),
        (_BASE + "[trust]\nbuilding_rate = nan\n", "trust.building_rate"),
        (_BASE + "[trust]\nmodel = 'bayes'\n", "trust.model"),
        (_BASE + "[trust]\nbuilding_rat = 0.1\n", "trust.building_rat"),
        (_BASE.replace("NATO", '"ñãtø 北约 🛡"'), "formal"),
        ("", "actors"),
        ("\ufeff" + _BASE, "(syntax)"),
        ("x = " + "[" * 5000 + "]" * 5000, "(syntax)"),
    ],
)
def test_hand_written_cases(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "case.toml"
    path.write_text(text, encoding="utf-8")
    try:
        sc = Scenario.load(path)
    except BindingSimError as exc:
        assert_one_line_naming_key(exc)
        assert needle in str(exc)
        return
    # only the unicode-name case is valid
    assert "北约" in sc.actor_names[0]


def test_non_utf8_file_is_a_clean_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"[scenario]\nname = '\xe9t\xe9'\n")
    with pytest.raises(ConfigError, match="cannot read"):
        Scenario.load(path)


def test_directory_and_missing_file_are_clean_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        Scenario.load(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="cannot read"):
        Scenario.load(tmp_path)


def test_huge_valid_ladder_loads() -> None:
    names = [f"rung_{i}" for i in range(300)]
    doc = {
        "actors": {"A": {}, "B": {}},
        "arrangements": {
            "formal": {"payoffs": {"R": 6.0, "S": -2.0, "T": 2.0}},
            **{n: {"payoffs": {"R": 1.0, "S": -0.1, "T": 0.1}} for n in names},
        },
        "protocols": {"piecemeal": {"ladder": names}},
    }
    sc = Scenario.from_dict(Scenario.from_dict(doc).to_dict())
    assert sc.ladder == tuple(names)
    assert to_toml(doc).count("rung_") == 2 * len(names)


@ci("raw_text")
@given(raw_text_cases())
def test_raw_text_cases_never_escape(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        check_text(text, Path(folder))
