"""Starting small: the optimal stakes along the ladder against uniform stakes.

On ``kydd_reassurance`` (Bayesian trust, greedy types), for each condition
below, ``binding-sim design-ladder``'s optimiser
(:func:`binding_sim.design.ladder.design_ladder`, docs/model.md section 13.8)
chooses each rung's scale to maximise the share bound by the horizon, on
common random numbers; the figure
(:func:`binding_sim.plot.forward.starting_small_figure`) shows the optimal
scales and what the optimal, the best uniform and the written stakes reach.
Forward-looking decisions are not among the conditions: on this preset the
forward solver's proposal map does not settle at some of the scales the
optimiser tries (docs/model.md section 13.5), and an unsettled map is an error.
Run ``python experiments/starting_small.py [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from binding_sim.config.scenario import Scenario
from binding_sim.design.ladder import design_ladder
from binding_sim.plot.figures import publish, script_main
from binding_sim.plot.forward import starting_small_figure

SCENARIO = "kydd_reassurance"
SEED = 20261201
REPS, QUICK_REPS = 1000, 100
OBJECTIVE = "bind_probability"
CONDITIONS: dict[str, tuple[list[str], int, int | None]] = {
    # name: (overrides of the preset, starting points per rung, Powell evaluations per start)
    "myopic, beta = inf": (["actors.*.decision_precision=inf"], 3, None),
    "myopic, beta = 5 (preset)": ([], 3, None),
    "myopic, beta = 2": (["actors.*.decision_precision=2"], 3, None),
}


def main(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """Optimal, uniform and written stakes per condition, one tidy table."""
    reps = QUICK_REPS if quick else REPS
    rows = []
    for name, (overrides, starts, evaluations) in CONDITIONS.items():
        scenario = Scenario.load(SCENARIO, overrides)
        res = design_ladder(
            scenario,
            reps,
            SEED,
            1 if quick else starts,
            objective=OBJECTIVE,
            max_evaluations=evaluations,
        )
        designs = {
            "optimal": (res.scales, res.value, res.standard_error),
            "uniform": (
                (res.uniform_scale,) * len(res.rungs),
                res.uniform_value,
                res.uniform_standard_error,
            ),
            "as written": ((1.0,) * len(res.rungs), res.unit_value, res.unit_standard_error),
        }
        for design, (scales, value, se) in designs.items():
            for pos, (rung, scale, margin) in enumerate(
                zip(res.rungs, scales, res.margins, strict=True), start=1
            ):
                rows.append(
                    {
                        "series": name,
                        "design": design,
                        "rung": rung,
                        "position": pos,
                        "scale": scale,
                        "reached": margin.offered_round is not None,
                        "objective": value,
                        "objective_se": se,
                    }
                )
    meta = {
        "scenario": SCENARIO,
        "seed": SEED,
        "reps": reps,
        "quick": quick,
        "objective_name": "share bound by the horizon",
        "scale_bounds": list(Scenario.load(SCENARIO).ladder_design.scale_bounds),
    }
    return publish("starting_small", pd.DataFrame(rows), starting_small_figure, out_dir, meta)


if __name__ == "__main__":
    raise SystemExit(script_main(main))
