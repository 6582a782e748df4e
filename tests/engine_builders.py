"""Scenario builders shared by the engine and protocol tests (not a test module)."""

from __future__ import annotations

from typing import Any

from binding_sim.config.scenario import Scenario

FORMAL_PAYOFFS = {"R": 6.0, "S": -2.0, "T": 2.0, "P": 0.0}
RUNG_PAYOFFS = {"R": 1.0, "S": -0.2, "T": 0.2, "P": 0.0}


def make_scenario(
    *,
    k: float | tuple[float, float] = 1.0,
    tau0: float | tuple[float, float] = 0.5,
    eps: float | tuple[float, float] = 0.0,
    beta: float | tuple[float, float] = float("inf"),
    lam: float = 0.1,
    mu: float = 0.5,
    phi: float = 0.0,
    theta: float = 0.0,
    horizon: int = 50,
    delta: float = 0.95,
    formal: dict[str, Any] | None = None,
    rungs: dict[str, dict[str, Any]] | None = None,
    ladder: list[str] | None = None,
    setback: int = 0,
    names: tuple[str, str] = ("NATO", "Russia"),
) -> Scenario:
    """A scenario from keyword parameters; by default one rung ``step`` without effects.

    ``rungs`` maps rung names to arrangement tables; ``ladder`` defaults to the
    rung names in order; pass ``rungs={}`` for a scenario without a ladder.
    """

    def pair(v: Any) -> tuple[Any, Any]:
        return v if isinstance(v, tuple) else (v, v)

    ks, ts, es, bs = pair(k), pair(tau0), pair(eps), pair(beta)
    if rungs is None:
        rungs = {"step": {"scope": 0.2, "payoffs": dict(RUNG_PAYOFFS)}}
    raw: dict[str, Any] = {
        "scenario": {
            "name": "test",
            "horizon": horizon,
            "discount_factor": delta,
            "common_threat": theta,
        },
        "trust": {"building_rate": lam, "erosion_rate": mu, "recovery_rate": phi},
        "actors": {
            names[i]: {
                "relative_gains": ks[i],
                "initial_trust": ts[i],
                "incident_rate": es[i],
                "decision_precision": bs[i],
            }
            for i in range(2)
        },
        "arrangements": {
            "formal": {"scope": 1.0, "payoffs": dict(formal or FORMAL_PAYOFFS)},
            **rungs,
        },
    }
    if rungs:
        raw["protocols"] = {"piecemeal": {"ladder": list(ladder or rungs), "setback": setback}}
    return Scenario.from_dict(raw, source="<test>")


def tau_star_symmetric(
    pay: dict[str, float], k: float, theta: float = 0.0, s: float = 1.0
) -> float:
    """Hand closed form ``b / (a + b)`` of docs/model.md section 3 (assumes ``a, b > 0``)."""
    a = pay["R"] + theta * s - pay["T"]
    b = (pay["P"] - pay["S"]) + k * (pay["T"] - pay["S"])
    return b / (a + b)


def deterministic_binding_round(
    tau0: float, lam: float, a: float, b: float, horizon: int
) -> int | None:
    """docs/model.md section 9.3 by hand: piecemeal with one always-accepted rung, ``beta = inf``, ``eps = 0``.

    The formal treaty's margin is ``Delta(tau) = tau a - (1 - tau) b``. Round 1
    implements the rung (one perceived compliance); while the treaty is
    rejected the rung is maintained; the first round that starts with trust
    ``tau_n`` at which the treaty is accepted binds, where
    ``1 - tau_n = (1 - tau0)(1 - lam)^n``.
    """
    for n in range(horizon):
        tau_n = 1.0 - (1.0 - tau0) * (1.0 - lam) ** n
        if tau_n * a - (1.0 - tau_n) * b >= -1e-9:
            return n + 1
    return None
