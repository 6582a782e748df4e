"""The shadow of the future: forward-looking actors, absorbing against revocable binding.

Runs ``shadow_of_future.toml`` (krickovic2016 with ``decisions.rule =
"forward"``) for the share bound, computes the formal treaty's forward
threshold ``tau*_delta`` at every discount factor of the design
(docs/model.md section 13.6, :func:`binding_sim.dynamics.forward.forward_threshold`),
and draws :func:`binding_sim.plot.forward.shadow_of_future_figure`.
Run ``python experiments/shadow_of_future.py [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from scipy.optimize import brentq

from binding_sim.analysis import analyze
from binding_sim.config.scenario import Scenario
from binding_sim.dynamics import forward
from binding_sim.plot.figures import provenance, publish, run_experiment, script_main
from binding_sim.plot.forward import shadow_of_future_figure

HERE = Path(__file__).resolve().parent
DELTA, BINDING = "scenario.discount_factor", "protocols.binding"


def tau_star(scenario: Scenario, delta: float, binding: str) -> float | None:
    """The first actor's threshold of the formal treaty: forward at delta > 0, myopic at 0."""
    sc = scenario.with_values({DELTA: delta, BINDING: binding})
    if delta == 0.0:
        return analyze(sc)["arrangements"]["formal"]["tau_star"][sc.actor_names[0]]
    return forward.forward_threshold(sc, "formal", 0)


def accepted(scenario: Scenario, delta: float) -> float:
    """+1 if both accept the formal treaty at their initial trust (absorbing binding), else -1."""
    sc = scenario.with_values({DELTA: delta, BINDING: "absorbing"})
    return 1.0 if forward.accepted_at_start(sc, "formal") else -1.0


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """Share bound from the sweep, thresholds from the solver, one tidy table."""
    results, _, exp = run_experiment(HERE / "shadow_of_future.toml", quick)
    base = exp.scenario
    rows = [
        {
            "quantity": quantity,
            "protocol": r["protocol"],
            "binding": r[BINDING],
            "discount_factor": r[DELTA],
            "value": r[quantity],
            "lo": r[f"{quantity}_lo"],
            "hi": r[f"{quantity}_hi"],
        }
        for quantity in ("share_bound", "share_ever_bound")
        for _, r in results.iterrows()
    ]
    for binding in ("absorbing", "revocable"):
        for delta in sorted(results[DELTA].unique()):
            rows.append(
                {
                    "quantity": "tau_star",
                    "protocol": "formal",
                    "binding": binding,
                    "discount_factor": delta,
                    "value": tau_star(base, float(delta), binding),
                    "lo": None,
                    "hi": None,
                }
            )
    critical = None
    if accepted(base, 0.05) < 0 < accepted(base, 0.9):
        critical = round(float(brentq(lambda d: accepted(base, d), 0.05, 0.9, xtol=1e-5)), 4)
    meta = {
        **provenance(exp),
        "initial_trust": base.actors[0].initial_trust,
        "myopic_tau_star": tau_star(base, 0.0, "absorbing"),
        "delta_critical": critical,
        "grid_points": base.decisions.grid_points,
    }
    return publish("shadow_of_future", pd.DataFrame(rows), shadow_of_future_figure, out_dir, meta)


if __name__ == "__main__":
    raise SystemExit(script_main(main))
