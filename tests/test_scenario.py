"""Scenario files: presets, defaults, overrides and validation through the Python API (docs/model.md section 10)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from strategies_hypothesis import scenario_dicts

from binding_sim.config.scenario import (
    FORMAL,
    Scenario,
    parse_override,
    preset_names,
)
from binding_sim.config.schema import SCENARIO_KEYS, check_value, spec_for
from binding_sim.errors import ConfigError

MINIMAL: dict[str, Any] = {
    "actors": {"East": {}, "West": {}},
    "arrangements": {"formal": {"payoffs": {"R": 3.0, "S": -1.0, "T": 1.0}}},
}


def test_presets_are_listed_and_load() -> None:
    assert {"krickovic2016", "exporting_security2010", "kydd_reassurance"} <= set(preset_names())
    for name in preset_names():
        sc = Scenario.load(name)
        assert sc.name == name
        assert next(iter(sc.arrangements)) == FORMAL


def test_krickovic_preset_values(krickovic: Scenario) -> None:
    assert krickovic.actor_names == ("NATO", "Russia")
    assert krickovic.ladder == ("md_transparency", "interceptor_caps", "buffer_zone")
    assert krickovic.cap_factor_of_ladder() == 0.5
    assert krickovic.arrangements["md_transparency"].transparency_gain == 0.5
    assert all(math.isinf(a.decision_precision) for a in krickovic.actors)
    assert krickovic.formal.payoffs[0].as_tuple() == (6.0, -2.0, 2.0, 0.0)


def test_exporting_preset_values(exporting: Scenario) -> None:
    assert exporting.ladder is None and exporting.cap_factor_of_ladder() == 1.0
    assert exporting.common_threat == 3.0
    assert [a.relative_gains for a in exporting.actors] == [0.5, 1.0]


def test_kydd_preset_is_krickovic_with_bayesian_types(krickovic: Scenario) -> None:
    kydd = Scenario.load("kydd_reassurance")
    assert kydd.trust_model == "bayesian" and kydd.recovery_rate == 0.0
    assert kydd.ladder == krickovic.ladder
    assert kydd.arrangements == krickovic.arrangements
    for a in kydd.actors:
        assert (a.trustworthy_prob, a.greed, a.empathy) == (0.7, 2.0, 1.0)
        assert (a.decision_precision, a.initial_trust, a.incident_rate) == (5.0, 0.5, 0.05)
    # greed 2 is below g* = a / s = 4 of the treaty (a = 4, s = 1) and of md_transparency
    # (a = 0.8, s = 0.2), so the greedy type's threshold b / (a - g s + b) exists:
    # 6 / (4 - 2 + 6) = 0.75 and 0.6 / (0.8 - 0.4 + 0.6) = 0.6 (docs/model.md section 12.1)
    arr = kydd.analyze()["arrangements"]
    assert arr["formal"]["tau_star_greedy"]["NATO"] == pytest.approx(0.75)
    assert arr["md_transparency"]["tau_star_greedy"]["NATO"] == pytest.approx(0.6)


def test_defaults_fill_every_optional_key() -> None:
    sc = Scenario.from_dict(MINIMAL, default_name="mini")
    assert sc.name == "mini"
    assert sc.horizon == SCENARIO_KEYS["scenario.horizon"].default
    assert sc.building_rate == SCENARIO_KEYS["trust.building_rate"].default
    assert sc.erosion_rate == SCENARIO_KEYS["trust.erosion_rate"].default
    assert sc.recovery_rate == 0.0 and sc.common_threat == 0.0
    east = sc.actors[0]
    assert east.name == "East"
    assert east.relative_gains == SCENARIO_KEYS["actors.*.relative_gains"].default
    assert east.initial_trust == SCENARIO_KEYS["actors.*.initial_trust"].default
    assert math.isinf(east.decision_precision)
    assert sc.formal.payoffs[0].P == 0.0  # P defaults to the status quo 0
    assert sc.formal.scope == 1.0 and sc.formal.trust_weight == 1.0
    assert sc.ladder is None and sc.setback == 0


def test_per_actor_payoffs_follow_actor_order() -> None:
    raw = {
        "actors": {"East": {}, "West": {}},
        "arrangements": {
            "formal": {
                "payoffs": {
                    "West": {"R": 5.0, "S": 0.0, "T": 1.0},
                    "East": {"R": 3.0, "S": -1.0, "T": 2.0, "P": 0.5},
                }
            }
        },
    }
    sc = Scenario.from_dict(raw)
    east, west = sc.formal.payoffs
    assert east.as_tuple() == (3.0, -1.0, 2.0, 0.5)
    assert west.as_tuple() == (5.0, 0.0, 1.0, 0.0)
    assert not sc.formal.symmetric


def test_with_values_and_star(krickovic: Scenario) -> None:
    sc = krickovic.with_values({"trust.building_rate": 0.2, "actors.*.relative_gains": 1.5})
    assert sc.building_rate == 0.2
    assert [a.relative_gains for a in sc.actors] == [1.5, 1.5]
    one = krickovic.with_values({"actors.Russia.relative_gains": 2.0})
    assert [a.relative_gains for a in one.actors] == [1.0, 2.0]
    # the original is unchanged (frozen, copied)
    assert krickovic.building_rate == 0.1


def test_overrides_parse_toml_values(krickovic: Scenario) -> None:
    assert parse_override("trust.building_rate=0.2") == ("trust.building_rate", 0.2)
    assert parse_override("scenario.horizon = 50") == ("scenario.horizon", 50)
    assert parse_override("scenario.name=bare") == ("scenario.name", "bare")
    assert parse_override('protocols.piecemeal.ladder=["buffer_zone"]') == (
        "protocols.piecemeal.ladder",
        ["buffer_zone"],
    )
    sc = Scenario.load(
        "krickovic2016",
        ["actors.*.incident_rate=0.1", 'protocols.piecemeal.ladder=["buffer_zone"]'],
    )
    assert [a.incident_rate for a in sc.actors] == [0.1, 0.1]
    assert sc.ladder == ("buffer_zone",)
    assert sc.cap_factor_of_ladder() == 1.0
    assert krickovic.with_overrides(["scenario.horizon=7"]).horizon == 7


def test_inf_precision_from_override() -> None:
    sc = Scenario.load("krickovic2016", ["actors.NATO.decision_precision=2.5"])
    assert sc.actors[0].decision_precision == 2.5
    back = Scenario.load("krickovic2016", ["actors.*.decision_precision=inf"])
    assert all(math.isinf(a.decision_precision) for a in back.actors)


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("scenario.discount_factor", 1.5, "in [0, 1]"),
        ("trust.recovery_rate", -0.1, "in [0, 1]"),
        ("actors.East.incident_rate", float("nan"), "NaN"),
        ("actors.East.relative_gains", True, "a number"),
        ("scenario.horizon", 0, "integer in [1, "),
        ("arrangements.formal.trust_weight", 0.0, "must be a number > 0"),
    ],
)
def test_from_dict_rejects(key: str, value: Any, fragment: str) -> None:
    sc = Scenario.from_dict(MINIMAL)
    with pytest.raises(ConfigError) as info:
        sc.with_values({key: value})
    err = info.value
    assert err.key == key
    assert fragment in err.allowed or fragment in str(err)


def test_lambda_times_weight_boundary() -> None:
    # lambda * w = 1 exactly is allowed; just above is not
    sc = Scenario.from_dict(MINIMAL)
    ok = sc.with_values({"trust.building_rate": 0.5, "arrangements.formal.trust_weight": 2.0})
    assert ok.building_rate * ok.formal.trust_weight == 1.0
    with pytest.raises(ConfigError, match="building_rate \\* trust_weight must be <= 1"):
        sc.with_values({"trust.building_rate": 0.5, "arrangements.formal.trust_weight": 2.01})


def test_spec_for_and_check_value() -> None:
    assert spec_for("actors.Anyone.initial_trust") is SCENARIO_KEYS["actors.*.initial_trust"]
    assert spec_for("arrangements.x.payoffs.East.R") is SCENARIO_KEYS["arrangements.*.payoffs.*.R"]
    assert spec_for("trust.nope") is None
    spec = SCENARIO_KEYS["actors.*.decision_precision"]
    assert check_value(spec, math.inf) is None
    assert check_value(spec, -math.inf) is not None
    assert check_value(SCENARIO_KEYS["trust.building_rate"], math.inf) is not None


@settings(max_examples=40)
@given(scenario_dicts())
def test_generated_scenarios_round_trip(raw: dict[str, Any]) -> None:
    sc = Scenario.from_dict(raw)
    again = Scenario.from_dict(sc.to_dict())
    assert again.to_dict() == sc.to_dict()
    assert again.actors == sc.actors
    assert dict(again.arrangements) == dict(sc.arrangements)
    assert again.ladder == sc.ladder


def test_scenario_is_hashable_and_equal_scenarios_hash_equal() -> None:
    a = Scenario.load("krickovic2016")
    b = Scenario.load("krickovic2016")
    assert a == b and hash(a) == hash(b)
    assert {a: "x"}[b] == "x"
    c = a.with_values({"trust.building_rate": 0.2})
    assert c != a


def test_with_values_error_names_the_value_not_a_set_override() -> None:
    sc = Scenario.load("krickovic2016")
    with pytest.raises(ConfigError) as info:
        sc.with_values({"trust.building_rate": -1.0})
    msg = str(info.value)
    assert "--set" not in msg
    assert msg.startswith(
        "value trust.building_rate=-1.0 (krickovic2016): trust.building_rate = -1.0:"
    )
