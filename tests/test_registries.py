"""The dynamics' extension points are registries that agree with the configuration.

Protocol names live in the schema (configuration) and the dynamics map each
to a compiler; effects, trust models and outcome metrics are registries too.
These tests hold the registries against the schema, check that the config
layer never imports the dynamics, and check what each registry compiles to
against hand-derived values (docs/model.md sections 4 to 6 and 8).
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from engine_builders import make_scenario

from binding_sim.config.scenario import Scenario
from binding_sim.config.schema import PROTOCOL_NAMES, SCENARIO_KEYS
from binding_sim.dynamics import metrics
from binding_sim.dynamics.effects import EFFECTS, environment
from binding_sim.dynamics.engine import simulate
from binding_sim.dynamics.protocols import BIND, COMPILERS, compile_program
from binding_sim.dynamics.trust import MODELS
from binding_sim.errors import BindingSimError

ROOT = Path(__file__).resolve().parents[1]


def test_schema_protocol_names_equal_the_dynamics_registry() -> None:
    assert tuple(COMPILERS) == PROTOCOL_NAMES
    # every protocol with options has them under protocols.NAME.KEY
    # (protocols.binding, docs/model.md section 13.1, is for every protocol)
    optioned = {
        k.split(".")[1] for k in SCENARIO_KEYS if k.startswith("protocols.") and k.count(".") > 1
    }
    assert optioned == set(PROTOCOL_NAMES)


def test_config_layer_never_imports_the_dynamics() -> None:
    for path in sorted((ROOT / "binding_sim" / "config").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert "dynamics" not in (node.module or ""), path
            elif isinstance(node, ast.Import):
                assert all("dynamics" not in a.name for a in node.names), path


def test_effects_and_trust_models_match_the_schema() -> None:
    effect_keys = {
        k.split(".")[-1] for k in SCENARIO_KEYS if k.startswith("arrangements.*.effects.")
    }
    assert set(EFFECTS) == effect_keys
    for name, effect in EFFECTS.items():
        assert effect.neutral == SCENARIO_KEYS[f"arrangements.*.effects.{name}"].default
    assert tuple(MODELS) == SCENARIO_KEYS["trust.model"].choices


def test_unknown_protocol_is_an_error() -> None:
    with pytest.raises(BindingSimError, match="unknown protocol; choose one of formal, piecemeal"):
        compile_program(Scenario.load("krickovic2016"), "grand")


# ------------------------------------------------------------------ effects and protocols
def test_effects_fold_transparency_capped_and_caps_multiplied() -> None:
    """Transparency adds up to at most 1; cap factors multiply (docs/model.md section 6)."""
    sc = Scenario.load("krickovic2016").with_values(
        {
            "arrangements.md_transparency.effects.transparency_gain": 0.7,
            "arrangements.buffer_zone.effects.transparency_gain": 0.6,
            "arrangements.buffer_zone.effects.cap_factor": 0.8,
        }
    )
    rungs = [sc.arrangements[n] for n in sc.ladder or ()]
    envs = [environment(rungs[:r]) for r in range(4)]
    assert [e.transparency for e in envs] == [0.0, 0.7, 0.7, 1.0]
    assert [e.cap_factor for e in envs] == [1.0, 1.0, 0.5, 0.5 * 0.8]


def test_piecemeal_program_of_the_2016_preset_by_hand() -> None:
    """States r = 0..3 of krickovic2016 with setback 1 (docs/model.md section 5).

    State r offers F (gated, binds), the next rung (gated, implements) and the
    highest implemented rung (ungated, stays); a defection on a rung revokes
    one; F's T and S shrink by the caps in force (c = 0.5 once
    interceptor_caps, the second rung, is implemented: T = 1, S = -1);
    background payments are the R of the implemented rungs not on the table
    (1 for md_transparency, 1 for interceptor_caps, 1.5 for buffer_zone).
    """
    sc = Scenario.load("krickovic2016", ["protocols.piecemeal.setback=1"])
    prog = compile_program(sc, "piecemeal")
    names = [[o.slot.name for o in st.offers] for st in prog.states]
    assert names == [
        ["formal", "md_transparency"],
        ["formal", "interceptor_caps", "md_transparency"],
        ["formal", "buffer_zone", "interceptor_caps"],
        ["formal", "buffer_zone"],
    ]
    gates = [[o.gated for o in st.offers] for st in prog.states]
    assert gates == [[True, True], [True, True, False], [True, True, False], [True, False]]
    comply = [[o.on_comply for o in st.offers] for st in prog.states]
    assert comply == [[BIND, 1], [BIND, 2, 1], [BIND, 3, 2], [BIND, 3]]
    defect = [[o.on_defect for o in st.offers] for st in prog.states]
    assert defect == [[0, 0], [1, 0, 0], [2, 1, 1], [3, 2]]
    background = [[float(o.background[0]) for o in st.offers] for st in prog.states]
    assert background == [[0.0, 0.0], [1.0, 1.0, 0.0], [2.0, 2.0, 1.0], [3.5, 2.0]]
    treaty = [st.offers[0].slot.payoffs[0].tolist() for st in prog.states]
    assert treaty == [[6, -2, 2, 0], [6, -2, 2, 0], [6, -1, 1, 0], [6, -1, 1, 0]]
    assert [st.transparency for st in prog.states] == [0.0, 0.5, 0.5, 0.5]
    assert [st.idle_payment.tolist() for st in prog.states] == [
        [0.0, 0.0],
        [1.0, 1.0],
        [2.0, 2.0],
        [3.5, 3.5],
    ]
    assert prog.bound_payment.tolist() == [6.0, 6.0]


@pytest.mark.parametrize("offer", ["every_round", "when_accepted"])
def test_formal_program_has_one_state_and_one_offer(offer: str) -> None:
    sc = Scenario.load("exporting_security2010", [f"protocols.formal.offer={offer}"])
    prog = compile_program(sc, "formal")
    ((state,),) = [prog.states]
    ((o,),) = [state.offers]
    assert o.slot.name == "formal" and o.gated == (offer == "when_accepted")
    assert (o.on_comply, o.on_defect) == (BIND, 0)
    # theta = 3 raises R by theta * scope = 3: R = 9
    assert o.slot.payoffs.tolist() == [[9.0, -2.0, 2.0, 0.0], [9.0, -2.0, 2.0, 0.0]]
    assert state.transparency == 0.0 and state.rungs == 0


# ------------------------------------------------------------------ trapped: one rule
def test_trapped_is_no_offer_of_the_final_state_accepted_by_both() -> None:
    """Piecemeal with an unacceptable rung and k = 5: nothing is ever accepted, all trapped.

    With the rung made attractive (R = 3, S = T = P = 0: a harmony game) the
    rung is accepted at every trust and maintained; the treaty (tau* = 22/26
    at k = 5) needs 12 perceived compliances, 1 - 0.5 * 0.9^12 = 0.859, so
    within 10 rounds nothing binds, yet nobody is trapped.
    """
    stuck = make_scenario(k=5.0, horizon=30)
    assert simulate(stuck, "piecemeal", 64, seed=1).share_trapped == 1.0
    assert 1 - 0.5 * 0.9**11 < 22 / 26 <= 1 - 0.5 * 0.9**12
    easy = make_scenario(
        k=5.0,
        horizon=10,
        rungs={"step": {"scope": 0.2, "payoffs": {"R": 3.0, "S": 0.0, "T": 0.0}}},
    )
    out = simulate(easy, "piecemeal", 64, seed=1)
    assert out.share_trapped == 0.0 and out.share_bound == 0.0 and out.mean_rungs == 1.0


# ------------------------------------------------------------------ metrics
def test_columns_and_json_derive_from_the_metrics_registry() -> None:
    sc = Scenario.load("krickovic2016", ["scenario.horizon=30"])
    out = simulate(sc, "piecemeal", 300, seed=2)
    expected: list[str] = []
    for m in metrics.METRICS.values():
        expected += m.column_names(sc.actor_names)
    assert list(out.columns()) == expected
    assert [m.path[0] for m in metrics.METRICS.values()] == [
        "share_bound",
        "share_bound_ci",
        "time_to_bind",
        "time_to_bind",
        "time_to_bind",
        "mean_final_trust",
        "mean_incidents",
        "mean_incidents_by_actor",
        "mean_rungs",
        "mean_mutual_defection",
        "mean_idle",
        "share_trapped",
        "bound_by_round",
        "payoffs",
        "payoffs",
        "payoffs",
        "payoffs",
        "share_both_trustworthy",
        "share_bound_trustworthy_pair",
        "share_bound_with_greedy",
        "share_spiral",
        "mean_exploited_rounds",
        "mean_belief_error",
        "share_ever_bound",
        "share_ever_bound_ci",
        "mean_broken_treaties",
    ]
    d = out.to_dict()
    assert list(d) == list(dict.fromkeys(m.path[0] for m in metrics.METRICS.values()))
    assert d["time_to_bind"] == {
        "median": out.time_to_bind_median,
        "q25": out.time_to_bind_q25,
        "q75": out.time_to_bind_q75,
    }
    assert d["payoffs"]["relative_discounted"] == {
        "NATO": float(out.mean_payoff_relative_discounted[0]),
        "Russia": float(out.mean_payoff_relative_discounted[1]),
    }
    assert d["share_bound_ci"] == list(out.share_bound_ci)
    for m in metrics.METRICS.values():
        assert m.doc and hasattr(out, m.name)


@pytest.mark.parametrize("names", [("NATO", "Russia"), ("East", "West"), ("West", "A")])
def test_per_actor_columns_carry_the_scenario_actor_names(names: tuple[str, str]) -> None:
    """``{metric}_{actor}`` with the scenario's names, never ``_A``/``_B``; JSON keyed by name."""
    sc = make_scenario(names=names, tau0=(0.55, 0.45), eps=0.1, horizon=25)
    out = simulate(sc, "piecemeal", 200, seed=4)
    cols = out.columns()
    a, b = names
    per_actor = {
        "mean_final_trust": out.mean_final_trust,
        "mean_incidents": out.mean_incidents_by_actor,
        "payoff_absolute": out.mean_payoff_absolute,
        "payoff_relative": out.mean_payoff_relative,
        "payoff_absolute_discounted": out.mean_payoff_absolute_discounted,
        "payoff_relative_discounted": out.mean_payoff_relative_discounted,
    }
    for stem, values in per_actor.items():
        assert cols[f"{stem}_{a}"] == float(values[0])
        assert cols[f"{stem}_{b}"] == float(values[1])
    assert not any(c.endswith(("_A", "_B")) for c in cols if "A" not in names)
    assert out.to_dict()["mean_final_trust"] == {a: cols[f"mean_final_trust_{a}"],
                                                 b: cols[f"mean_final_trust_{b}"]}  # fmt: skip
    # swapping the actors' order swaps which value each name carries
    swapped = make_scenario(names=(b, a), tau0=(0.45, 0.55), eps=0.1, horizon=25)
    assert set(simulate(swapped, "piecemeal", 200, seed=4).columns()) == set(cols)


def test_adding_a_metric_is_one_registration(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new registered metric shows up as an attribute, in columns() and in to_dict()."""
    gap = metrics.Metric(
        "mean_payoff_gap",
        "mean absolute payoff of the first actor minus the second's",
        lambda tot: float(tot.mean_payoffs[0, 0] - tot.mean_payoffs[0, 1]),
    )
    per = metrics.Metric(
        "share_incidents",
        "incidents per round perceived by each actor",
        lambda tot: tot.stats.sum_incidents / (tot.n * tot.stats.horizon),
        per_actor=True,
    )
    monkeypatch.setitem(metrics.METRICS, gap.name, gap)
    monkeypatch.setitem(metrics.METRICS, per.name, per)
    sc = make_scenario(tau0=(0.6, 0.5), eps=0.2, horizon=20)
    out = simulate(sc, "piecemeal", 100, seed=6)
    expected_gap = float(out.mean_payoff_absolute[0] - out.mean_payoff_absolute[1])
    assert out.mean_payoff_gap == expected_gap
    assert out.columns()["mean_payoff_gap"] == expected_gap
    assert out.to_dict()["mean_payoff_gap"] == expected_gap
    rate = out.mean_incidents_by_actor / 20
    assert out.columns()["share_incidents_NATO"] == pytest.approx(rate[0], rel=1e-14)
    assert out.to_dict()["share_incidents"] == pytest.approx(
        {"NATO": rate[0], "Russia": rate[1]}, rel=1e-14
    )


def test_outcome_attributes_are_the_metric_values() -> None:
    out = simulate(Scenario.load("krickovic2016"), "formal", 100, seed=1)
    assert out.values["share_bound"] == out.share_bound
    assert "share_bound" in dir(out)
    with pytest.raises(AttributeError):
        _ = out.no_such_metric
    assert isinstance(out.mean_final_trust, np.ndarray) and out.actor_names == ("NATO", "Russia")
