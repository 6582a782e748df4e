"""The shadow of the future: forward-looking actors, absorbing against revocable binding.

Runs ``shadow_of_future.toml`` (krickovic2016 with ``decisions.rule =
"forward"``) for the share bound, computes the formal treaty's forward
threshold ``tau*_delta`` at every discount factor of the design with the
analysis (docs/model.md section 13.6), and draws
:func:`binding_sim.plot.forward.shadow_of_future_figure`.
Run ``python experiments/shadow_of_future.py [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from scipy.optimize import brentq

from binding_sim.config.scenario import Scenario
from binding_sim.plot.figures import provenance, publish, run_experiment, script_main
from binding_sim.plot.forward import shadow_of_future_figure

HERE = Path(__file__).resolve().parent
DELTA, BINDING = "scenario.discount_factor", "protocols.binding"


def forward_tau_star(scenario: Scenario, delta: float, binding: str) -> float | None:
    """The first actor's forward threshold of the formal treaty (myopic at delta = 0)."""
    sc = scenario.with_values({DELTA: delta, BINDING: binding})
    report = sc.analyze()
    first = sc.actor_names[0]
    if delta == 0.0:
        return report["arrangements"]["formal"]["tau_star"][first]
    return report["forward"]["protocols"]["formal"]["tau_star"][first]


def accepted_at_start(scenario: Scenario, delta: float) -> float:
    """+1 if the formal treaty is accepted at the initial trust under absorbing binding, else -1."""
    sc = scenario.with_values({DELTA: delta, BINDING: "absorbing"})
    if delta == 0.0:
        return 1.0 if sc.analyze()["arrangements"]["formal"]["accepted_at_start"] else -1.0
    return 1.0 if sc.analyze()["forward"]["protocols"]["formal"]["accepted_at_start"] else -1.0


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """Share bound from the sweep, thresholds from the analysis, one tidy table."""
    results, _, exp = run_experiment(HERE / "shadow_of_future.toml", quick)
    base = exp.scenario
    rows = [
        {
            "quantity": "share_bound",
            "protocol": r["protocol"],
            "binding": r[BINDING],
            "discount_factor": r[DELTA],
            "value": r["share_bound"],
            "lo": r["share_bound_lo"],
            "hi": r["share_bound_hi"],
        }
        for _, r in results.iterrows()
    ]
    deltas = sorted(results[DELTA].unique())
    for binding in ("absorbing", "revocable"):
        for delta in deltas:
            tau = forward_tau_star(base, float(delta), binding)
            rows.append(
                {
                    "quantity": "tau_star",
                    "protocol": "formal",
                    "binding": binding,
                    "discount_factor": delta,
                    "value": tau,
                    "lo": None,
                    "hi": None,
                }
            )
    data = pd.DataFrame(rows)
    lo, hi = 0.05, 0.9
    critical = None
    if accepted_at_start(base, lo) < 0 < accepted_at_start(base, hi):
        critical = round(float(brentq(lambda d: accepted_at_start(base, d), lo, hi, xtol=1e-4)), 4)
    first = base.actors[0]
    meta = {
        **provenance(exp),
        "initial_trust": first.initial_trust,
        "myopic_tau_star": forward_tau_star(base, 0.0, "absorbing"),
        "delta_critical": critical,
        "grid_points": base.decisions.grid_points,
    }
    return publish("shadow_of_future", data, shadow_of_future_figure, out_dir, meta)


if __name__ == "__main__":
    raise SystemExit(script_main(main))
