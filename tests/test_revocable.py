"""Revocable binding (docs/model.md section 13.1) against the absorbing run and hand-derived paths.

Every expected value is derived by hand from the model's rules (trust paths
``tau0 (1 - mu)^n`` and ``1 - (1 - tau0)(1 - lambda)^n``, the closed form
``tau* = b / (a + b)`` of docs/model.md section 3, the caps of section 6)
or by a second run (the absorbing one), never copied from the engine.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from engine_builders import FORMAL_PAYOFFS, make_scenario, tau_star_symmetric
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies_hypothesis import scenario_dicts

from binding_sim.config.scenario import Scenario
from binding_sim.dynamics.engine import simulate, simulate_cells
from binding_sim.dynamics.protocols import BIND, compile_program

BACKENDS = ["numba", "python"]


def revocable(sc: Scenario) -> Scenario:
    return sc.with_values({"protocols.binding": "revocable"})


def first_binding(bound: np.ndarray) -> np.ndarray:
    """Per replicate, the first round whose end finds the pair bound (0: never)."""
    ever = bound.any(axis=1)
    return np.where(ever, bound.argmax(axis=1), 0)


# ----------------------------------------------------------------------------- compilation
def test_make_revocable_adds_one_bound_state_per_binding_offer(krickovic: Scenario) -> None:
    """Piecemeal with L rungs: states 0..L, then bound states L+1..2L+1, B_r returning to r."""
    absorbing = compile_program(krickovic, "piecemeal")
    prog = compile_program(revocable(krickovic), "piecemeal")
    L = len(krickovic.ladder or ())
    assert len(absorbing.states) == L + 1 and len(prog.states) == 2 * (L + 1)
    assert not any(st.bound for st in absorbing.states)
    for r in range(L + 1):
        orig, state, bound = absorbing.states[r], prog.states[r], prog.states[L + 1 + r]
        assert not state.bound and bound.bound
        # the treaty (first offer) now leads to B_r; the other offers are unchanged
        assert orig.offers[0].on_comply == BIND and state.offers[0].on_comply == L + 1 + r
        for a, b in zip(orig.offers[1:], state.offers[1:], strict=True):
            assert (a.on_comply, a.on_defect, a.gated) == (b.on_comply, b.on_defect, b.gated)
        (treaty,) = bound.offers
        assert treaty.slot is state.offers[0].slot  # the treaty with the caps of state r
        assert np.array_equal(treaty.slot.payoffs, orig.offers[0].slot.payoffs)
        assert not treaty.gated and treaty.on_comply == L + 1 + r and treaty.on_defect == r
        assert np.array_equal(treaty.background, np.zeros(2))
        assert bound.rungs == r and bound.transparency == orig.transparency
    assert not any(o.on_comply == BIND for st in prog.states for o in st.offers)


# ----------------------------------------------------------------------------- check 6
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    protocol=st.sampled_from(["formal", "piecemeal"]),
    offer=st.sampled_from(["every_round", "when_accepted"]),
    model=st.sampled_from(["linear", "bayesian"]),
    beta=st.sampled_from([math.inf, 2.0]),
    tau0=st.integers(8, 28).map(lambda n: n / 32),
    eps=st.sampled_from([0.0, 0.05, 0.2]),
    lam=st.sampled_from([0.05, 0.1, 0.3]),
    mu=st.sampled_from([0.1, 0.5]),
    phi=st.sampled_from([0.0, 0.1]),
    seed=st.integers(0, 2**32),
)
def test_until_the_first_binding_a_revocable_run_is_the_absorbing_run(
    protocol: str,
    offer: str,
    model: str,
    beta: float,
    tau0: float,
    eps: float,
    lam: float,
    mu: float,
    phi: float,
    seed: int,
) -> None:
    """docs/model.md section 13.9 check 6: same draws, same path up to the first binding."""
    H = 40
    base = make_scenario(tau0=tau0, eps=eps, beta=beta, lam=lam, mu=mu, phi=phi, horizon=H)
    values: dict[str, Any] = {"protocols.formal.offer": offer}
    if model == "bayesian":
        values.update(
            {"trust.model": "bayesian", "actors.*.trustworthy_prob": 0.8, "actors.*.greed": 3.0}
        )
    absorbing = base.with_values(values)
    a = simulate(absorbing, protocol, 64, seed, record=True)
    r = simulate(revocable(absorbing), protocol, 64, seed, record=True)
    assert a.trajectories is not None and r.trajectories is not None
    first = first_binding(a.trajectories.bound)
    assert np.array_equal(first, first_binding(r.trajectories.bound))
    for j, t in enumerate(first):
        last = t if t > 0 else H  # identical through the binding round (its update included)
        assert np.array_equal(
            a.trajectories.trust[j, : last + 1], r.trajectories.trust[j, : last + 1]
        )
        assert np.array_equal(
            a.trajectories.rung[j, : last + 1], r.trajectories.rung[j, : last + 1]
        )
    assert r.share_ever_bound == a.share_bound
    assert np.array_equal(r.bound_by_round, a.bound_by_round)
    assert (r.time_to_bind_median, r.time_to_bind_q25, r.time_to_bind_q75) == (
        a.time_to_bind_median,
        a.time_to_bind_q25,
        a.time_to_bind_q75,
    )
    # absorbing: ever bound is bound, nothing breaks
    assert a.share_ever_bound == a.share_bound and a.mean_broken_treaties == 0.0
    assert a.share_ever_bound_ci == a.share_bound_ci
    # revocable: bound at the horizon only if bound once; a break needs a binding before it
    assert r.share_bound <= r.share_ever_bound
    bound_end = r.trajectories.bound[:, -1]
    assert r.share_bound == bound_end.mean()
    assert r.mean_broken_treaties >= (first > 0).mean() - bound_end.mean()


@pytest.mark.parametrize("protocol", ["formal", "piecemeal"])
@pytest.mark.parametrize("offer", ["every_round", "when_accepted"])
def test_a_treaty_accepted_at_the_start_never_breaks_without_incidents(
    protocol: str, offer: str
) -> None:
    """eps = 0, beta = inf, tau0 = 0.8 > tau* = 0.6: bound in round 1, for good.

    Every round pays ``R_F = 6`` and is a perceived compliance, so trust keeps
    rising (nothing is frozen): ``1 - tau_H = (1 - tau0)(1 - lambda)^H``.
    """
    H, tau0, lam = 30, 0.8, 0.1
    sc = revocable(make_scenario(tau0=tau0, eps=0.0, lam=lam, horizon=H)).with_values(
        {"protocols.formal.offer": offer}
    )
    assert tau0 > tau_star_symmetric(FORMAL_PAYOFFS, 1.0) == pytest.approx(0.6)
    out = simulate(sc, protocol, 50, seed=5)
    assert out.mean_broken_treaties == 0.0
    assert out.share_bound == 1.0 and out.share_ever_bound == 1.0
    assert out.time_to_bind_median == 1.0 and out.share_trapped == 0.0
    assert out.mean_payoff_absolute == pytest.approx([6.0 * H] * 2, rel=1e-12)
    tau_H = 1.0 - (1.0 - tau0) * (1.0 - lam) ** H
    assert out.mean_final_trust == pytest.approx([tau_H, tau_H], rel=1e-12)


# ----------------------------------------------------------------------------- a break by hand
BREAK_TAU0, BREAK_LAM, BREAK_MU = 0.9, 0.1, 0.1
"""Initial trust, building and erosion rates of the hand-derived break."""


def _break_scenario(horizon: int) -> Scenario:
    """Formal treaty 6, -2, 2, 0 at k = 1; A misreads every compliance (epsilon_A = 1)."""
    sc = make_scenario(
        tau0=BREAK_TAU0,
        eps=(1.0, 0.0),
        lam=BREAK_LAM,
        mu=BREAK_MU,
        horizon=horizon,
        rungs={},
    )
    return revocable(sc)


def _break_round(tau0: float, mu: float, tau_star: float) -> int:
    """Round t starts with A's trust tau0 (1 - mu)^(t-1); A defects in the first with it below tau*."""
    t = 1
    while tau0 * (1.0 - mu) ** (t - 1) >= tau_star:
        t += 1
    return t


@pytest.mark.parametrize("backend", BACKENDS)
def test_formal_treaty_breaks_in_the_round_the_closed_form_gives(backend: str) -> None:
    """tau0 = 0.9 > tau* = b/(a+b) = 0.6: bound in round 1; A's trust falls by (1 - mu) every
    round (every compliance of B is misread), A defects in the first round that starts
    below tau*, which breaks the treaty; the formal offer then goes on, and A keeps defecting."""
    tau0, lam, mu = BREAK_TAU0, BREAK_LAM, BREAK_MU
    tau_star = tau_star_symmetric(FORMAL_PAYOFFS, 1.0)
    t_break = _break_round(tau0, mu, tau_star)
    assert t_break == 5  # 0.9^4 = 0.6561 >= 0.6 > 0.59049 = 0.9^5
    H = t_break + 1
    sc = _break_scenario(H)
    # B's trust: t_break - 1 perceived compliances, then A's defection seen twice
    tau_B_break = 1.0 - (1.0 - tau0) * (1.0 - lam) ** (t_break - 1)
    assert tau_B_break * (1.0 - mu) >= tau_star  # B still complies in round t_break + 1
    out = simulate(sc, "formal", 20, seed=11, record=True, backend=backend)
    assert out.trajectories is not None
    expected_bound = np.zeros(H + 1, bool)
    expected_bound[1:t_break] = True  # bound at the end of rounds 1 .. t_break - 1
    assert np.array_equal(out.trajectories.bound, np.tile(expected_bound, (20, 1)))
    assert out.mean_broken_treaties == 1.0
    assert out.share_ever_bound == 1.0 and out.share_bound == 0.0
    assert out.time_to_bind_median == 1.0
    tau_A = [tau0 * (1.0 - mu) ** t for t in range(H + 1)]
    assert np.allclose(out.trajectories.trust[:, :, 0], tau_A, rtol=1e-12, atol=0.0)
    # payments: R_F while bound (F's stage game, nothing else), then A's T_F and B's S_F
    R, S, T = FORMAL_PAYOFFS["R"], FORMAL_PAYOFFS["S"], FORMAL_PAYOFFS["T"]
    pay_A = R * (t_break - 1) + 2 * T
    pay_B = R * (t_break - 1) + 2 * S
    assert out.mean_payoff_absolute == pytest.approx([pay_A, pay_B], rel=1e-12)
    assert out.mean_final_trust == pytest.approx(
        [tau_A[H], tau_B_break * (1.0 - mu) ** 2], rel=1e-12
    )
    assert list(out.mean_incidents_by_actor) == [H, 0]  # B complied every round
    assert out.mean_mutual_defection == 0.0 and out.share_trapped == 1.0


def test_a_pair_bound_at_the_horizon_is_not_trapped() -> None:
    """Horizon t_break - 1: still bound at the end though A no longer accepts the treaty."""
    tau0, mu = BREAK_TAU0, BREAK_MU
    tau_star = tau_star_symmetric(FORMAL_PAYOFFS, 1.0)
    H = _break_round(tau0, mu, tau_star) - 1
    sc = _break_scenario(H)
    out = simulate(sc, "formal", 20, seed=2)
    assert tau0 * (1.0 - mu) ** H < tau_star  # A would defect next round
    assert out.mean_final_trust[0] == pytest.approx(tau0 * (1.0 - mu) ** H, rel=1e-12)
    assert out.share_bound == 1.0 and out.share_trapped == 0.0
    assert out.mean_broken_treaties == 0.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_piecemeal_break_keeps_the_rungs_and_the_gate_resumes(backend: str) -> None:
    """A rung with cap factor c = 1/2; A misreads every compliance (epsilon_A = 1).

    Caps (docs/model.md section 6): T_F' = P + c (T - P) = 1, S_F' = P + c (S - P) = -1,
    so tau*_F' = b/(a+b) with a = R - T' = 5, b = (P - S') + (T' - S') = 3: 0.375; the
    uncapped tau*_F = 0.6; the rung (1, -0.2, 0.2, 0): a = 0.8, b = 0.6, tau*_r = 3/7.
    tau0 = 0.55: round 1 implements the rung (F refused, the rung accepted); round 2
    starts with tau_A = 0.495 >= 0.375, so the capped treaty binds; A's trust falls by
    (1 - mu) a round and A breaks the treaty in the first round that starts below 0.375.
    Then the pair is back in state 1 (the rung stays: setback 0), the gate refuses the
    treaty (A rejects it) and the maintained rung is played: A defects on it.
    """
    tau0, lam, mu, c = 0.55, 0.1, 0.1, 0.5
    R, S, T, P = (FORMAL_PAYOFFS[x] for x in "RSTP")
    Tc, Sc = P + c * (T - P), P + c * (S - P)
    cap_pay = {"R": R, "S": Sc, "T": Tc, "P": P}
    tau_capped = tau_star_symmetric(cap_pay, 1.0)
    rung = {"R": 1.0, "S": -0.2, "T": 0.2, "P": 0.0}
    tau_rung = tau_star_symmetric(rung, 1.0)
    assert tau_capped == pytest.approx(0.375) and tau_rung == pytest.approx(3 / 7)
    assert tau_capped <= tau0 * (1 - mu) and tau_rung <= tau0 < 0.6  # round 1 and 2 as said
    t_break = _break_round(tau0, mu, tau_capped)
    assert t_break == 5  # 0.55 * 0.9^3 = 0.40095 >= 0.375 > 0.360855 = 0.55 * 0.9^4
    H = t_break + 1
    # the round after the break A's trust is below the rung's tau*: it defects on it
    assert tau0 * (1 - mu) ** t_break < tau_rung
    rungs = {"caps": {"scope": 0.2, "payoffs": rung, "effects": {"cap_factor": c}}}
    sc = revocable(
        make_scenario(tau0=tau0, eps=(1.0, 0.0), lam=lam, mu=mu, horizon=H, rungs=rungs)
    )
    out = simulate(sc, "piecemeal", 16, seed=9, record=True, backend=backend)
    assert out.trajectories is not None
    assert np.array_equal(out.trajectories.rung, np.tile([0] + [1] * H, (16, 1)))
    expected_bound = np.zeros(H + 1, bool)
    expected_bound[2:t_break] = True  # bound at the end of rounds 2 .. t_break - 1
    assert np.array_equal(out.trajectories.bound, np.tile(expected_bound, (16, 1)))
    assert out.time_to_bind_median == 2.0 and out.mean_broken_treaties == 1.0
    assert out.share_bound == 0.0 and out.share_ever_bound == 1.0 and out.mean_rungs == 1.0
    # round 1: the new rung (R_r); round 2: the capped treaty plus the rung's R (background);
    # bound rounds: the treaty's R_F only; the break: T_F', S_F'; then the maintained rung,
    # A defecting: T_r, S_r (its own background: no rung below it)
    Rr, Sr, Tr = rung["R"], rung["S"], rung["T"]
    pay_A = Rr + (R + Rr) + R * (t_break - 3) + Tc + Tr
    pay_B = Rr + (R + Rr) + R * (t_break - 3) + Sc + Sr
    assert out.mean_payoff_absolute == pytest.approx([pay_A, pay_B], rel=1e-12)


@pytest.mark.parametrize("protocol", ["formal", "piecemeal"])
def test_absorbing_and_revocable_cells_share_a_call(krickovic: Scenario, protocol: str) -> None:
    """docs/model.md section 11: a cell's outcome does not depend on the cells beside it,
    also when one cell has bound states (more protocol states) and the other none."""
    cells = [
        krickovic.with_values({"actors.*.decision_precision": 3.0, "protocols.binding": b})
        for b in ("absorbing", "revocable", "absorbing")
    ]
    together = simulate_cells(cells, protocol, 300, seed=4, horizon=40, record=True)
    for sc, out in zip(cells, together, strict=True):
        alone = simulate(sc, protocol, 300, seed=4, horizon=40, record=True)
        assert out == alone
        assert out.trajectories is not None and alone.trajectories is not None
        assert np.array_equal(out.trajectories.bound, alone.trajectories.bound)
    assert together[1].mean_broken_treaties > 0.0  # the revocable cell does break treaties


# ----------------------------------------------------------------------------- back ends
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw=scenario_dicts(max_rungs=2),
    typed=st.booleans(),
    seed=st.integers(0, 2**32),
)
def test_compiled_and_plain_python_kernel_agree_on_revocable_runs(
    raw: dict[str, Any], typed: bool, seed: int
) -> None:
    """The same source compiled by numba and run as plain Python, bit for bit, paths included."""
    raw.setdefault("protocols", {})["binding"] = "revocable"
    sc = Scenario.from_dict(raw)
    if typed:
        sc = sc.with_values(
            {"trust.model": "bayesian", "actors.*.trustworthy_prob": 0.7, "actors.*.greed": 2.0}
        )
    H = min(sc.horizon, 25)
    for protocol in ["formal", "piecemeal"] if sc.ladder else ["formal"]:
        a = simulate(sc, protocol, 23, seed, horizon=H, record=True, backend="numba")
        b = simulate(sc, protocol, 23, seed, horizon=H, record=True, backend="python")
        assert a == b
        assert a.trajectories is not None and b.trajectories is not None
        for f in ("trust", "rung", "bound"):
            assert np.array_equal(getattr(a.trajectories, f), getattr(b.trajectories, f))
