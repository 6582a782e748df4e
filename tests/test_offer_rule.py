"""The formal offer rule ``protocols.formal.offer`` (docs/model.md section 5).

``"every_round"`` (the default) must be today's formal protocol bit for bit
(held against the numpy oracle, which is the former engine's own round);
``"when_accepted"`` tables the treaty only when both accept it, otherwise the
round is idle. Expected values are derived by hand from the model's rules.
"""

from __future__ import annotations

import pytest
from engine_builders import make_scenario
from oracle_numpy import oracle_simulate

from binding_sim.config.scenario import Scenario
from binding_sim.dynamics.engine import simulate
from binding_sim.errors import ConfigError

# Formal treaty 6, -2, 2, 0 at k = 1: Delta(tau) = tau a - (1 - tau) b = 10 tau - 6 (tau* = 0.6).
A_F, B_F = 4.0, 6.0


def delta(tau: float) -> float:
    return tau * A_F - (1.0 - tau) * B_F


@pytest.mark.parametrize(
    "overrides",
    [
        [],
        ["actors.*.decision_precision=3", "trust.recovery_rate=0.2"],
        ["actors.Russia.initial_trust=0.7", "actors.NATO.decision_precision=1.5"],
    ],
)
def test_every_round_is_the_default_and_todays_rule(overrides: list[str]) -> None:
    base = Scenario.load("krickovic2016", overrides)
    explicit = base.with_values({"protocols.formal.offer": "every_round"})
    assert base.offer == "every_round"
    a = simulate(base, "formal", 3000, seed=31, record=True)
    b = simulate(explicit, "formal", 3000, seed=31, record=True)
    c = oracle_simulate(base, "formal", 3000, seed=31, record=True)
    assert a == b and a == c
    # and the offer rule does not touch the piecemeal protocol
    d = base.with_values({"protocols.formal.offer": "when_accepted"})
    assert simulate(base, "piecemeal", 1000, seed=31) == simulate(d, "piecemeal", 1000, seed=31)


def test_when_accepted_below_the_threshold_tables_nothing() -> None:
    """krickovic2016 at k = 1, tau_0 = 0.5 < tau*_F = 0.6, recovery 0.

    Nobody accepts the treaty, so it is never tabled: every round is idle
    (no play, no incidents, trust stays at 0.5 since recovery only lifts
    trust below tau_0), each round pays P_F = 0, nothing binds, and the
    replicate ends trapped (the treaty is not accepted at the final trust).
    """
    sc = Scenario.load("krickovic2016", ["protocols.formal.offer=when_accepted"])
    assert delta(0.5) < 0 and sc.recovery_rate == 0.0
    out = simulate(sc, "formal", 500, seed=3)
    H = sc.horizon
    assert out.share_bound == 0.0 and out.time_to_bind_median is None
    assert out.mean_idle == H and out.mean_mutual_defection == 0.0
    assert out.mean_incidents == 0.0
    assert list(out.mean_final_trust) == [0.5, 0.5]
    assert list(out.mean_payoff_absolute) == [0.0, 0.0]
    assert out.share_trapped == 1.0
    # the every-round rule on the same scenario: both refuse, both defect every round
    er = simulate(sc.with_values({"protocols.formal.offer": "every_round"}), "formal", 500, 3)
    assert er.mean_idle == 0.0 and er.mean_mutual_defection == H
    assert er.mean_final_trust[0] == pytest.approx(0.5 * 0.5**H, rel=1e-9)


@pytest.mark.parametrize("eps", [0.0, 0.05])
def test_when_accepted_treaty_accepted_at_start_is_the_same_run(eps: float) -> None:
    """exporting_security2010: both accept the treaty at the start (theta = 3 > theta* = 2).

    At beta = inf it is tabled and binds in round 1 under either rule, so the
    two runs are the same (the same draws, the same outcome, bit for bit).
    """
    base = Scenario.load("exporting_security2010", [f"actors.*.incident_rate={eps}"])
    wa = base.with_values({"protocols.formal.offer": "when_accepted"})
    a = simulate(base, "formal", 2000, seed=5)
    b = simulate(wa, "formal", 2000, seed=5)
    assert a == b
    assert a.share_bound == 1.0 and a.time_to_bind_median == 1.0 and a.mean_idle == 0.0


def _hand_run(rule: str, H: int) -> tuple[int | None, list[float], int, list[float]]:
    """Both rules by hand for :func:`test_rules_differ_and_recovery_brings_the_treaty_back`.

    NATO: tau_0 = 0.6 - 1e-12, so Delta = 10 tau - 6 is in [-1e-9, 0): it
    *accepts* (the gate's tolerance) yet, with precision 1e300, complies with
    probability 1 / (1 + exp(1e300 * 1e-11)) = 0: it defects for sure; at any
    other trust it complies iff Delta > 0. Russia (tau_0 = 0.9, beta = inf)
    complies iff Delta >= -1e-9. No incidents. lambda = 0.1, mu = 0.5, phi = 0.2.
    Returns the binding round, the final trust, the idle rounds and the absolute payoffs.
    """
    lam, mu, phi = 0.1, 0.5, 0.2
    tau0 = [0.6 - 1e-12, 0.9]
    tau = list(tau0)
    pay = {(True, True): 6.0, (True, False): -2.0, (False, True): 2.0, (False, False): 0.0}
    total = [0.0, 0.0]
    idle = 0
    for t in range(1, H + 1):
        accept = [delta(x) >= -1e-9 for x in tau]
        if rule == "when_accepted" and not all(accept):
            idle += 1
            tau = [x + phi * max(0.0, t0 - x) for x, t0 in zip(tau, tau0, strict=True)]
            continue
        comply = [delta(tau[0]) > 0, accept[1]]
        for i in range(2):
            total[i] += pay[(comply[i], comply[1 - i])]
        for i in range(2):
            moved = tau[i] + lam * (1 - tau[i]) if comply[1 - i] else tau[i] * (1 - mu)
            tau[i] = moved + phi * max(0.0, tau0[i] - moved)
        if all(comply):
            return t, tau, idle, [x + 6.0 * (H - t) for x in total]
    return None, tau, idle, total


def test_rules_differ_and_recovery_brings_the_treaty_back() -> None:
    """A deterministic case in which the two rules part (see :func:`_hand_run`).

    Round 1 (both rules): both accept, NATO defects, Russia complies; NATO's
    trust builds to about 0.64, Russia's erodes to 0.45 and recovers to
    0.45 + 0.2 * 0.45 = 0.54 < 0.6. From round 2 Russia refuses:
    ``every_round`` plays the refused treaty, so a perceived defection erodes
    each side in turn and they never again accept together; ``when_accepted``
    idles, recovery lifts Russia to 0.9 - 0.36 * 0.8 = 0.612 after round 2,
    and in round 3 both accept, both comply, and the treaty binds.
    """
    H = 40
    kw = {"lam": 0.1, "mu": 0.5, "phi": 0.2, "eps": 0.0, "horizon": H, "rungs": {}}
    sc = make_scenario(tau0=(0.6 - 1e-12, 0.9), beta=(1e300, float("inf")), **kw)
    assert -1e-9 <= delta(0.6 - 1e-12) < 0
    russia_after_1 = 0.9 * 0.5 + 0.2 * (0.9 - 0.9 * 0.5)
    assert russia_after_1 == pytest.approx(0.54) and delta(russia_after_1) < 0
    assert delta(0.9 - (0.9 - russia_after_1) * 0.8) > 0  # recovered after one idle round
    for rule in ("every_round", "when_accepted"):
        bound_at, tau, idle, total = _hand_run(rule, H)
        run = sc.with_values({"protocols.formal.offer": rule})
        out = simulate(run, "formal", 16, seed=7)
        assert out.time_to_bind_median == bound_at
        assert out.share_bound == (0.0 if bound_at is None else 1.0)
        assert out.mean_idle == idle
        assert out.mean_final_trust == pytest.approx(tau, rel=1e-12)
        assert out.mean_payoff_absolute == pytest.approx(total, rel=1e-12)
        assert out == oracle_simulate(run, "formal", 16, seed=7)
    assert _hand_run("every_round", H)[0] is None
    assert _hand_run("when_accepted", H)[:1] == (3,) and _hand_run("when_accepted", H)[2] == 1


def test_bad_offer_value_is_a_one_line_error() -> None:
    with pytest.raises(ConfigError) as info:
        Scenario.load("krickovic2016", ["protocols.formal.offer=sometimes"])
    msg = str(info.value)
    assert "\n" not in msg
    assert "protocols.formal.offer = 'sometimes'" in msg
    assert "'every_round', 'when_accepted'" in msg
    with pytest.raises(ConfigError, match="unknown key; allowed here: offer"):
        Scenario.load("krickovic2016", ["protocols.formal.ofer=every_round"])


def test_offer_round_trips_through_to_dict() -> None:
    sc = Scenario.load("krickovic2016", ["protocols.formal.offer=when_accepted"])
    again = Scenario.from_dict(sc.to_dict())
    assert again.offer == "when_accepted" and again.to_dict() == sc.to_dict()
    assert Scenario.load("exporting_security2010").to_dict()["protocols"] == {
        "binding": "absorbing",
        "formal": {"offer": "every_round"},
    }
