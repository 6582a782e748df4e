"""Power that shifts and breakdown: share at war and share bound against the cost of war.

Runs ``power_shift.toml`` (krickovic2016 with the derived sensitivity of
docs/model.md section 14.2, finite precision and breakdown, section 14.3),
adds for each conversion rate the analysis's critical cost ``C*`` and draws
:func:`binding_sim.plot.power.power_shift_figure`.
Run ``python experiments/power_shift.py [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

from binding_sim.analysis import analyze
from binding_sim.config.cells import CellBuilder
from binding_sim.plot.figures import provenance, publish, run_experiment, script_main
from binding_sim.plot.power import power_shift_figure

HERE = Path(__file__).resolve().parent
ETA = "power.conversion_rate"
COST = "actors.*.war_cost"


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """Share at war and share bound over the cost of war, one line per eta and protocol."""
    results, _, exp = run_experiment(HERE / "power_shift.toml", quick)
    builder = CellBuilder(exp.scenario)
    c_star = {}
    for point in exp.design.points:
        eta = float(point[ETA])
        if eta not in c_star:
            c_star[eta] = analyze(builder.build(point))["power"]["critical_war_cost"]
    data = results[["protocol", ETA, COST, "share_war", "share_bound"]].copy()
    data = data.rename(columns={ETA: "conversion_rate", COST: "war_cost"})
    data["critical_war_cost"] = [c_star[float(e)] for e in data["conversion_rate"]]
    meta = {**provenance(exp), "actors": list(exp.scenario.actor_names)}
    return publish("power_shift", data, power_shift_figure, out_dir, meta)


if __name__ == "__main__":
    raise SystemExit(script_main(main))
