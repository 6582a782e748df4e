"""``binding-sim analyze``, ``scenarios`` and ``show``: output shapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from binding_sim.cli import main
from binding_sim.config.scenario import Scenario
from binding_sim.serialize import dumps

CLASSES = {"harmony", "stag_hunt", "chicken", "prisoners_dilemma", "deadlock", "other"}


def _strict_json(text: str) -> Any:
    def reject(token: str) -> None:
        raise AssertionError(f"non-standard JSON token {token}")

    return json.loads(text, parse_constant=reject)


def _float_or_null(x: Any) -> bool:
    return x is None or (isinstance(x, float) and not isinstance(x, bool))


def _run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    assert main(["analyze", *argv, "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return _strict_json(out)


@pytest.mark.parametrize(
    ("preset", "arrangements"),
    [
        ("krickovic2016", ["formal", "md_transparency", "interceptor_caps", "buffer_zone"]),
        ("exporting_security2010", ["formal"]),
    ],
)
def test_analyze_json_shape(
    preset: str, arrangements: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    obj = _run_json(capsys, preset)
    assert obj["scenario"] == preset
    assert obj["actors"] == ["NATO", "Russia"]
    names = obj["actors"]
    assert list(obj["arrangements"]) == arrangements  # file order, formal first
    for arr in obj["arrangements"].values():
        assert {
            "class",
            "tau_star",
            "delta_star",
            "self_enforcing",
            "equilibria",
            "accepted_at_start",
        } <= set(arr)
        for key in ("class", "tau_star", "delta_star", "self_enforcing"):
            assert list(arr[key]) == names
        assert all(arr["class"][n] in CLASSES for n in names)
        assert all(_float_or_null(arr["tau_star"][n]) for n in names)
        assert all(_float_or_null(arr["delta_star"][n]) for n in names)
        assert all(isinstance(arr["self_enforcing"][n], bool) for n in names)
        assert isinstance(arr["accepted_at_start"], bool)
        assert isinstance(arr["equilibria"], list) and arr["equilibria"]
        for eq in arr["equilibria"]:
            assert len(eq) == 2
            for sigma in eq:
                assert len(sigma) == 2 and all(isinstance(p, float) for p in sigma)
                assert sum(sigma) == pytest.approx(1.0)
    c = obj["catch22"]
    assert {
        "k_star",
        "theta_star",
        "formal_accepted_at_start",
        "tau_star_formal_with_caps",
    } <= set(c)
    assert list(c["k_star"]) == names and all(_float_or_null(c["k_star"][n]) for n in names)
    assert _float_or_null(c["theta_star"])
    assert isinstance(c["formal_accepted_at_start"], bool)
    assert list(c["tau_star_formal_with_caps"]) == names
    assert all(_float_or_null(c["tau_star_formal_with_caps"][n]) for n in names)


def test_analyze_json_values_of_the_presets(capsys: pytest.CaptureFixture[str]) -> None:
    k16 = _run_json(capsys, "krickovic2016")
    # hand values (see tests/test_analysis.py for the algebra)
    assert k16["arrangements"]["formal"]["tau_star"]["NATO"] == pytest.approx(0.6)
    assert k16["catch22"]["formal_accepted_at_start"] is False
    assert k16["catch22"]["tau_star_formal_with_caps"]["Russia"] == pytest.approx(0.375)
    e10 = _run_json(capsys, "exporting_security2010")
    assert e10["catch22"]["formal_accepted_at_start"] is True
    assert e10["catch22"]["theta_star"] == pytest.approx(2.0)
    # no ladder: no caps to apply
    assert e10["catch22"]["tau_star_formal_with_caps"] == {"NATO": None, "Russia": None}


def test_analyze_with_set_and_path(
    capsys: pytest.CaptureFixture[str], krickovic_text: str, tmp_path: Path
) -> None:
    # k = 0.25 < k* = 0.5: the formal treaty is accepted at the start
    obj = _run_json(capsys, "krickovic2016", "--set", "actors.*.relative_gains=0.25")
    assert obj["catch22"]["formal_accepted_at_start"] is True
    path = tmp_path / "mine.toml"
    path.write_text(krickovic_text, encoding="utf-8")
    assert _run_json(capsys, str(path))["scenario"] == "krickovic2016"


def test_analyze_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "krickovic2016"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    for word in ("formal", "md_transparency", "buffer_zone", "NATO", "Russia", "Catch-22"):
        assert word in out
    assert "0.600" in out and "0.429" in out and "0.562" in out and "0.522" in out


def test_infinite_values_are_written_as_the_string_inf(krickovic: Scenario) -> None:
    text = dumps(krickovic.to_dict())
    obj = _strict_json(text)
    assert obj["actors"]["NATO"]["decision_precision"] == "inf"
    assert (
        dumps({"x": float("-inf"), "y": [float("inf")]}).replace(" ", "").replace("\n", "")
        == '{"x":"-inf","y":["inf"]}'
    )


def test_scenarios_lists_both_presets(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios"]) == 0
    out, _ = capsys.readouterr()
    names = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert "krickovic2016" in names and "exporting_security2010" in names


@pytest.mark.parametrize("preset", ["krickovic2016", "exporting_security2010"])
def test_show_prints_toml_that_loads_back(
    preset: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["show", preset]) == 0
    out, _ = capsys.readouterr()
    path = tmp_path / "copy.toml"
    path.write_text(out, encoding="utf-8")
    copy = Scenario.load(path)
    orig = Scenario.load(preset)
    assert copy.to_dict() == orig.to_dict()
    # every field but where it came from
    for field in ("name", "horizon", "actors", "arrangements", "ladder", "setback"):
        assert getattr(copy, field) == getattr(orig, field)


def test_to_dict_round_trips(krickovic: Scenario, exporting: Scenario) -> None:
    for sc in (krickovic, exporting):
        again = Scenario.from_dict(sc.to_dict())
        assert again.to_dict() == sc.to_dict()
        assert again.actors == sc.actors and dict(again.arrangements) == dict(sc.arrangements)
