"""A shared test base that every protocol passes (cf. Axelrod's ``TestPlayer``).

Each protocol of docs/model.md section 5 gets the same checks: reproducible with
the same seed, sensitive to the seed, picklable outcomes, back ends that
agree, invariants of the aggregates, and the deterministic limit (``beta =
inf``, ``epsilon = 0``, ``w = 1``) computed by hand for that protocol.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from engine_builders import deterministic_binding_round, make_scenario
from oracle_numpy import oracle_simulate

from binding_sim.config.scenario import Scenario
from binding_sim.dynamics.engine import simulate, simulate_cells
from binding_sim.dynamics.outcomes import Outcome

# Formal treaty 6, -2, 2, 0 at k = 1: Delta(tau) = tau a - (1 - tau) b, a = 4, b = 6 (tau* = 0.6).
A_F, B_F = 4.0, 6.0


def _accepts(tau: float) -> bool:
    return tau * A_F - (1.0 - tau) * B_F >= -1e-9


class ProtocolContract:
    """Checks every protocol must pass; subclasses set ``protocol`` and the hand limit."""

    protocol: str = ""

    def stochastic_scenario(self) -> Scenario:
        return Scenario.load(
            "krickovic2016",
            [
                "actors.*.decision_precision=4.0",
                "scenario.horizon=60",
                "actors.*.initial_trust=0.55",
            ],
        )

    def expected_binding_round(self, tau0: float, lam: float, horizon: int) -> int | None:
        raise AssertionError("subclasses give the hand formula")

    # ------------------------------------------------------------------ checks
    def test_reproducible_with_same_seed(self) -> None:
        sc = self.stochastic_scenario()
        a = simulate(sc, self.protocol, 700, seed=12)
        b = simulate(sc, self.protocol, 700, seed=12)
        assert a.to_dict() == b.to_dict() and a.columns() == b.columns()
        c = simulate(sc, self.protocol, 700, seed=13)
        assert c.to_dict() != a.to_dict()

    def test_outcome_is_picklable(self) -> None:
        out = simulate(self.stochastic_scenario(), self.protocol, 300, seed=1, record=True)
        back = pickle.loads(pickle.dumps(out))
        assert isinstance(back, Outcome) and back.to_dict() == out.to_dict()
        assert back.trajectories is not None and out.trajectories is not None
        assert np.array_equal(back.trajectories.trust, out.trajectories.trust)

    def test_backends_agree(self) -> None:
        sc = self.stochastic_scenario()
        a = simulate(sc, self.protocol, 500, seed=3, backend="numba")
        b = simulate(sc, self.protocol, 500, seed=3, backend="python")
        assert a.to_dict() == b.to_dict()
        assert a.to_dict() == oracle_simulate(sc, self.protocol, 500, seed=3).to_dict()

    def test_cells_batched_any_way_agree(self) -> None:
        base = self.stochastic_scenario()
        cells = [base.with_values({"trust.building_rate": lam}) for lam in (0.05, 0.1, 0.2)]
        together = simulate_cells(cells, self.protocol, 600, seed=4)
        for c in (2, 0, 1):
            assert (
                simulate(cells[c], self.protocol, 600, seed=4).to_dict() == together[c].to_dict()
            )

    def test_aggregate_invariants(self) -> None:
        sc = self.stochastic_scenario()
        out = simulate(sc, self.protocol, 800, seed=5)
        H = sc.horizon
        assert out.horizon == H and out.reps == 800 and out.protocol == self.protocol
        lo, hi = out.share_bound_ci
        assert 0.0 <= lo <= out.share_bound <= hi <= 1.0
        assert len(out.bound_by_round) == H
        assert np.all(np.diff(out.bound_by_round) >= 0)
        assert out.bound_by_round[-1] == pytest.approx(out.share_bound)
        assert np.all((out.mean_final_trust >= 0) & (out.mean_final_trust <= 1))
        assert out.mean_incidents == pytest.approx(out.mean_incidents_by_actor.sum())
        assert 0 <= out.mean_idle + out.mean_mutual_defection <= H
        assert 0.0 <= out.share_trapped <= 1.0 - out.share_bound + 1e-12
        if out.time_to_bind_median is not None:
            assert (
                1 <= out.time_to_bind_q25 <= out.time_to_bind_median <= out.time_to_bind_q75 <= H
            )

    @pytest.mark.parametrize("tau0", [0.5, 0.62])
    @pytest.mark.parametrize("lam", [0.02, 0.1, 0.25])
    def test_deterministic_limit(self, tau0: float, lam: float) -> None:
        H = 120
        sc = make_scenario(tau0=tau0, lam=lam, eps=0.0, horizon=H)
        out = simulate(sc, self.protocol, 40, seed=6)
        expected = self.expected_binding_round(tau0, lam, H)
        if expected is None:
            assert out.share_bound == 0.0 and out.time_to_bind_median is None
        else:
            assert out.share_bound == 1.0 and out.time_to_bind_median == expected


class TestFormal(ProtocolContract):
    protocol = "formal"

    def expected_binding_round(self, tau0: float, lam: float, horizon: int) -> int | None:
        # F every round: accepted at tau0 -> binds in round 1; otherwise both reject, each
        # rejection is a perceived defection, trust only falls, and it never binds.
        return 1 if _accepts(tau0) else None


class TestPiecemeal(ProtocolContract):
    protocol = "piecemeal"

    def expected_binding_round(self, tau0: float, lam: float, horizon: int) -> int | None:
        return deterministic_binding_round(tau0, lam, A_F, B_F, horizon)
